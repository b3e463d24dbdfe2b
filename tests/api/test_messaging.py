"""`/api/conversations/`, `/api/sms/` and `/api/email-templates/`: read threads and SMS, close, edit and preview."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from messaging.models import Conversation, Direction, EmailTemplate, SmsMessage
from tests.api.helpers import ids
from tests.conftest import bearer
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    EmailTemplateFactory,
    LeadFactory,
    SmsMessageFactory,
    UserFactory,
    service,
)

CONVERSATIONS = "/api/conversations/"
SMS = "/api/sms/"
TEMPLATES = "/api/email-templates/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def non_staff_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    return client


def endpoints() -> list[tuple[str, str]]:
    conversation = ConversationFactory()
    sms = SmsMessageFactory()
    template = EmailTemplateFactory()
    return [
        ("get", CONVERSATIONS),
        ("get", f"{CONVERSATIONS}{conversation.pk}/"),
        ("post", f"{CONVERSATIONS}{conversation.pk}/close/"),
        ("get", SMS),
        ("get", f"{SMS}{sms.pk}/"),
        ("get", TEMPLATES),
        ("post", TEMPLATES),
        ("get", f"{TEMPLATES}{template.pk}/"),
        ("patch", f"{TEMPLATES}{template.pk}/"),
        ("put", f"{TEMPLATES}{template.pk}/"),
        ("delete", f"{TEMPLATES}{template.pk}/"),
        ("post", f"{TEMPLATES}{template.pk}/preview/"),
    ]


# Who may call


@pytest.mark.django_db
def test_anonymous_callers_get_401_everywhere(anon_api_client):
    for method, url in endpoints():
        assert getattr(anon_api_client, method)(url, {}, format="json").status_code == 401, (method, url)
    assert not Conversation.objects.filter(status=Conversation.Status.CLOSED).exists()
    assert EmailTemplate.objects.filter(name__startswith="Skabelon").count() == 1


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403_everywhere():
    client = non_staff_client()
    for method, url in endpoints():
        assert getattr(client, method)(url, {}, format="json").status_code == 403, (method, url)
    assert not Conversation.objects.filter(status=Conversation.Status.CLOSED).exists()
    assert EmailTemplate.objects.filter(name__startswith="Skabelon").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", CONVERSATIONS + "{id}/"),
        ("post", CONVERSATIONS + "{id}/close/"),
        ("get", SMS + "{id}/"),
        ("get", TEMPLATES + "{id}/"),
        ("patch", TEMPLATES + "{id}/"),
        ("delete", TEMPLATES + "{id}/"),
        ("post", TEMPLATES + "{id}/preview/"),
    ],
)
@pytest.mark.parametrize("object_id", [str(uuid.uuid4()), "not-a-uuid", "42"])
def test_an_unknown_or_malformed_id_is_404(api_client, method, path, object_id):
    lead = LeadFactory()
    response = getattr(api_client, method)(path.format(id=object_id), {"lead": str(lead.pk)}, format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_conversations_and_sms_cannot_be_written(api_client):
    conversation = ConversationFactory()
    sms = SmsMessageFactory()

    assert api_client.post(CONVERSATIONS, {"subject": "x"}, format="json").status_code == 405
    assert api_client.patch(f"{CONVERSATIONS}{conversation.pk}/", {"subject": "x"}, format="json").status_code == 405
    assert api_client.delete(f"{CONVERSATIONS}{conversation.pk}/").status_code == 405
    assert api_client.post(SMS, {"message_content": "x"}, format="json").status_code == 405
    assert api_client.delete(f"{SMS}{sms.pk}/").status_code == 405
    assert Conversation.objects.filter(pk=conversation.pk).exists()
    assert SmsMessage.objects.filter(pk=sms.pk).exists()


# Conversations


@pytest.mark.django_db
def test_the_conversation_list_shows_counts_and_latest_activity_first(api_client):
    customer = CustomerFactory(name="Mette Hansen")
    older = ConversationFactory(lead=LeadFactory(customer=customer), subject="Første")
    newer = ConversationFactory(lead=LeadFactory(customer=customer), subject="Anden")
    EmailMessageFactory.create_batch(3, conversation=older)
    Conversation.objects.filter(pk=older.pk).update(updated_at=utc(2026, 1, 1, 12))

    response = api_client.get(CONVERSATIONS)

    assert ids(response) == [str(newer.pk), str(older.pk)]
    row = response.json()["results"][1]
    assert row["message_count"] == 3
    assert row["customer"] == str(customer.pk)
    assert row["customer_name"] == "Mette Hansen"
    assert row["lead"] == str(older.lead_id)
    assert row["subject"] == "Første"
    assert row["updated_at"] == "2026-01-01T13:00:00+01:00"
    assert "messages" not in row


@pytest.mark.django_db
def test_the_conversation_filters(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    mine = ConversationFactory(lead=lead)
    closed = ConversationFactory(lead=lead, status=Conversation.Status.CLOSED, channel=Conversation.Channel.SMS)
    other = ConversationFactory(subject="Vinduespudsning")

    assert set(ids(api_client.get(CONVERSATIONS, {"customer": str(customer.pk)}))) == {str(mine.pk), str(closed.pk)}
    assert set(ids(api_client.get(CONVERSATIONS, {"lead": str(lead.pk)}))) == {str(mine.pk), str(closed.pk)}
    assert ids(api_client.get(CONVERSATIONS, {"status": "closed"})) == [str(closed.pk)]
    assert ids(api_client.get(CONVERSATIONS, {"channel": "sms"})) == [str(closed.pk)]
    assert ids(api_client.get(CONVERSATIONS, {"search": "vindues"})) == [str(other.pk)]
    assert ids(api_client.get(CONVERSATIONS, {"customer": str(uuid.uuid4())})) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"status": "open"}, {"channel": "fax"}, {"customer": "not-a-uuid"}, {"lead": "12"}],
    ids=["status", "channel", "customer", "lead"],
)
def test_bad_conversation_filters_are_a_400_on_that_field(api_client, params):
    response = api_client.get(CONVERSATIONS, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_conversation_list_costs_the_same_queries_for_3_or_30(api_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        EmailMessageFactory(conversation=ConversationFactory())

    # auth user, count, page (customer joined, messages counted)
    with django_assert_max_num_queries(3):
        response = api_client.get(CONVERSATIONS, {"page_size": 50})

    assert len(response.json()["results"]) == rows


@pytest.mark.django_db
def test_a_conversation_holds_its_messages_oldest_first(api_client):
    conversation = ConversationFactory()
    reply = EmailMessageFactory(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        from_address="info@rendetalje.dk",
        to_address="mette@example.dk",
        subject="Re: Forespørgsel",
        body="Tak for din henvendelse.",
        is_ai_generated=True,
        ai_model="gemini-2.5-flash",
        sent_at=utc(2026, 11, 21, 12, 5),
    )
    question = EmailMessageFactory(conversation=conversation, sent_at=utc(2026, 11, 21, 12, 0))
    EmailMessageFactory()  # another thread

    response = api_client.get(f"{CONVERSATIONS}{conversation.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["message_count"] == 2
    assert [message["id"] for message in body["messages"]] == [str(question.pk), str(reply.pk)]
    assert body["messages"][1] == {
        "id": str(reply.pk),
        "direction": "outbound",
        "from_address": "info@rendetalje.dk",
        "to_address": "mette@example.dk",
        "subject": "Re: Forespørgsel",
        "body": "Tak for din henvendelse.",
        "status": "sent",
        "is_ai_generated": True,
        "ai_model": "gemini-2.5-flash",
        "gmail_message_id": reply.gmail_message_id,
        "sent_at": "2026-11-21T13:05:00+01:00",
    }


@pytest.mark.django_db
def test_close_closes_the_conversation_once(api_client):
    conversation = ConversationFactory()
    EmailMessageFactory(conversation=conversation)

    response = api_client.post(f"{CONVERSATIONS}{conversation.pk}/close/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed"
    assert body["closed_at"] is not None
    assert len(body["messages"]) == 1
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    closed_at = conversation.closed_at

    again = api_client.post(f"{CONVERSATIONS}{conversation.pk}/close/")

    assert again.status_code == 200
    conversation.refresh_from_db()
    assert conversation.closed_at == closed_at


# SMS


@pytest.mark.django_db
def test_an_sms_shows_its_fields_and_local_times(api_client):
    lead = LeadFactory(customer=CustomerFactory(phone="+4520112233"))
    sms = SmsMessageFactory(lead=lead, sent_at=utc(2026, 7, 1, 8, 0), status=SmsMessage.Status.DELIVERED)

    response = api_client.get(f"{SMS}{sms.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["lead"] == str(lead.pk)
    assert body["phone_number"] == "+4520112233"
    assert body["message_type"] == "booking_options"
    assert body["status"] == "delivered"
    assert body["direction"] == "outbound"
    assert body["twilio_message_id"] == sms.twilio_message_id
    # Summer time: 08:00 UTC is 10:00 in Copenhagen.
    assert body["sent_at"] == "2026-07-01T10:00:00+02:00"


@pytest.mark.django_db
def test_the_sms_filters_and_search(api_client):
    lead = LeadFactory(customer=CustomerFactory(phone="+4520112233"))
    offer = SmsMessageFactory(lead=lead)
    reply = SmsMessageFactory(
        lead=lead,
        direction=Direction.INBOUND,
        message_type=SmsMessage.Type.REPLY,
        status=SmsMessage.Status.RECEIVED,
        message_content="2",
    )
    failed = SmsMessageFactory(
        phone_number="+4530998877", status=SmsMessage.Status.FAILED, message_content="Påmindelse"
    )

    assert set(ids(api_client.get(SMS, {"lead": str(lead.pk)}))) == {str(offer.pk), str(reply.pk)}
    assert ids(api_client.get(SMS, {"status": "failed"})) == [str(failed.pk)]
    assert ids(api_client.get(SMS, {"direction": "inbound"})) == [str(reply.pk)]
    assert ids(api_client.get(SMS, {"message_type": "reply"})) == [str(reply.pk)]
    assert ids(api_client.get(SMS, {"phone_number": "+4530998877"})) == [str(failed.pk)]
    assert ids(api_client.get(SMS, {"search": "påmind"})) == [str(failed.pk)]
    assert ids(api_client.get(SMS, {"search": "30998877"})) == [str(failed.pk)]


@pytest.mark.django_db
def test_the_sms_list_is_newest_first(api_client):
    first = SmsMessageFactory()
    second = SmsMessageFactory()
    SmsMessage.objects.filter(pk=first.pk).update(created_at=utc(2026, 1, 1))

    assert ids(api_client.get(SMS)) == [str(second.pk), str(first.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"direction": "sideways"}, {"message_type": "spam"}, {"lead": "nope"}],
    ids=["status", "direction", "message_type", "lead"],
)
def test_bad_sms_filters_are_a_400_on_that_field(api_client, params):
    response = api_client.get(SMS, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_sms_list_costs_the_same_queries_for_3_or_30(api_client, django_assert_max_num_queries, rows):
    SmsMessageFactory.create_batch(rows)

    # auth user, count, page
    with django_assert_max_num_queries(3):
        response = api_client.get(SMS, {"page_size": 50})

    assert len(response.json()["results"]) == rows


# Email templates


@pytest.mark.django_db
def test_the_templates_list_holds_the_danish_defaults(api_client):
    response = api_client.get(TEMPLATES, {"is_active": "true"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["template_type"] for row in rows) == ["booking_confirmation", "invoice_reminder", "lead_response"]
    lead_response = next(row for row in rows if row["template_type"] == "lead_response")
    assert "{{ company_name }}" in lead_response["subject"]
    assert "Venlig hilsen" in lead_response["content"]


@pytest.mark.django_db
def test_create_an_inactive_template(api_client):
    response = api_client.post(
        TEMPLATES,
        {
            "name": "Sommertilbud",
            "subject": "Tak, {{ first_name }}",
            "content": "Hej {{ first_name }}, pris {{ estimated_price|dkk }}.",
            "template_type": "lead_response",
            "is_active": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    template = EmailTemplate.objects.get(pk=response.json()["id"])
    assert (template.name, template.is_active) == ("Sommertilbud", False)
    assert response.json()["template_type"] == "lead_response"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"content": "Hej {% if first_name %}{{ first_name }}"}, "content"),
        ({"content": "Hej {{ first_name|ukendt_filter }}"}, "content"),
        ({"content": '{% include "base.html" %}'}, "content"),
        ({"subject": "Tak {% for %}"}, "subject"),
        ({"template_type": "newsletter"}, "template_type"),
        ({"name": ""}, "name"),
        ({"is_active": "måske"}, "is_active"),
    ],
    ids=["unclosed-if", "unknown-filter", "include", "subject-syntax", "unknown-type", "no-name", "not-a-boolean"],
)
def test_bad_templates_are_a_400_on_that_field(api_client, payload, field):
    data = {
        "name": "Ny",
        "subject": "Hej",
        "content": "Hej {{ first_name }}",
        "template_type": "lead_response",
        "is_active": False,
        **payload,
    }

    response = api_client.post(TEMPLATES, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not EmailTemplate.objects.filter(name="Ny").exists()


@pytest.mark.django_db
def test_a_second_active_template_of_a_type_is_a_400_naming_the_active_one(api_client):
    response = api_client.post(
        TEMPLATES,
        {"name": "Ny", "subject": "Hej", "content": "Hej", "template_type": "lead_response", "is_active": True},
        format="json",
    )

    assert response.status_code == 400
    assert "Svar på ny henvendelse" in response.json()["is_active"][0]
    assert EmailTemplate.objects.filter(template_type="lead_response", is_active=True).count() == 1


@pytest.mark.django_db
def test_activating_a_template_while_another_is_active_is_a_400_and_works_after_deactivating(api_client):
    current = EmailTemplate.objects.get(template_type="lead_response", is_active=True)
    draft = EmailTemplateFactory(name="Udkast")

    blocked = api_client.patch(f"{TEMPLATES}{draft.pk}/", {"is_active": True}, format="json")

    assert blocked.status_code == 400
    assert current.name in blocked.json()["is_active"][0]
    draft.refresh_from_db()
    assert draft.is_active is False

    assert api_client.patch(f"{TEMPLATES}{current.pk}/", {"is_active": False}, format="json").status_code == 200
    activated = api_client.patch(f"{TEMPLATES}{draft.pk}/", {"is_active": True}, format="json")

    assert activated.status_code == 200
    assert activated.json()["is_active"] is True
    assert EmailTemplate.objects.get(template_type="lead_response", is_active=True) == draft


@pytest.mark.django_db
def test_put_replaces_a_template_and_checks_its_syntax(api_client):
    template = EmailTemplateFactory(name="Udkast")
    url = f"{TEMPLATES}{template.pk}/"
    data = {"name": "Påmindelse", "subject": "Faktura {{ invoice_number }}", "template_type": "invoice_reminder"}

    broken = api_client.put(url, {**data, "content": "{% if %}", "is_active": False}, format="json")
    assert broken.status_code == 400
    assert "content" in broken.json()

    response = api_client.put(url, {**data, "content": "Betal {{ amount|dkk }}", "is_active": False}, format="json")

    assert response.status_code == 200, response.content
    template.refresh_from_db()
    assert (template.name, template.template_type, template.content) == (
        "Påmindelse",
        "invoice_reminder",
        "Betal {{ amount|dkk }}",
    )


@pytest.mark.django_db
def test_delete_removes_a_template(api_client):
    template = EmailTemplateFactory()

    response = api_client.delete(f"{TEMPLATES}{template.pk}/")

    assert response.status_code == 204
    assert not EmailTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.django_db
def test_preview_renders_danish_text_for_the_lead(api_client):
    lead = LeadFactory(
        customer=CustomerFactory(name="Mette Hansen"),
        service_type=service("flytte"),
        estimated_hours=Decimal("9"),
        estimated_price=Decimal("3141.00"),
    )
    template = EmailTemplate.objects.get(template_type="lead_response", is_active=True)

    response = api_client.post(f"{TEMPLATES}{template.pk}/preview/", {"lead": str(lead.pk)}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"subject", "body"}
    assert body["subject"] == "Tak for din henvendelse - Rendetalje"
    assert body["body"].startswith("Hej Mette\n")
    assert "Prisoverslag: 3.141,00 kr. inkl. moms" in body["body"]
    assert "9 arbejdstimer" in body["body"]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"lead": str(uuid.uuid4())}, {"lead": "not-a-uuid"}, {}])
def test_preview_for_an_unknown_or_bad_lead_is_a_400_on_lead(api_client, payload):
    template = EmailTemplateFactory()

    response = api_client.post(f"{TEMPLATES}{template.pk}/preview/", payload, format="json")

    assert response.status_code == 400
    assert "lead" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    ["Hej {% if first_name %}", '{% include "hilsen.txt" %}', '{% url "ingen-steder" %}'],
    ids=["syntax", "include", "url"],
)
def test_preview_of_a_template_that_fails_to_render_is_a_400(api_client, content):
    # Saved around the API's checks (as a data migration or a raw edit could).
    template = EmailTemplateFactory(content=content)

    response = api_client.post(f"{TEMPLATES}{template.pk}/preview/", {"lead": str(LeadFactory().pk)}, format="json")

    assert response.status_code == 400
    assert "content" in response.json()


@pytest.mark.django_db
def test_a_template_that_cannot_render_is_refused_on_save(api_client):
    template = EmailTemplateFactory()

    response = api_client.patch(f"{TEMPLATES}{template.pk}/", {"content": '{% url "ingen-steder" %}'}, format="json")

    assert response.status_code == 400
    assert "content" in response.json()
    template.refresh_from_db()
    assert template.content == "Hej {{ customer_name }}, tak for din henvendelse."


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_template_list_costs_the_same_queries_for_3_or_30(api_client, django_assert_max_num_queries, rows):
    EmailTemplateFactory.create_batch(rows)

    # auth user, count, page
    with django_assert_max_num_queries(3):
        response = api_client.get(TEMPLATES, {"page_size": 50})

    assert response.json()["count"] == rows + 3  # and the three Danish defaults
