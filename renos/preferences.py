"""Staff members' own settings: the language the back office speaks to each of them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from renos.models import StaffPreferences


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def staff_language_of(user: AbstractBaseUser) -> str:
    """The language this user chose, or "" when they have not chosen (the office default applies)."""
    language = StaffPreferences.objects.filter(user=user).values_list("language", flat=True).first()
    return language if language in language_codes() else ""


def staff_language_set(*, user: AbstractBaseUser, language: str) -> StaffPreferences:
    """Remember the language this user wants the back office in."""
    if language not in language_codes():
        choices = ", ".join(language_codes())
        raise ValidationError(
            {"language": gettext("Choose one of: %(choices)s.") % {"choices": choices}}, code="invalid_choice"
        )
    preferences, _created = StaffPreferences.objects.update_or_create(user=user, defaults={"language": language})
    return preferences
