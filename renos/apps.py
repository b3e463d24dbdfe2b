from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenosConfig(AppConfig):
    name = "renos"
    verbose_name = _("RenOS")
