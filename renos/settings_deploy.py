"""The secret key, the hosts and the HTTPS hardening: read from the environment, called once from renos.settings.

Two environments, chosen by DJANGO_ENV:

- `local` (the default): `make run`, `make test` and the manage.py commands of a checkout. Without DJANGO_SECRET_KEY a
  random key is generated once and kept in var/secret_key; plain HTTP; localhost only.
- `production` (the Docker image sets it): everything comes from the environment and the defaults are the safe ones,
  so `manage.py check --deploy` is clean: a real DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS are required, DEBUG must
  be off, HTTPS is enforced (redirect, HSTS, secure cookies) and the TLS-terminating proxy in front is trusted to say
  whether a request came over HTTPS. Each of these can still be set one by one.

With DEBUG off, a DJANGO_SECRET_KEY that is set but weak stops the process in either environment.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("local", "production")
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Django's own rule for a key it accepts in production (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure-"
ONE_YEAR = 365 * 24 * 3600
# Plain URL path segments: no characters that Django's path() or a browser would read differently.
ADMIN_PATH = re.compile(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")


def env_bool(env: environ.Env, name: str, default: bool) -> bool:
    """A yes/no setting; unset or empty (as in .env.example) is the default, not "no"."""
    return env.bool(name) if env.str(name, default="").strip() else default


def env_int(env: environ.Env, name: str, default: int) -> int:
    """A whole-number setting; unset or empty is the default."""
    return env.int(name) if env.str(name, default="").strip() else default


def secret_key_problem(key: str) -> str | None:
    """Why `key` is not a real secret key, or None when it is."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters; use at least {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return "it repeats too few characters"
    if key.startswith(INSECURE_PREFIX):
        return f"it starts with {INSECURE_PREFIX!r}, like the example keys of startproject"
    return None


def _local_secret_key(var_dir: Path) -> str:
    """A per-checkout key kept in var/, so a fresh machine runs without a secret in the repository."""
    path = var_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _admin_url(value: str) -> str:
    """The path prefix the staff admin is served under: "/kontor", "kontor" and "kontor/" all give "kontor/"."""
    path = value.strip().strip("/")
    if not ADMIN_PATH.fullmatch(path) or any(part in (".", "..") for part in path.split("/")):
        raise ImproperlyConfigured(f"DJANGO_ADMIN_URL {value!r} is not a path like 'admin/'.")
    return f"{path}/"


def deploy_settings(env: environ.Env, *, debug: bool, var_dir: Path) -> dict[str, object]:
    environment = env.str("DJANGO_ENV", default="") or "local"
    if environment not in ENVIRONMENTS:
        raise ImproperlyConfigured(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}.")
    production = environment == "production"
    admin_url = _admin_url(env.str("DJANGO_ADMIN_URL", default="") or "admin/")
    if production and debug:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production: debug pages show settings and data.")

    secret_key = env.str("DJANGO_SECRET_KEY", default="")
    if not secret_key:
        if production:
            raise ImproperlyConfigured(
                "Set DJANGO_SECRET_KEY in production (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        secret_key = _local_secret_key(var_dir)
    elif not debug and (problem := secret_key_problem(secret_key)):
        raise ImproperlyConfigured(f"DJANGO_SECRET_KEY is not a real secret key: {problem}.")

    allowed_hosts = env.list("DJANGO_ALLOWED_HOSTS", default=[] if production else LOCAL_HOSTS)
    if production and not allowed_hosts:
        raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS in production: the host names the site answers to.")
    csrf_trusted_origins = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
    if bad := [origin for origin in csrf_trusted_origins if not origin.startswith(("https://", "http://"))]:
        raise ImproperlyConfigured(f"DJANGO_CSRF_TRUSTED_ORIGINS need a scheme (https://…): {', '.join(bad)}.")

    secure_cookies = env_bool(env, "DJANGO_SECURE_COOKIES", production)
    return {
        "DJANGO_ENV": environment,
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": allowed_hosts,
        "CSRF_TRUSTED_ORIGINS": csrf_trusted_origins,
        # The staff admin's path: somewhere less guessable than /admin/ keeps the login page away from most bots.
        "ADMIN_URL": admin_url,
        # The proxy terminates TLS and must set (overwrite) X-Forwarded-Proto; only then is the header trusted.
        "SECURE_PROXY_SSL_HEADER": (
            ("HTTP_X_FORWARDED_PROTO", "https") if env_bool(env, "DJANGO_BEHIND_PROXY", production) else None
        ),
        "SECURE_SSL_REDIRECT": env_bool(env, "DJANGO_SECURE_SSL_REDIRECT", production),
        # Load balancers and the container's health check ask over plain HTTP, from inside.
        "SECURE_REDIRECT_EXEMPT": [r"^health/$"],
        "SECURE_HSTS_SECONDS": env_int(env, "DJANGO_SECURE_HSTS_SECONDS", ONE_YEAR if production else 0),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env_bool(env, "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", production),
        # Preloading is a promise to browsers that is slow to take back: only on request.
        "SECURE_HSTS_PRELOAD": env_bool(env, "DJANGO_SECURE_HSTS_PRELOAD", False),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "CSRF_COOKIE_SECURE": secure_cookies,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }
