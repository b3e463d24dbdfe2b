"""Issued invoices into Billy, and payments back from it.

Each step stores its answer before the next runs (the customer's Billy contact, Billy's invoice id), and the
invoice is looked up by our reference before it is created, so a retry after a timeout never makes a second
contact or a second invoice. Without Billy the invoices stay in RenOS and are shown as not synced.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from customers.models import Customer
from integrations.billy import BillingContact, BillingInvoice, BillingLine, get_billing
from invoicing.models import Invoice
from invoicing.services import invoice_mark_paid
from leads.models import Activity
from leads.services import activity_create
from messaging.templatetags.renos_format import dkk

logger = logging.getLogger(__name__)


def invoice_sync_to_billy(*, invoice: Invoice) -> str:
    """Create, approve and email the invoice in Billy (once); returns what happened: local, synced or skipped."""
    billing = get_billing()
    if not billing.available:
        return "local"
    if not invoice.invoice_number or invoice.credited_invoice_id:
        return "skipped"  # drafts have nothing to send; credit notes are booked in Billy by the bookkeeper
    contact_id = _contact_for(billing, invoice)
    if not invoice.billy_invoice_id:
        created = billing.find_invoice_by_reference(str(invoice.pk), contact_id=contact_id)
        if created is None:
            created = billing.create_invoice(_billing_invoice(invoice, contact_id))
        Invoice.objects.filter(pk=invoice.pk).update(billy_invoice_id=created.id)
        invoice.billy_invoice_id = created.id
    approved = billing.approve_invoice(invoice.billy_invoice_id)
    billing.email_invoice(
        invoice.billy_invoice_id,
        contact_id=contact_id,
        email_subject=f"Faktura {invoice.invoice_number} fra {settings.RENOS_COMPANY_NAME}",
        email_body=(
            f"Hej {invoice.customer_name}\n\nHer er fakturaen for {invoice.service_description.lower()}. "
            f"Beløbet er {dkk(invoice.total_amount)} inkl. moms.\n\nVenlig hilsen\n{settings.RENOS_COMPANY_NAME}"
        ),
    )
    now = timezone.now()
    Invoice.objects.filter(pk=invoice.pk).update(
        billy_invoice_no=approved.invoice_no or "", billy_synced_at=now, billy_sync_error=""
    )
    activity_create(
        lead=invoice.lead,
        invoice=invoice,
        type=Activity.Type.INVOICE,
        title="Faktura sendt via Billy",
        description=f"Faktura {invoice.invoice_number} (Billy nr. {approved.invoice_no or '-'})",
        status=Activity.Status.SUCCESS,
    )
    return "synced"


def invoice_record_sync_error(*, invoice: Invoice, error: str) -> None:
    """The Billy sync failed for good: keep the error on the invoice, visible in the admin, with a retry action."""
    Invoice.objects.filter(pk=invoice.pk).update(billy_sync_error=error[:2000])
    activity_create(
        lead=invoice.lead,
        invoice=invoice,
        type=Activity.Type.INVOICE,
        title="Fakturaen kunne ikke sendes til Billy",
        description=error[:500],
        status=Activity.Status.ERROR,
    )


def invoice_sync_payment(*, invoice: Invoice) -> str:
    """Read whether Billy has seen the invoice paid; a paid invoice is marked paid here too (revenue and stats)."""
    billing = get_billing()
    if not billing.available or not invoice.billy_invoice_id:
        return "local"
    status = billing.payment_status(invoice.billy_invoice_id)
    if status is None or not status.is_paid or invoice.status not in Invoice.OPEN_STATUSES:
        return "unpaid"
    paid_on = status.paid_date or timezone.localdate()
    invoice_mark_paid(invoice=invoice, amount=invoice.total_amount - invoice.amount_paid, paid_on=paid_on)
    return "paid"


def invoices_to_check_for_payment() -> list:
    return list(
        Invoice.objects.filter(status__in=Invoice.OPEN_STATUSES)
        .exclude(billy_invoice_id="")
        .values_list("pk", flat=True)
    )


def _contact_for(billing, invoice: Invoice) -> str:
    customer: Customer | None = invoice.customer
    if customer and customer.billy_contact_id and billing.find_contact(customer.billy_contact_id):
        return customer.billy_contact_id
    email = invoice.customer_email or (customer.email if customer else "") or ""
    contact_id = billing.find_contact_by_email(email) if email else None
    if not contact_id:
        contact_id = billing.create_contact(
            BillingContact(
                name=invoice.customer_name,
                email=email,
                phone=customer.phone if customer else "",
                street=invoice.customer_address.split(",")[0].strip(),
                company_name=customer.company_name if customer else "",
                is_company=bool(customer and customer.company_name),
            )
        )
    if customer is not None:
        Customer.objects.filter(pk=customer.pk).update(billy_contact_id=contact_id)
        customer.billy_contact_id = contact_id
    return contact_id


def _billing_invoice(invoice: Invoice, contact_id: str) -> BillingInvoice:
    product = ""
    if invoice.booking_id and invoice.booking.service_type.billy_product_id:
        product = invoice.booking.service_type.billy_product_id
    lines = [
        BillingLine(
            description=line.description, quantity=line.quantity, unit_price=line.unit_price, product_id=product
        )
        for line in invoice.lines.all()
    ]
    return BillingInvoice(
        reference=str(invoice.pk),
        contact_id=contact_id,
        entry_date=invoice.issue_date or timezone.localdate(),
        payment_terms_days=settings.RENOS_PAYMENT_TERMS_DAYS,
        lines=lines,
    )
