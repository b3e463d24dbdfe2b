"""Scheduled work that needs several apps and belongs to no step of the lead-to-invoice journey."""

from __future__ import annotations

from celery import shared_task

from renos.privacy import customers_anonymise_inactive


@shared_task
def anonymise_inactive_customers() -> int:
    """Monthly: erase the personal data of customers inactive past RENOS_RETENTION_DAYS; how many were erased."""
    return customers_anonymise_inactive()
