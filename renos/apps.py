from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenosConfig(AppConfig):
    name = "renos"
    verbose_name = _("RenOS")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from renos.middleware import remember_language_at_login
        from renos.roles import apply_roles_after_migrate

        post_migrate.connect(apply_roles_after_migrate, sender=self, dispatch_uid="renos.roles.apply")
        user_logged_in.connect(remember_language_at_login, dispatch_uid="renos.middleware.language_at_login")
