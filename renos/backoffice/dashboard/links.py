"""Links from a figure to the admin list behind it, with filters the changelist accepts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.urls import reverse
from django.utils.http import urlencode


def changelist_url(model: type[Model], **params: Any) -> str:
    """The model's admin list filtered by `params` (field lookups, e.g. `created_at__gte=<aware datetime>`)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = urlencode({name: _param(value) for name, value in params.items()})
    return f"{url}?{query}" if query else url


def change_url(obj: Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def can_view(user: AbstractBaseUser | AnonymousUser, model: type[Model]) -> bool:
    """What the admin itself allows: the list of a model is open to those who may view or change it."""
    meta = model._meta
    return user.has_perm(f"{meta.app_label}.view_{meta.model_name}") or user.has_perm(
        f"{meta.app_label}.change_{meta.model_name}"
    )


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ",".join(str(item) for item in value)
    return str(value)
