"""The URLs of a bench run: the project's own, plus the bare views the API figures are compared with.

Only the bench mounts this (with override_settings(ROOT_URLCONF=...)); production URLs never include it.
"""

from __future__ import annotations

from django.urls import path

from renos.benchmarks.api import BARE_PATH, bare_lead_list
from renos.urls import handler404
from renos.urls import urlpatterns as project_urlpatterns

urlpatterns = [path(BARE_PATH.lstrip("/"), bare_lead_list, name="bench-bare-leads"), *project_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
