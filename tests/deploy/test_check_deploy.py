"""Production settings come from the environment: `check --deploy` is clean, and bad secrets stop the start."""

from __future__ import annotations

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from renos.settings_deploy import deploy_settings
from tests.deploy.helpers import PRODUCTION_KEY, production_env, run, settings_in

DEPLOY_VARIABLES = (
    "DJANGO_ENV",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_ADMIN_URL",
)

CHECK_DEPLOY = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def test_check_deploy_is_clean_with_the_production_variables(tmp_path):
    result = run(CHECK_DEPLOY, production_env(), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_still_catches_what_is_switched_off(tmp_path):
    env = production_env(DJANGO_SECURE_HSTS_PRELOAD=None, DJANGO_SECURE_SSL_REDIRECT="false")

    result = run([*CHECK_DEPLOY, "--tag", "security"], env, tmp_path)

    assert result.returncode != 0
    assert "security.W008" in result.stderr  # no HTTPS redirect
    assert "security.W021" in result.stderr  # no HSTS preload


def test_production_turns_on_https_secure_cookies_and_the_proxy_header(tmp_path):
    # Empty lines, as copied from .env.example, keep the production defaults.
    env = production_env(DJANGO_SECURE_SSL_REDIRECT="", DJANGO_SECURE_COOKIES="", DATABASE_CONN_MAX_AGE="")

    values = settings_in(env, tmp_path)

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["ALLOWED_HOSTS"] == ["renos.rendetalje.dk"]
    # Persistent database connections, checked before reuse.
    assert values["CONN_MAX_AGE"] == 60
    assert values["CONN_HEALTH_CHECKS"] is True
    # whitenoise serves the hashed, compressed files collectstatic made.
    assert values["STATICFILES_STORAGE"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    middleware = values["MIDDLEWARE"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"


def test_each_production_default_can_be_changed_from_the_environment(tmp_path):
    env = production_env(
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="600",
        DJANGO_BEHIND_PROXY="no",
        DATABASE_CONN_MAX_AGE="120",
    )

    values = settings_in(env, tmp_path)

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["CONN_MAX_AGE"] == 120


def test_local_runs_stay_on_plain_http_with_a_generated_key_and_the_admin_where_configured(tmp_path):
    values = settings_in({"DJANGO_DEBUG": "true", "DJANGO_ADMIN_URL": "/kontor-7f3a"}, tmp_path)

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["CONN_MAX_AGE"] == 0  # runserver starts a thread per request
    assert len((tmp_path / "var" / "secret_key").read_text()) >= 50
    assert values["admin_index"] == "/kontor-7f3a/"
    assert values["admin_login"] == "/kontor-7f3a/login/"


def test_debug_off_refuses_to_start_without_a_real_secret_key(tmp_path):
    missing = run(["manage.py", "check"], production_env(DJANGO_SECRET_KEY=None), tmp_path)
    weak = run(["manage.py", "check"], {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "dev"}, tmp_path)

    assert missing.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY in production" in missing.stderr
    assert weak.returncode != 0
    assert "DJANGO_SECRET_KEY is not a real secret key: it has 3 characters" in weak.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (production_env(DJANGO_SECRET_KEY=None), "Set DJANGO_SECRET_KEY in production"),
        (production_env(DJANGO_SECRET_KEY=""), "Set DJANGO_SECRET_KEY in production"),
        (production_env(DJANGO_SECRET_KEY="change-me"), "DJANGO_SECRET_KEY is not a real secret key"),
        (production_env(DJANGO_SECRET_KEY="x" * 60), "DJANGO_SECRET_KEY is not a real secret key"),
        (production_env(DJANGO_SECRET_KEY="django-insecure-" + PRODUCTION_KEY), "not a real secret key"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "dev"}, "DJANGO_SECRET_KEY is not a real secret key"),
        (production_env(DJANGO_DEBUG="true"), "DJANGO_DEBUG must be off in production"),
        (production_env(DJANGO_ALLOWED_HOSTS=None), "Set DJANGO_ALLOWED_HOSTS in production"),
        (production_env(DJANGO_ENV="staging"), "DJANGO_ENV must be one of local, production"),
        (production_env(DJANGO_CSRF_TRUSTED_ORIGINS="renos.rendetalje.dk"), "need a scheme"),
        ({"DJANGO_ADMIN_URL": "../"}, "DJANGO_ADMIN_URL"),
    ],
    ids=[
        "no-key",
        "empty-key",
        "short-key",
        "one-character-key",
        "insecure-prefix",
        "weak-key-debug-off-locally",
        "debug-on",
        "no-hosts",
        "unknown-environment",
        "origin-without-scheme",
        "admin-url-not-a-path",
    ],
)
def test_unsafe_settings_are_refused_with_a_clear_message(monkeypatch, tmp_path, env, message):
    for name in DEPLOY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        deploy_settings(environ.Env(), debug=environ.Env().bool("DJANGO_DEBUG", default=False), var_dir=tmp_path)

    assert not (tmp_path / "secret_key").exists()


def test_a_weak_key_is_accepted_while_debugging_locally(monkeypatch, tmp_path):
    monkeypatch.delenv("DJANGO_ENV", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "dev")

    assert deploy_settings(environ.Env(), debug=True, var_dir=tmp_path)["SECRET_KEY"] == "dev"
