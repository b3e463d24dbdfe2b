"""Staff-edited email templates render in a sandbox: injection attempts leak nothing and call nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Customer
from leads.models import Lead
from messaging.models import EmailTemplate
from messaging.rendering import lead_context, plain_context, render_text
from tests.factories import CustomerFactory, EmailTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db

SECRET = "hemmelig-noegle-som-aldrig-maa-ses"


@pytest.fixture
def secret_settings(settings):
    settings.SECRET_KEY = SECRET
    settings.DEBUG = True  # the debug dump would show everything if it were reachable
    settings.TWILIO_AUTH_TOKEN = "twilio-token-som-aldrig-maa-ses"
    return settings


@pytest.mark.parametrize(
    "source",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ SECRET_KEY }}",
        "{{ lead.settings.SECRET_KEY }}",
        "{{ lead.customer.email }}",
        "{{ lead.__class__.__init__.__globals__ }}",
        "{{ request.META }}",
        "{{ view.request }}",
        "{{ company_name.__class__ }}",
    ],
)
def test_settings_and_objects_are_out_of_reach(secret_settings, source):
    lead = LeadFactory(customer=CustomerFactory(email="mette@example.dk"))

    try:
        rendered = render_text(f"[{source}]", lead_context(lead))
    except ValidationError:
        rendered = ""  # refused outright (attributes starting with "_") leaks nothing either

    assert SECRET not in rendered
    assert "twilio-token" not in rendered
    assert "mette@example.dk" not in rendered
    assert rendered in ("", "[]")


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% load static %}{% static 'x.css' %}", "load"),
        ("{% load i18n %}Hej", "load"),
        ("{% debug %}", "debug"),
        ("{% include 'admin/base.html' %}", "include"),
        ("{% extends 'admin/base.html' %}", "extends"),
        ("{% block body %}x{% endblock %}", "block"),
        ("{% ssi '/etc/passwd' %}", "ssi"),
        ("{% url 'admin:index' %}", "url"),
        ("Hej {% csrf_token %}", "csrf_token"),
    ],
)
def test_forbidden_tags_are_refused_by_name(secret_settings, source, tag):
    with pytest.raises(ValidationError) as caught:
        render_text(source, {"customer_name": "Mette"})

    message = caught.value.message_dict["content"][0]
    assert f"{{% {tag} %}}" in message
    assert SECRET not in message


def test_forbidden_text_inside_verbatim_is_plain_text():
    assert render_text("{% verbatim %}{% load static %}{% endverbatim %}", {}) == "{% load static %}"


def test_model_methods_are_never_called():
    customer = CustomerFactory(tags=["vip"])
    lead = LeadFactory(customer=customer, notes="Ring før kl. 10")
    context = {**lead_context(lead), "lead": lead, "customer": customer, "leads": Lead.objects.all()}
    source = (
        "[{{ customer.delete }}{{ lead.delete }}{{ customer.tags.clear }}{{ leads.delete }}"
        "{{ lead.customer.leads.clear }}{{ customer.save }}]"
    )

    rendered = render_text(source, context)

    assert rendered == "[]"
    assert list(Customer.objects.get(pk=customer.pk).tags.names()) == ["vip"]
    assert Lead.objects.filter(pk=lead.pk, customer=customer, notes="Ring før kl. 10").exists()


def test_the_plain_values_of_a_context_still_render():
    context = {
        "customer_name": "Mette Hansen",
        "estimated_price": Decimal("1396"),
        "estimated_hours": Decimal("4"),
        "has_phone": True,
        "slots": ["mandag kl. 10:00", "tirsdag kl. 12:00"],
        "start": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    }
    source = (
        "{{ customer_name }}: {{ estimated_price|dkk }} for {{ estimated_hours|timer }} timer"
        "{% if has_phone %} (SMS){% endif %}{% for slot in slots %} / {{ slot }}{% endfor %} {{ start|date:'Y' }}"
    )

    assert render_text(source, context) == (
        "Mette Hansen: 1.396,00 kr. for 4 timer (SMS) / mandag kl. 10:00 / tirsdag kl. 12:00 2026"
    )


def test_the_whitelisted_context_keeps_plain_values_and_drops_objects():
    lead = LeadFactory()

    plain = plain_context(
        {"name": "Mette", "lead": lead, "nested": {"lead": lead, "n": 2}, "items": [lead, "a"], "_private": "x"}
    )

    assert plain == {"name": "Mette", "nested": {"n": 2}, "items": ["a"]}


def test_an_unknown_variable_renders_as_nothing():
    assert render_text("Hej {{ ukendt }}{{ ukendt.felt }}!", {}) == "Hej !"


def test_the_admin_shows_a_clear_error_for_a_forbidden_tag_and_saves_nothing(admin_client_logged_in):
    template = EmailTemplateFactory(content="Hej {{ customer_name }}")
    url = reverse("admin:messaging_emailtemplate_change", args=[template.pk])

    response = admin_client_logged_in.post(
        url,
        {
            "name": template.name,
            "subject": "Hej",
            "content": "{% load static %}{% debug %}",
            "template_type": template.template_type,
            "is_active": "",
        },
    )

    assert response.status_code == 200
    assert "{% load %}" in response.content.decode()
    template.refresh_from_db()
    assert template.content == "Hej {{ customer_name }}"


def test_the_api_refuses_a_forbidden_tag_with_a_400_on_the_field(api_client):
    response = api_client.post(
        "/api/email-templates/",
        {
            "name": "Injektion",
            "subject": "{% debug %}",
            "content": "Hej",
            "template_type": EmailTemplate.Type.LEAD_RESPONSE,
            "is_active": False,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "{% debug %}" in response.json()["subject"][0]
    assert not EmailTemplate.objects.filter(name="Injektion").exists()
