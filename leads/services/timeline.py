"""The timeline: one activity per thing that happened to a lead, booking or invoice (Danish titles)."""

from __future__ import annotations

from typing import Any

from leads.models import Activity, Lead


def activity_create(
    *,
    title: str,
    type: str,
    description: str = "",
    status: str = Activity.Status.INFO,
    lead: Lead | None = None,
    booking: Any = None,
    invoice: Any = None,
    metadata: dict[str, Any] | None = None,
) -> Activity:
    """Write one timeline entry; the customer's name is copied from the lead so the entry reads on its own."""
    customer = ""
    if lead is not None:
        customer = lead.customer_name or lead.customer_email or lead.customer_phone
    return Activity.objects.create(
        lead=lead,
        booking=booking,
        invoice=invoice,
        type=type,
        title=title,
        description=description,
        status=status,
        customer=customer,
        metadata=metadata or {},
    )
