"""Ingesting an inbound email: a lead with its customer and conversation, or a reply, a duplicate, a skip."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from customers.models import Customer
from leads.models import Activity, Lead
from messaging.ingest import Outcome, email_ingest, skipped_email_take_as_lead
from messaging.models import Conversation, Direction, EmailMessage, SkippedEmail
from tests.conftest import sample_email


def leadpoint_form(
    *, message_id: str, name: str = "Lars Holm", email: str = "lars.holm@example.dk", phone: str = "40 50 60 70"
) -> bytes:
    mail = MimeMessage()
    mail["From"] = f"{name} <system@leadpoint.dk>"
    mail["To"] = "info@rendetalje.dk"
    mail["Subject"] = "Formular via Rengøring Aarhus"
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(timezone.now())
    mail.set_content(
        f"Navn: {name}\nTelefon: {phone}\nE-mail: {email}\nAdresse: Vestergade 20\nPostnr./By: 8200 Aarhus N\n"
        "Opgave: Hovedrengøring\nBesked: Ca. 95 m2, gerne snarest.\n"
    )
    return mail.as_bytes()


def reply(*, to_message_id: str, message_id: str, sender: str = "mette.j@example.dk", body: str = "Tak!") -> bytes:
    mail = MimeMessage()
    mail["From"] = f"Mette <{sender}>"
    mail["To"] = "info@rendetalje.dk"
    mail["Subject"] = "Re: Tak for din henvendelse - Rendetalje"
    mail["Message-ID"] = message_id
    mail["In-Reply-To"] = to_message_id
    mail["References"] = to_message_id
    mail["Date"] = format_datetime(timezone.now())
    mail.set_content(body)
    return mail.as_bytes()


@pytest.mark.django_db
def test_a_portal_lead_becomes_a_lead_a_customer_and_a_conversation():
    result = email_ingest(raw=sample_email("leadmail-fast"), provider_id="gm-1", provider_thread_id="th-1")

    assert result.outcome == Outcome.LEAD
    lead = Lead.objects.get()
    assert (lead.customer_name, lead.customer_email, lead.customer_phone) == (
        "Mette Jørgensen",
        "mette.j@example.dk",
        "+4520112233",
    )
    assert (lead.source, lead.service_type_id, lead.area_m2) == ("leadmail", "fast", 110)
    assert str(lead.estimated_hours) == "3.50" and str(lead.estimated_price) == "1221.50"
    assert lead.source_message_id.startswith("<179526195242") and lead.email_thread_id == "th-1"
    assert "Søvej 12" in lead.email_content

    customer = Customer.objects.get()
    assert lead.customer == customer and customer.email == "mette.j@example.dk" and customer.total_leads == 1

    conversation = Conversation.objects.get()
    assert (conversation.lead, conversation.customer, conversation.gmail_thread_id) == (lead, customer, "th-1")
    inbound = EmailMessage.objects.get()
    assert inbound.direction == Direction.INBOUND and inbound.gmail_message_id == "gm-1"
    assert inbound.rfc822_message_id == lead.source_message_id
    assert lead.activities.filter(title="Nyt lead oprettet").exists()
    assert customer.last_contact_at is not None and customer.last_contact_at >= inbound.sent_at
    assert conversation.updated_at >= inbound.sent_at


@pytest.mark.django_db
def test_the_same_email_twice_is_one_lead():
    raw = sample_email("leadpoint-form")
    assert email_ingest(raw=raw).outcome == Outcome.LEAD
    again = email_ingest(raw=raw)
    assert again.outcome == Outcome.ALREADY
    assert again.lead == Lead.objects.get()
    assert EmailMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_ingesting_the_same_email_at_once_make_one_lead(seeded_catalogue):
    raw = sample_email("own-form-flytte")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(email_ingest(raw=raw).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Lead.objects.count() == 1
    assert Customer.objects.count() == 1
    assert sorted(outcomes) == [Outcome.ALREADY] * 3 + [Outcome.LEAD]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["newsletter", "own-autoreply", "portal-invoice", "reply-in-lead-thread"])
def test_mail_that_is_not_a_lead_creates_nothing_but_is_kept_with_its_reason(name):
    result = email_ingest(raw=sample_email(name), provider_id=f"gm-{name}")

    assert result.outcome == Outcome.SKIPPED
    assert not Lead.objects.exists() and not Customer.objects.exists() and not EmailMessage.objects.exists()
    skipped = SkippedEmail.objects.get()
    assert skipped.reason == SkippedEmail.Reason.NOT_A_LEAD
    assert skipped.detail and skipped.subject and bytes(skipped.raw) == sample_email(name)


@pytest.mark.django_db
def test_bytes_that_are_not_an_email_are_kept_as_unreadable():
    result = email_ingest(raw=b"\x00\x01\x02 not mail", provider_id="x.eml")
    assert result.outcome == Outcome.SKIPPED
    assert result.skipped.reason == SkippedEmail.Reason.UNREADABLE
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_a_reply_to_our_answer_joins_the_conversation_and_never_makes_a_lead():
    lead = email_ingest(raw=sample_email("leadmail-fast")).lead
    conversation = lead.conversations.get()
    ours = EmailMessage.objects.create(
        conversation=conversation,
        rfc822_message_id="<lead-response-1@rendetalje.dk>",
        from_address="info@rendetalje.dk",
        to_address="mette.j@example.dk",
        body="Her er vores overslag.",
        direction=Direction.OUTBOUND,
    )

    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        result = email_ingest(
            raw=reply(to_message_id=ours.rfc822_message_id, message_id="<svar-1@example.dk>", body="Det lyder godt!")
        )

    assert result.outcome == Outcome.REPLY and result.lead == lead
    assert Lead.objects.count() == 1
    assert list(conversation.messages.order_by("sent_at").values_list("direction", flat=True)) == [
        "inbound",
        "outbound",
        "inbound",
    ]
    assert lead.activities.filter(title="Svar modtaget fra kunden", description__contains="Det lyder godt").exists()
    lead.customer.refresh_from_db()
    assert lead.customer.last_contact_at == result.message.sent_at


@pytest.mark.django_db
def test_a_reply_found_by_the_gmail_thread_joins_that_conversation():
    lead = email_ingest(raw=sample_email("own-form-flytte"), provider_id="gm-1", provider_thread_id="th-9").lead
    result = email_ingest(
        raw=reply(to_message_id="<unknown@x>", message_id="<svar-2@x>"), provider_id="gm-2", provider_thread_id="th-9"
    )
    assert result.outcome == Outcome.REPLY
    assert result.message.conversation.lead == lead


@pytest.mark.django_db
def test_the_same_customer_writing_again_within_a_week_adds_to_the_open_lead():
    first = email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>")).lead

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        second = email_ingest(raw=leadpoint_form(message_id="<b@leadpoint.dk>", email="LARS.HOLM@example.dk"))

    assert second.outcome == Outcome.DUPLICATE and second.lead == first
    assert Lead.objects.count() == 1
    assert first.conversations.get().messages.count() == 2
    skipped = SkippedEmail.objects.get()
    assert skipped.reason == SkippedEmail.Reason.DUPLICATE and skipped.related_lead == first
    assert first.activities.filter(title="Ny henvendelse fra samme kunde").exists()


@pytest.mark.django_db
def test_the_same_phone_counts_as_the_same_customer():
    email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>"))
    result = email_ingest(raw=leadpoint_form(message_id="<b@leadpoint.dk>", email="andet@example.dk", phone="40506070"))
    assert result.outcome == Outcome.DUPLICATE


@pytest.mark.django_db
def test_after_a_week_or_when_the_lead_is_finished_a_new_email_is_a_new_lead():
    first = email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>")).lead
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert email_ingest(raw=leadpoint_form(message_id="<b@leadpoint.dk>")).outcome == Outcome.LEAD

    Lead.objects.filter(pk=first.pk).update(status=Lead.Status.INVOICED)
    Lead.objects.exclude(pk=first.pk).update(status=Lead.Status.COMPLETED)
    assert email_ingest(raw=leadpoint_form(message_id="<c@leadpoint.dk>")).outcome == Outcome.LEAD
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_staff_can_override_the_duplicate_check():
    email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>"))
    raw = leadpoint_form(message_id="<b@leadpoint.dk>")
    assert email_ingest(raw=raw).outcome == Outcome.DUPLICATE

    forced = email_ingest(raw=raw, force_lead=True)
    assert forced.outcome == Outcome.LEAD
    assert Lead.objects.count() == 2
    assert email_ingest(raw=raw, force_lead=True).outcome == Outcome.ALREADY


@pytest.mark.django_db
def test_a_lead_without_email_or_phone_goes_to_manual_follow_up():
    mail = MimeMessage()
    mail["From"] = "Rengøring Aarhus <system@leadpoint.dk>"
    mail["Subject"] = "Formular via Rengøring Aarhus"
    mail["Message-ID"] = "<nocontact@leadpoint.dk>"
    mail.set_content(
        "Navn: Anders And\nAdresse: Paradisæblevej 13\nPostnr./By: 8000 Aarhus C\nOpgave: Flytterengøring\n"
    )

    result = email_ingest(raw=mail.as_bytes())

    assert result.outcome == Outcome.LEAD
    lead = result.lead
    assert lead.needs_follow_up and lead.customer is None
    warning = lead.activities.get(status=Activity.Status.WARNING)
    assert warning.title == "Kræver manuel opfølgning"


@pytest.mark.django_db
def test_a_call_lead_with_only_a_phone_number_gets_a_customer_found_by_phone():
    result = email_ingest(raw=sample_email("leadpoint-call"))
    lead = result.lead
    assert lead.customer_phone == "+4528910344" and lead.customer.phone == "+4528910344"
    assert not lead.needs_follow_up


@pytest.mark.django_db
def test_an_overridden_duplicate_moves_its_email_to_the_new_lead():
    first = email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>")).lead
    raw = leadpoint_form(message_id="<b@leadpoint.dk>")
    skipped = email_ingest(raw=raw).skipped

    new_lead = skipped_email_take_as_lead(skipped=skipped)

    assert first.conversations.get().messages.count() == 1
    assert new_lead.conversations.get().messages.get().rfc822_message_id == "<b@leadpoint.dk>"
    skipped = SkippedEmail.objects.get()
    assert skipped.related_lead == new_lead and skipped.resolved_at is not None


@pytest.mark.django_db
def test_staff_can_take_a_skipped_email_as_a_lead_once():
    email_ingest(raw=leadpoint_form(message_id="<a@leadpoint.dk>"))
    email_ingest(raw=leadpoint_form(message_id="<b@leadpoint.dk>"))
    skipped = SkippedEmail.objects.get()

    lead = skipped_email_take_as_lead(skipped=skipped)

    assert lead.source_message_id == "<b@leadpoint.dk>"
    assert lead.activities.filter(title="Lead oprettet manuelt fra sprunget e-mail").exists()
    skipped.refresh_from_db()
    assert skipped.resolved_at and skipped.related_lead == lead
    assert skipped_email_take_as_lead(skipped=skipped) == lead
    assert Lead.objects.count() == 2


@pytest.mark.django_db
def test_an_email_the_rules_did_not_recognise_can_still_be_taken_as_a_lead():
    result = email_ingest(raw=sample_email("newsletter"))
    lead = skipped_email_take_as_lead(skipped=result.skipped)
    assert lead.source == Lead.Source.MANUAL
    assert lead.conversations.get().messages.count() == 1


@pytest.mark.django_db
def test_an_unreadable_email_cannot_be_taken_as_a_lead():
    skipped = email_ingest(raw=b"\x00\x01").skipped
    with pytest.raises(ValidationError):
        skipped_email_take_as_lead(skipped=skipped)
