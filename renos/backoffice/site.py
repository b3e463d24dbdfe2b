"""The admin site: Django's own, with the dashboard as its index and the back-office views beside it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _


class RenosAdminSite(admin.AdminSite):
    site_header = _("RenOS back office")
    site_title = _("RenOS")
    index_title = _("Today at a glance")

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        from renos.backoffice.dashboard import dashboard_context

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from renos.backoffice.urls import backoffice_views

        extra = [path(route, self.admin_view(view), name=name) for route, view, name in backoffice_views()]
        return extra + super().get_urls()
