"""Running manage.py and settings in a fresh process, with only the environment a test gives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "k7Qm2vX9pL4wZ8rT1yB6nC3fH5jD0sGa-uEoIiPqRtYwXzVb_NmLkJhGfDsAqWe"


def production_env(**overrides: str) -> dict[str, str]:
    """What an operator sets for production (docker-compose.yml, .env), and nothing from this test run."""
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "DJANGO_ALLOWED_HOSTS": "renos.rendetalje.dk",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://renos.rendetalje.dk",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project, with `env` on top of a bare environment (var/ in tmp_path)."""
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "RENOS_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


SETTINGS_DUMP = """
import json, django
django.setup()
from django.conf import settings
from django.urls import reverse
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CONN_MAX_AGE": db["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"],
    "STATICFILES_STORAGE": settings.STORAGES["staticfiles"]["BACKEND"],
    "MIDDLEWARE": settings.MIDDLEWARE,
    "admin_index": reverse("admin:index"),
    "admin_login": reverse("admin:login"),
}))
"""


def settings_in(env: dict[str, str], tmp_path: Path) -> dict:
    result = run(["-c", SETTINGS_DUMP], {"DJANGO_SETTINGS_MODULE": "renos.settings", **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
