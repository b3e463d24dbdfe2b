"""The "Analytics" admin page: renos/analytics.py as tables with small bars, each figure linked to its rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Conversation, Direction, EmailMessage
from renos import analytics

TOP_CUSTOMERS = 10
LATEST_CONVERSATIONS = 15
TEMPLATE = "admin/backoffice/analytics.html"
# The page shows (and links to) customers, emails, leads, bookings and invoices: whoever sees it may see those.
REQUIRED_PERMISSIONS = (
    "customers.view_customer",
    "messaging.view_emailmessage",
    "leads.view_lead",
    "bookings.view_booking",
    "invoicing.view_invoice",
)


class PeriodForm(forms.Form):
    """The days whose leads the lead tables count; either end may be left open."""

    period_start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_start", _("The first day must not be after the last day."))
        return data


def changelist(model: type, **filters: Any) -> str:
    """The admin list of `model`, filtered as given (values that are lists become "a,b" for `__in`)."""
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    query = {
        key: ",".join(map(str, value)) if isinstance(value, list | tuple) else value for key, value in filters.items()
    }
    return f"{url}?{urlencode(query)}" if query else url


def change_page(instance: Any) -> str:
    meta = instance._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])


def percent(value: Any, largest: Any) -> int:
    """The width of a bar: `value` as a share of the largest in its column, 0..100."""
    return round(100 * value / largest) if largest and value and value > 0 else 0


def widest(values: Sequence[Any]) -> Any:
    return max(values, default=0)


def top_customer_rows() -> list[dict[str, Any]]:
    customers = analytics.top_customers(limit=TOP_CUSTOMERS)
    largest = widest([customer.total_revenue for customer in customers])
    return [
        {
            "customer": customer,
            "url": change_page(customer),
            "paid_url": changelist(Invoice, customer=customer.pk, status=Invoice.Status.PAID),
            "bar": percent(customer.total_revenue, largest),
        }
        for customer in customers
    ]


def sent_emails(**filters: Any) -> str:
    """The email list, filtered as given, of emails that went out or came in (as the analytics count them)."""
    return changelist(EmailMessage, **filters, status__in=analytics.SENT_STATUSES)


def response_context() -> dict[str, Any]:
    overall = analytics.response_ratio_overall()
    conversations = list(analytics.conversations_with_counts()[:LATEST_CONVERSATIONS])
    largest = widest([max(c.outbound, c.inbound) for c in conversations])
    return {
        "overall": overall,
        "outbound_url": sent_emails(direction=Direction.OUTBOUND),
        "inbound_url": sent_emails(direction=Direction.INBOUND),
        "conversations": [
            {
                "conversation": conversation,
                "url": change_page(conversation),
                "ratio": analytics.conversation_ratio(conversation),
                "outbound_url": sent_emails(conversation=conversation.pk, direction=Direction.OUTBOUND),
                "inbound_url": sent_emails(conversation=conversation.pk, direction=Direction.INBOUND),
                "outbound_bar": percent(conversation.outbound, largest),
                "inbound_bar": percent(conversation.inbound, largest),
            }
            for conversation in conversations
        ],
        "conversations_url": changelist(Conversation),
    }


def ai_email_rows() -> list[dict[str, Any]]:
    counts = analytics.ai_emails_by_model()
    largest = widest([row.count for row in counts])
    return [
        {
            "model": row.model,
            "count": row.count,
            "url": sent_emails(
                is_ai_generated__exact=1, ai_model="" if row.model == analytics.UNKNOWN_MODEL else row.model
            ),
            "bar": percent(row.count, largest),
        }
        for row in counts
    ]


def funnel_row(label: str, group: analytics.LeadGroup, leads_filter: dict[str, Any], largest: int) -> dict[str, Any]:
    """A table row: the figures of `group`, each linked to the lead list with `leads_filter` (the group and period)."""
    return {
        "label": label,
        "group": group,
        "leads_url": changelist(Lead, **leads_filter),
        "booked_url": changelist(Lead, **leads_filter, status__in=analytics.BOOKED_OR_LATER),
        "completed_url": changelist(Lead, **leads_filter, status__in=analytics.COMPLETED_OR_LATER),
        "invoiced_url": changelist(Lead, **leads_filter, status=Lead.Status.INVOICED),
        "conversion": None if group.conversion_rate is None else round(group.conversion_rate * 100),
        "bar": percent(group.leads, largest),
        "booked_bar": percent(group.booked, largest),
    }


def period_filter(start: date | None, end: date | None) -> dict[str, str]:
    """The lead-list lookups for the days start..end (the admin's time zone is Copenhagen, as the analytics')."""
    lookups = {}
    if start:
        lookups["created_at__date__gte"] = start.isoformat()
    if end:
        lookups["created_at__date__lte"] = end.isoformat()
    return lookups


def lead_context(start: date | None, end: date | None) -> dict[str, Any]:
    """Two tables, by source and by service, each ending in the total of every lead in the period."""
    funnel = analytics.lead_funnel(start=start, end=end)
    period = period_filter(start, end)
    total = {**funnel_row(_("All leads"), funnel.total, period, funnel.total.leads), "is_total": True}
    largest = widest([group.leads for group in funnel.by_source])
    by_source = [
        funnel_row(str(Lead.Source(group.source).label), group, {**period, "source": group.source}, largest)
        for group in funnel.by_source
    ]
    largest = widest([group.leads for group in funnel.by_service])
    by_service = [
        funnel_row(group.name or _("No service"), group, {**period, **service_filter(group.service_type)}, largest)
        for group in funnel.by_service
    ]
    return {"tables": [(_("By source"), [*by_source, total]), (_("By service"), [*by_service, total])]}


def service_filter(code: str | None) -> dict[str, str]:
    return {"service_type": code} if code else {"service_type__isnull": "True"}


def job_size_context() -> dict[str, Any]:
    return {
        "size": analytics.job_size(),
        "bookings_url": changelist(Booking, status=Booking.Status.COMPLETED),
        "invoices_url": changelist(Invoice, status__in=analytics.ISSUED_STATUSES, credited_invoice__isnull="True"),
    }


def analytics_view(request: HttpRequest) -> HttpResponse:
    """Top customers, response ratios, AI-written email, leads by source and service (for a period), job size."""
    if not request.user.has_perms(REQUIRED_PERMISSIONS):
        raise PermissionDenied
    form = PeriodForm(request.GET if request.GET else None)
    leads = None
    if not form.is_bound:
        leads = lead_context(None, None)
    elif form.is_valid():
        leads = lead_context(form.cleaned_data.get("period_start"), form.cleaned_data.get("period_end"))
    context = {
        **admin.site.each_context(request),
        "title": _("Analytics"),
        "form": form,
        "top_customers": top_customer_rows(),
        "customers_url": changelist(Customer, status__exact=Customer.Status.ACTIVE),
        "responses": response_context(),
        "ai_emails": ai_email_rows(),
        "leads": leads,
        "jobs": job_size_context(),
    }
    return TemplateResponse(request, TEMPLATE, context)
