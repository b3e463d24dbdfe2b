from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from customers.models import Customer
from messaging.models import Conversation, Direction, EmailMessage
from messaging.services import (
    conversation_close,
    conversation_create,
    conversation_get_by_gmail_thread_id,
    conversation_list_for_customer,
    email_message_create,
    email_message_get_by_gmail_id,
    email_message_list_for_conversation,
)
from tests.factories import ConversationFactory, CustomerFactory, EmailMessageFactory, LeadFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def write(conversation: Conversation, **fields) -> EmailMessage:
    fields.setdefault("from_address", "info@rendetalje.dk")
    fields.setdefault("to_address", "mette@example.dk")
    fields.setdefault("body", "Tak for din henvendelse.")
    fields.setdefault("direction", Direction.OUTBOUND)
    return email_message_create(conversation=conversation, **fields)


# --- conversations ------------------------------------------------------------------------------


def test_a_conversation_is_created_for_a_customer_and_a_lead():
    lead = LeadFactory()

    conversation = conversation_create(
        customer=lead.customer, lead=lead, subject="Tilbud på flytterengøring", gmail_thread_id="18c1f2"
    )

    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.customer, stored.lead) == (lead.customer, lead)
    assert stored.subject == "Tilbud på flytterengøring"
    assert (stored.channel, stored.status, stored.closed_at) == ("email", "active", None)
    assert stored.gmail_thread_id == "18c1f2"


def test_conversations_without_a_gmail_thread_may_be_many():
    first = conversation_create(channel=Conversation.Channel.PHONE, gmail_thread_id="")
    second = conversation_create(channel=Conversation.Channel.SMS)

    assert Conversation.objects.filter(pk__in=[first.pk, second.pk], gmail_thread_id__isnull=True).count() == 2


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValidationError) as caught:
        conversation_create(channel="fax")

    assert "channel" in caught.value.message_dict
    assert not Conversation.objects.exists()


def test_a_conversation_is_found_by_its_gmail_thread_id():
    conversation = ConversationFactory(gmail_thread_id="18c1f2")
    ConversationFactory(gmail_thread_id="18c1f3")

    assert conversation_get_by_gmail_thread_id(gmail_thread_id="18c1f2") == conversation
    assert conversation_get_by_gmail_thread_id(gmail_thread_id="unknown") is None
    assert conversation_get_by_gmail_thread_id(gmail_thread_id="") is None


def test_a_customers_conversations_are_listed_newest_activity_first_with_message_counts():
    customer = CustomerFactory()
    with time_machine.travel(MONDAY, tick=False):
        older = ConversationFactory(customer=customer, lead=None, subject="Først")
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        newer = ConversationFactory(customer=customer, lead=None, subject="Så")
        write(newer)
    ConversationFactory()  # someone else's

    listed = list(conversation_list_for_customer(customer=customer))
    assert [(c.subject, c.message_count) for c in listed] == [("Så", 1), ("Først", 0)]

    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        write(older, body="Et svar")
        write(older, body="Et svar mere")

    listed = list(conversation_list_for_customer(customer=customer))
    assert [(c.subject, c.message_count) for c in listed] == [("Først", 2), ("Så", 1)]


def test_closing_a_conversation_records_when_and_closing_again_keeps_it():
    conversation = ConversationFactory()

    with time_machine.travel(MONDAY, tick=False):
        conversation_close(conversation=conversation)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        conversation_close(conversation=conversation)

    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.status == Conversation.Status.CLOSED
    assert stored.closed_at == MONDAY


# --- email messages -----------------------------------------------------------------------------


def test_an_email_is_recorded_with_the_threads_gmail_id_and_ai_details():
    conversation = ConversationFactory(gmail_thread_id="18c1f2")

    with time_machine.travel(MONDAY, tick=False):
        message = write(
            conversation,
            gmail_message_id="18c1f2a",
            subject="Tilbud på rengøring",
            is_ai_generated=True,
            ai_model="gemini-2.5-flash",
        )

    stored = EmailMessage.objects.get(pk=message.pk)
    assert stored.conversation == conversation
    assert stored.gmail_thread_id == "18c1f2"
    assert (stored.is_ai_generated, stored.ai_model) == (True, "gemini-2.5-flash")
    assert (stored.direction, stored.status, stored.sent_at) == ("outbound", "sent", MONDAY)


def test_an_email_with_an_invalid_direction_is_refused():
    conversation = ConversationFactory()

    with pytest.raises(ValidationError) as caught:
        write(conversation, direction="sideways")

    assert "direction" in caught.value.message_dict
    assert not EmailMessage.objects.exists()


def test_an_email_moves_the_customers_last_contact_to_when_it_was_sent():
    conversation = ConversationFactory()
    customer = conversation.customer

    write(conversation, sent_at=MONDAY)

    assert Customer.objects.get(pk=customer.pk).last_contact_at == MONDAY


def test_an_older_email_never_moves_the_last_contact_back():
    conversation = ConversationFactory()
    Customer.objects.filter(pk=conversation.customer_id).update(last_contact_at=MONDAY)

    write(conversation, sent_at=MONDAY - timedelta(days=30))

    assert Customer.objects.get(pk=conversation.customer_id).last_contact_at == MONDAY


def test_an_email_in_a_conversation_without_customer_is_still_recorded():
    conversation = ConversationFactory(lead=None, customer=None)

    message = write(conversation)

    assert EmailMessage.objects.filter(pk=message.pk, conversation=conversation).exists()


def test_the_preview_is_the_body_on_one_line_cut_at_200_characters():
    conversation = ConversationFactory()
    body = "Hej Mette,\n\n   Tak  for\tdin henvendelse.\r\n" + "ord " * 100

    message = write(conversation, body=body)

    preview = EmailMessage.objects.get(pk=message.pk).body_preview
    assert preview.startswith("Hej Mette, Tak for din henvendelse. ord ord")
    assert len(preview) == 200
    assert "  " not in preview and "\n" not in preview and "\t" not in preview
    assert EmailMessage.objects.get(pk=message.pk).body == body


def test_a_short_body_is_its_own_preview():
    message = write(ConversationFactory(), body="  Ja tak, tid 2 passer fint.  \n")

    assert message.body_preview == "Ja tak, tid 2 passer fint."


def test_an_email_is_found_by_its_gmail_message_id():
    message = EmailMessageFactory(gmail_message_id="18c1f2a")
    EmailMessageFactory(gmail_message_id="18c1f2b")

    assert email_message_get_by_gmail_id(gmail_message_id="18c1f2a") == message
    assert email_message_get_by_gmail_id(gmail_message_id="unknown") is None
    assert email_message_get_by_gmail_id(gmail_message_id="") is None


def test_a_conversation_reads_oldest_first():
    conversation = ConversationFactory()
    write(conversation, body="Tredje", sent_at=MONDAY + timedelta(hours=2))
    write(conversation, body="Første", sent_at=MONDAY)
    write(conversation, body="Anden", sent_at=MONDAY + timedelta(hours=1))
    write(ConversationFactory(), body="En anden tråd", sent_at=MONDAY)

    messages = email_message_list_for_conversation(conversation=conversation)

    assert [message.body for message in messages] == ["Første", "Anden", "Tredje"]
