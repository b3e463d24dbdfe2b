"""Shared fixtures: staff users, an admin client, a JWT-authenticated API client, fast hashing, a clean cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from renos.api.tokens import LoginSerializer
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The production storage needs `collectstatic`'s manifest, which a test run does not build.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english(settings):
    """Staff read Danish through locale/da; tests check the English msgids, which do not change with a translation.
    (Customer texts are Danish in the code and unaffected. tests/test_language.py puts Danish back.)"""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters live in the cache (Redis in the test run): every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_user(db):
    """Office staff: in the Kontor group, as people who run the business day to day are."""
    from django.contrib.auth.models import Group

    from renos.roles import OFFICE, roles_apply

    if not Group.objects.filter(name=OFFICE).exists():  # a transactional test before this one flushed the groups
        roles_apply()
    user = UserFactory(username="kontor", is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICE))
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="chef", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client_logged_in(client, superuser):
    client.force_login(superuser)
    return client


def bearer(user) -> str:
    """The access token the login would give this user (with its claims: language, office role)."""
    return f"Bearer {LoginSerializer.get_token(user).access_token}"


@pytest.fixture
def api_client(staff_user):
    """An API client that sends a staff member's JWT access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    return client


@pytest.fixture
def superuser_api_client(superuser):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(superuser))
    return client


@pytest.fixture
def anon_api_client():
    return APIClient()


SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples" / "emails"


def sample_email(name: str) -> bytes:
    """A real-world sample from ../shared/samples/emails/ (name without .eml)."""
    return (SAMPLES_DIR / f"{name}.eml").read_bytes()


@pytest.fixture
def celery_eager():
    """Tasks queued with .delay() run at once, in this process (retries too, without their countdown)."""
    from renos.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def seeded_catalogue(transactional_db):
    """Transactional tests empty every table afterwards: put back what the data migrations seed, before the test."""
    from importlib import import_module

    from django.apps import apps

    import_module("leads.migrations.0003_seed_service_types").create_services(apps, None)
    import_module("messaging.migrations.0002_default_email_templates").create_templates(apps, None)
