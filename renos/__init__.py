"""RenOS: the back office of Rendetalje."""

from __future__ import annotations

from renos.celery import app as celery_app

__all__ = ["celery_app"]
