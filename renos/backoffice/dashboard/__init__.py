"""The dashboard on the admin index: today at a glance, and charts of leads, the funnel, revenue and response times.

Each part is shown only to staff who may see the admin list it links to, and costs a fixed number of queries
(grouped aggregates), however many leads, bookings and invoices there are.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from bookings.models import Booking
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import EmailMessage, SmsMessage
from renos.backoffice.dashboard import attention
from renos.backoffice.dashboard.lead_charts import funnel, leads_by_source
from renos.backoffice.dashboard.links import can_view
from renos.backoffice.dashboard.periods import local_today, month_starts, week_starts
from renos.backoffice.dashboard.response_times import format_duration, response_times
from renos.backoffice.dashboard.revenue import revenue_by_month

WEEKS = 12
MONTHS = 12


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """The figures and charts `templates/admin/index.html` shows above the list of apps."""
    user = request.user
    now, today = timezone.now(), local_today()
    weeks = week_starts(today, WEEKS)
    see = {model: can_view(user, model) for model in (Lead, EmailMessage, SmsMessage, Booking, Invoice)}
    attention_figures, charts, response = [], [], None
    if see[Lead]:
        attention_figures += attention.lead_figures(today, now)
    if see[EmailMessage]:
        attention_figures += attention.email_figures(today)
    if see[SmsMessage]:
        attention_figures += attention.sms_figures(today)
    if see[Lead]:
        charts += [leads_by_source(weeks), funnel(weeks)]
    if see[Invoice]:
        charts.append(revenue_by_month(month_starts(today, MONTHS)))
    if see[Lead]:
        overall, response_charts = response_times(weeks, with_bookings=see[Booking])
        response = {
            "answer": format_duration(overall.answer),
            "answered": overall.answered,
            "booking": format_duration(overall.booking) if see[Booking] else None,
            "booked": overall.booked,
            "leads": overall.leads,
            "weeks": WEEKS,
        }
        charts += response_charts
    return {
        "dashboard": {
            "today": today,
            "now": now,
            "attention": attention_figures,
            "flagged_leads": attention.flagged_leads() if see[Lead] else [],
            "booking_days": attention.booking_days(today) if see[Booking] else [],
            "overdue": attention.overdue_figure(today) if see[Invoice] else None,
            "response": response,
            "charts": charts,
        }
    }
