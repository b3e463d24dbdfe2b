"""GDPR in the admin: export a customer's personal data, erase a customer."""

from __future__ import annotations


class PrivacyAdminMixin:
    """Customer admin: the personal-data export and erase actions."""

    privacy_actions: tuple[str, ...] = ()
