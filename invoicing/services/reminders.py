"""The overdue sweep and payment reminders: which invoices are overdue, and emailing each reminder at most once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoicing.models import Invoice, local_today
from invoicing.services.invoices import danish_date
from leads.models import Activity, Lead
from leads.services import activity_create
from messaging.models import Direction, EmailMessage, EmailTemplate
from messaging.outbound import EmailDraft, SendOutcomeUnknown, email_send_once, message_id_for
from messaging.rendering import company_context, email_template_active, email_template_render
from messaging.services import conversation_create
from messaging.templatetags.renos_format import dkk


def invoices_mark_overdue(*, today: date) -> int:
    """One UPDATE: every sent invoice past its due date (in Copenhagen) becomes overdue. Returns how many."""
    return Invoice.objects.filter(status=Invoice.Status.SENT, due_date__lt=today).update(
        status=Invoice.Status.OVERDUE, updated_at=timezone.now()
    )


def invoices_needing_reminder(*, today: date) -> list[UUID]:
    """Overdue invoices that may get a reminder today: fewer than RENOS_MAX_REMINDERS so far, and none within the
    last RENOS_REMINDER_INTERVAL_DAYS days (counted in days, so a reminder sent at 07:00:05 is due again on the
    same weekday, whatever second the sweep runs). One query."""
    return list(
        Invoice.objects.filter(
            _reminder_allowed(today=today),
            status=Invoice.Status.OVERDUE,
        ).values_list("pk", flat=True)
    )


def invoice_reminder_refusal(*, invoice: Invoice, today: date | None = None) -> str | None:
    """Why no reminder may go out for this invoice today (Danish, for staff), or None when one may."""
    today = today or local_today()
    if invoice.is_credit_note or not Invoice.objects.overdue(today).filter(pk=invoice.pk).exists():
        return "Fakturaen er ikke forfalden."
    if not invoice.customer_email:
        return "Kunden har ingen e-mailadresse."
    if invoice.reminder_count >= settings.RENOS_MAX_REMINDERS:
        return f"Der er allerede sendt {invoice.reminder_count} påmindelser (højst {settings.RENOS_MAX_REMINDERS})."
    if not Invoice.objects.filter(_reminder_allowed(today=today), pk=invoice.pk).exists():
        last = timezone.localtime(invoice.last_reminder_at, timezone.get_default_timezone()).date()
        next_day = last + timedelta(days=settings.RENOS_REMINDER_INTERVAL_DAYS)
        return f"Der blev sendt en påmindelse {danish_date(last)}; den næste kan sendes {danish_date(next_day)}."
    return None


def _reminder_allowed(*, today: date) -> Q:
    interval = settings.RENOS_REMINDER_INTERVAL_DAYS
    # Sent before the start of (today − interval + 1 day): on or before the day `interval` days ago.
    cutoff = datetime.combine(today - timedelta(days=interval - 1), time.min, tzinfo=timezone.get_default_timezone())
    return (
        Q(credited_invoice__isnull=True, reminder_count__lt=settings.RENOS_MAX_REMINDERS)
        & ~Q(customer_email="")
        & (Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=cutoff))
    )


def invoice_send_reminder(*, invoice: Invoice) -> EmailMessage | None:
    """Email the customer reminder number n (the `invoice_reminder` template) at most once, and record it on the
    invoice and the timeline. None when no reminder is due or it was sent already.

    Raises MailError when the send fails (the task retries; the same Message-ID means the same email).
    """
    prepared = _prepare_reminder(invoice=invoice)
    if prepared is None:
        return None
    number, conversation, draft = prepared
    try:
        record = email_send_once(conversation=conversation, draft=draft)
    except SendOutcomeUnknown:
        activity_create(
            lead=Lead.objects.filter(pk=invoice.lead_id).first(),
            invoice=invoice,
            type=Activity.Type.EMAIL,
            title=f"Betalingspåmindelse {number} uvis",
            description="Påmindelsen blev påbegyndt, men det er uvist, om den blev sendt. Tjek udbakken.",
            status=Activity.Status.ERROR,
        )
        return None
    if record is None:
        # Sent by an earlier attempt that stopped before recording it: record it now, never send it again.
        record = EmailMessage.objects.filter(
            rfc822_message_id=draft.message_id, direction=Direction.OUTBOUND, status=EmailMessage.Status.SENT
        ).first()
        if record is None:
            return None
    return record if _record_reminder(invoice=invoice, number=number, record=record) else None


@transaction.atomic
def _prepare_reminder(*, invoice: Invoice) -> tuple[int, object, EmailDraft] | None:
    locked = Invoice.objects.select_related("lead", "customer").get(pk=invoice.pk)
    if invoice_reminder_refusal(invoice=locked) is not None:
        return None
    if locked.status == Invoice.Status.SENT:
        # Past due before the morning sweep got to it.
        Invoice.objects.filter(pk=locked.pk, status=Invoice.Status.SENT).update(status=Invoice.Status.OVERDUE)
    number = locked.reminder_count + 1
    context = {
        **company_context(),
        "invoice": locked,
        "customer_name": locked.customer_name,
        "invoice_number": locked.invoice_number,
        "amount": locked.balance,
        "total_amount": locked.total_amount,
        "due_date": danish_date(locked.due_date),
        "payment_info": settings.RENOS_PAYMENT_INFO,
        "reminder_number": number,
    }
    rendered = email_template_render(
        template=email_template_active(template_type=EmailTemplate.Type.INVOICE_REMINDER), context=context
    )
    draft = EmailDraft(
        to=locked.customer_email,
        subject=rendered.subject,
        body=rendered.body,
        message_id=message_id_for("invoice-reminder", f"{locked.pk}-{number}"),
    )
    conversation = (locked.lead.conversations.order_by("created_at").first() if locked.lead else None) or (
        conversation_create(customer=locked.customer, lead=locked.lead, subject=f"Faktura nr. {locked.invoice_number}")
    )
    return number, conversation, draft


@transaction.atomic
def _record_reminder(*, invoice: Invoice, number: int, record: EmailMessage) -> bool:
    # Only from n − 1 to n: a second worker recording the same reminder changes nothing.
    counted = Invoice.objects.filter(pk=invoice.pk, reminder_count=number - 1).update(
        reminder_count=number, last_reminder_at=record.sent_at or timezone.now(), updated_at=timezone.now()
    )
    if not counted:
        return False
    invoice.refresh_from_db()
    activity_create(
        lead=Lead.objects.filter(pk=invoice.lead_id).first(),
        invoice=invoice,
        type=Activity.Type.EMAIL,
        title=f"Betalingspåmindelse {number} sendt",
        description=f"{dkk(invoice.balance)} til {record.to_address}",
        status=Activity.Status.WARNING,
        metadata={"email_message": str(record.pk), "reminder": number},
    )
    return True


def invoice_record_reminder_error(*, invoice: Invoice, error: str) -> None:
    """A reminder that cannot be sent (a bad address, a refused sender): on the timeline for staff."""
    activity_create(
        lead=Lead.objects.filter(pk=invoice.lead_id).first(),
        invoice=invoice,
        type=Activity.Type.EMAIL,
        title="Betalingspåmindelse kunne ikke sendes",
        description=error[:500],
        status=Activity.Status.ERROR,
    )
