"""Today at a glance: leads a person must look at, failed sends, today's and tomorrow's jobs, overdue invoices.

Each figure is a `Figure` with the link to the admin list that shows the same rows. Every function is a fixed
number of queries, whatever the number of rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from bookings.models import Booking
from invoicing.models import Invoice, InvoiceQuerySet
from leads.admin import SmsReplyFilter
from leads.models import Lead
from messaging.models import Direction, EmailMessage, SmsMessage
from renos.backoffice.dashboard.figures import BookingDay, Figure
from renos.backoffice.dashboard.links import change_url, changelist_url
from renos.backoffice.dashboard.periods import local_midnight

FAILED_EMAIL = (EmailMessage.Status.FAILED, EmailMessage.Status.BOUNCED)
FAILED_SMS = (SmsMessage.Status.FAILED, SmsMessage.Status.UNDELIVERED)
# A booking that still takes place: cancelled ones are not work for anybody.
LIVE_BOOKING = (Booking.Status.SCHEDULED, Booking.Status.IN_PROGRESS, Booking.Status.COMPLETED)
RECENT_DAYS = 7
FLAGGED_SHOWN = 5
BOOKINGS_SHOWN = 12


def lead_figures(today: date, now: datetime) -> list[Figure]:
    """Two queries: new today and flagged for a person (one aggregate), and SMS replies nobody has answered."""
    midnight = local_midnight(today)
    # The OR lets the database use the created_at index and the partial follow-up index instead of reading all leads.
    row = Lead.objects.filter(Q(created_at__gte=midnight) | Q(needs_follow_up=True)).aggregate(
        new_today=Count("id", filter=Q(created_at__gte=midnight)),
        follow_up=Count("id", filter=Q(needs_follow_up=True)),
    )
    unanswered = Lead.objects.filter(SmsReplyFilter.unanswered_condition(now)).count()
    return [
        Figure(_("New leads today"), row["new_today"], changelist_url(Lead, created_at__gte=midnight)),
        Figure(
            _("Waiting for a person"),
            row["follow_up"],
            changelist_url(Lead, needs_follow_up__exact=True),
            note=_("The automation stopped: a failed send, no free slots or an error."),
            alert=row["follow_up"] > 0,
        ),
        Figure(
            _("SMS replies not answered"),
            unanswered,
            changelist_url(Lead, sms_reply="unanswered"),
            note=_("Not booked, and the customer wrote last (last 14 days)."),
            alert=unanswered > 0,
        ),
    ]


def flagged_leads() -> list[dict[str, Any]]:
    """One query: the newest leads waiting for a person, with why."""
    leads = Lead.objects.filter(needs_follow_up=True).only(
        "id", "customer_name", "customer_email", "customer_phone", "source", "follow_up_reason", "created_at"
    )[:FLAGGED_SHOWN]
    return [
        {
            "name": lead.customer_name or lead.customer_email or lead.customer_phone or _("unknown"),
            "reason": lead.follow_up_reason,
            "created_at": lead.created_at,
            "href": change_url(lead),
        }
        for lead in leads
    ]


def email_figures(today: date) -> list[Figure]:
    """One query: outgoing emails that failed or bounced in the last days."""
    since = local_midnight(today - timedelta(days=RECENT_DAYS - 1))
    failed = EmailMessage.objects.filter(
        direction=Direction.OUTBOUND, status__in=FAILED_EMAIL, sent_at__gte=since
    ).count()
    href = changelist_url(
        EmailMessage, direction__exact=Direction.OUTBOUND, status__in=FAILED_EMAIL, sent_at__gte=since
    )
    return [Figure(_("Emails not delivered (7 days)"), failed, href, alert=failed > 0)]


def sms_figures(today: date) -> list[Figure]:
    """One query: outgoing SMS that failed, and SMS from numbers that belong to no lead, in the last days."""
    since = local_midnight(today - timedelta(days=RECENT_DAYS - 1))
    failed = Q(direction=Direction.OUTBOUND, status__in=FAILED_SMS)
    stray = Q(direction=Direction.INBOUND, lead__isnull=True)
    row = SmsMessage.objects.filter(created_at__gte=since).aggregate(
        failed=Count("id", filter=failed), stray=Count("id", filter=stray)
    )
    return [
        Figure(
            _("SMS not delivered (7 days)"),
            row["failed"],
            changelist_url(
                SmsMessage, direction__exact=Direction.OUTBOUND, status__in=FAILED_SMS, created_at__gte=since
            ),
            alert=row["failed"] > 0,
        ),
        Figure(
            _("SMS from unknown numbers (7 days)"),
            row["stray"],
            changelist_url(SmsMessage, direction__exact=Direction.INBOUND, lead__isnull=True, created_at__gte=since),
            alert=row["stray"] > 0,
        ),
    ]


def booking_days(today: date) -> list[BookingDay]:
    """Two queries: today's and tomorrow's bookings counted and summed, and the first of them to list."""
    tomorrow = today + timedelta(days=1)
    start, middle, end = local_midnight(today), local_midnight(tomorrow), local_midnight(tomorrow + timedelta(days=1))
    live = Booking.objects.filter(status__in=LIVE_BOOKING, booking_date__gte=start, booking_date__lt=end)
    row = live.aggregate(
        today=Count("id", filter=Q(booking_date__lt=middle)),
        today_amount=Sum("total_amount", filter=Q(booking_date__lt=middle)),
        tomorrow=Count("id", filter=Q(booking_date__gte=middle)),
        tomorrow_amount=Sum("total_amount", filter=Q(booking_date__gte=middle)),
    )
    listed = list(
        live.order_by("booking_date", "id").only("id", "customer_name", "city", "booking_date", "status")[
            :BOOKINGS_SHOWN
        ]
    )
    days = []
    for key, label, day, first, after in (
        ("today", _("Today"), today, start, middle),
        ("tomorrow", _("Tomorrow"), tomorrow, middle, end),
    ):
        href = changelist_url(Booking, status__in=LIVE_BOOKING, booking_date__gte=first, booking_date__lt=after)
        figure = Figure(label, row[key], href, amount=row[f"{key}_amount"] or Decimal("0.00"))
        shown = [
            {"booking": booking, "href": change_url(booking)}
            for booking in listed
            if first <= booking.booking_date < after
        ]
        days.append(BookingDay(label, day, figure, shown))
    return days


def overdue_figure(today: date) -> Figure:
    """One query: invoices overdue today, and what is still owed on them (incl. moms)."""
    row = Invoice.objects.filter(InvoiceQuerySet.overdue_condition(today)).aggregate(
        count=Count("id"), owed=Sum(F("total_amount") - F("amount_paid"))
    )
    return Figure(
        _("Overdue invoices"),
        row["count"],
        changelist_url(Invoice, overdue="yes"),
        amount=row["owed"] or Decimal("0.00"),
        note=_("Still owed, incl. moms."),
        alert=row["count"] > 0,
    )
