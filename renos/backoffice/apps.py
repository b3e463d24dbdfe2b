from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class RenosAdminConfig(AdminConfig):
    """Django's admin with RenOS's site: the dashboard on the index and the back-office views."""

    default_site = "renos.backoffice.site.RenosAdminSite"
