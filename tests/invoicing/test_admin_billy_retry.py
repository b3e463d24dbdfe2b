"""The "Retry sending to Billy" action on the invoice list: the issued invoices whose sync failed go to Billy again
once the action has committed, and staff are told how many."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from invoicing.models import Invoice
from renos import pipeline
from tests.admin.helpers import admin_url, messages_of
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

BILLY_DOWN = "Billy svarede 503: Service Unavailable"


@pytest.fixture
def queued(monkeypatch) -> list[str]:
    sent: list[str] = []
    monkeypatch.setattr(pipeline.sync_invoice_to_billy, "delay", lambda *, invoice_id: sent.append(invoice_id))
    return sent


def _retry(client, invoices: list[Invoice]):
    data = {"action": "retry_billy_sync", ACTION_CHECKBOX_NAME: [str(invoice.pk) for invoice in invoices]}
    return client.post(admin_url(Invoice, "changelist"), data, follow=True)


def test_retry_queues_only_the_issued_invoices_whose_sync_failed(
    admin_client_logged_in, queued, django_capture_on_commit_callbacks
):
    failed = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="1001", billy_sync_error=BILLY_DOWN)
    synced = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="1002", billy_invoice_id="billy-1")
    draft = InvoiceFactory(status=Invoice.Status.DRAFT, billy_sync_error=BILLY_DOWN)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _retry(admin_client_logged_in, [failed, synced, draft])

    assert response.status_code == 200
    assert (len(callbacks), queued) == (1, [str(failed.pk)])
    assert ("success", "Queued 1 invoice to be sent to Billy again.") in messages_of(response)
    # The error stays on the invoice until Billy has it.
    failed.refresh_from_db()
    assert failed.billy_sync_error == BILLY_DOWN


def test_retry_with_nothing_failed_queues_nothing_and_says_so(admin_client_logged_in, queued):
    synced = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="1003", billy_invoice_id="billy-2")

    response = _retry(admin_client_logged_in, [synced])

    assert queued == []
    assert ("warning", "Queued 0 invoices to be sent to Billy again.") in messages_of(response)


def test_the_action_is_offered_on_the_invoice_list_in_danish(admin_client_logged_in, settings):
    settings.LANGUAGE_CODE = "da"
    InvoiceFactory(status=Invoice.Status.SENT, invoice_number="1004", billy_sync_error=BILLY_DOWN)

    response = admin_client_logged_in.get(admin_url(Invoice, "changelist"), HTTP_ACCEPT_LANGUAGE="da")

    assert "Send til Billy igen" in response.content.decode()
