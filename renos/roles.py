"""The staff roles as groups: office staff (Kontor) run the business, cleaners (Rengøring) see their own jobs.

Superusers have every permission and belong to no group. The two groups are defined here, in code, and rewritten to
match on every `migrate`: change a role here, not in the admin (a change made in the admin lasts until the next deploy).
Other groups made in the admin are left alone.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, transaction

OFFICE = "Kontor"
CLEANERS = "Rengøring"

# Office staff view, add and change everything in these apps and delete nothing: a removal is done by a superuser,
# or by the status the model has for it (a customer becomes inactive, a booking is cancelled, an invoice credited).
OFFICE_APPS = ("customers", "leads", "messaging", "bookings", "invoicing", "taggit")
# Settings rather than daily work: office staff read them, only superusers change them. The service catalogue holds
# the prices (the API agrees: only superusers write it); the mailbox state is the inbox sync's cursor; the invoice
# number counter keeps the numbering gapless. Users, groups and the beat schedules are not in OFFICE_APPS at all.
OFFICE_VIEW_ONLY_MODELS = ("leads.servicetype", "messaging.mailboxstate", "invoicing.invoicenumbercounter")
# Read-only history from apps outside OFFICE_APPS, when they are installed (the audit log of who changed what).
OFFICE_VIEW_ONLY_APPS = ("auditlog",)
OFFICE_EXTRA = ("bookings.view_all_bookings",)
CLEANER_PERMISSIONS = ("bookings.view_booking",)


def office_may(app_label: str, model: str, codename: str) -> bool:
    """Whether office staff get this permission (codename as Django names it: `<action>_<model>`)."""
    if f"{app_label}.{codename}" in OFFICE_EXTRA:
        return True
    if app_label in OFFICE_VIEW_ONLY_APPS or f"{app_label}.{model}" in OFFICE_VIEW_ONLY_MODELS:
        return codename == f"view_{model}"
    return app_label in OFFICE_APPS and codename in {f"{verb}_{model}" for verb in ("view", "add", "change")}


def roles_apply(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the two groups if missing and set their permissions to exactly what the roles above give them.

    Running it again changes nothing. The permissions are created first: see `apply_roles_after_migrate` for why.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    with transaction.atomic(using=using):
        _set_group_permissions(apps=apps, using=using)


def _set_group_permissions(*, apps: Apps, using: str) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(using).values_list("pk", "content_type__app_label", "content_type__model", "codename")
    )
    office = [pk for pk, app_label, model, codename in permissions if office_may(app_label, model, codename)]
    cleaners = [pk for pk, app_label, _, codename in permissions if f"{app_label}.{codename}" in CLEANER_PERMISSIONS]
    for name, granted in ((OFFICE, office), (CLEANERS, cleaners)):
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(granted)


def apply_roles_after_migrate(
    sender: Any, *, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """The post_migrate receiver (connected for this app in RenosConfig.ready).

    Why after migrate and not in a data migration: Django creates permissions in its own post_migrate receiver, so on
    a fresh database a data migration finds none; and a migration would see only the models that existed when it was
    written, while this picks up every model and app added later (the audit log too) on the next deploy. The receivers
    run app by app, so the permissions of the apps listed after this one are created here first (create_permissions
    skips those that exist).

    A `flush` (no migration plan) is skipped: the test runner flushes between transactional tests and may then reload
    a snapshot of the database that holds the groups already, which groups made here would collide with. After a
    `manage.py flush` by hand, `migrate` brings the groups back.
    """
    if kwargs.get("plan") is None:
        return
    roles_apply(apps=apps, using=using)
