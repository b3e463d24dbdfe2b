"""Shared fixtures: a staff user, an admin client, fast password hashing and no stray network."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_local(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def staff_user(db):
    return UserFactory(username="kontor", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="chef", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client_logged_in(client, superuser):
    client.force_login(superuser)
    return client
