"""An email from a template, sent from the customer page: previewed, sent after commit, recorded on the timeline."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Customer
from integrations.mail import MailError, SentEmail
from leads.models import Activity
from messaging.models import Direction, EmailMessage
from tests.admin.helpers import admin_url, messages_of
from tests.factories import CustomerFactory, EmailTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


class RefusingSender:
    """A mail sender whose provider refuses the address for good."""

    @classmethod
    def from_settings(cls) -> RefusingSender:
        return cls()

    def send(self, email) -> SentEmail:
        raise MailError("550 no such mailbox", permanent=True)


@pytest.fixture
def customer():
    return CustomerFactory(name="Anna Møller", email="anna@example.dk")


@pytest.fixture
def template():
    return EmailTemplateFactory(
        name="Tak for sidst",
        subject="Tak, {{ first_name }}",
        content="Kære {{ customer_name }}\n\nTak for samarbejdet om {{ service_name|default:'rengøringen' }}.\n"
        "{{ company_name }}",
    )


def send_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_send_email", args=[customer.pk])


def test_the_preview_shows_the_template_rendered_for_the_customer(admin_client_logged_in, customer, template):
    response = admin_client_logged_in.post(send_url(customer), {"template": template.pk, "lead": "", "_preview": "1"})

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.subject == "Tak, Anna"
    assert preview.body.startswith("Kære Anna Møller\n\nTak for samarbejdet om rengøringen.")
    assert 'name="_send"' in response.text
    assert not EmailMessage.objects.exists()


def test_the_preview_for_a_lead_uses_the_leads_service(admin_client_logged_in, customer, template):
    lead = LeadFactory(customer=customer)

    response = admin_client_logged_in.post(
        send_url(customer), {"template": template.pk, "lead": lead.pk, "_preview": "1"}
    )

    assert "Tak for samarbejdet om Fast rengøring." in response.context["preview"].body


def test_the_form_opens_with_the_newest_lead_chosen(admin_client_logged_in, customer, template):
    LeadFactory(customer=customer)
    newest = LeadFactory(customer=customer)

    response = admin_client_logged_in.get(send_url(customer))

    assert response.status_code == 200
    assert response.context["form"]["lead"].value() == newest.pk


def test_sending_records_the_email_and_an_activity_after_commit(
    admin_client_logged_in, customer, template, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client_logged_in.post(send_url(customer), {"template": template.pk, "lead": "", "_send": "1"})

    assert response.status_code == 302
    assert response.url == admin_url(Customer, "change", customer.pk)
    assert ("success", "The email to anna@example.dk is on its way; it shows in the timeline once sent.") in (
        messages_of(response)
    )
    # Nothing leaves before the transaction commits.
    assert len(callbacks) == 1
    assert not mail.outbox
    assert not EmailMessage.objects.exists()

    callbacks[0]()

    assert [(sent.to, sent.subject) for sent in mail.outbox] == [(["anna@example.dk"], "Tak, Anna")]
    email = EmailMessage.objects.get()
    assert (email.direction, email.status, email.to_address) == (
        Direction.OUTBOUND,
        EmailMessage.Status.SENT,
        "anna@example.dk",
    )
    assert email.conversation.customer == customer
    activity = Activity.objects.get(title="E-mail sendt til kunden")
    assert activity.metadata["customer_id"] == str(customer.pk)
    assert activity.metadata["email_message"] == str(email.pk)
    assert activity.description == "Tak, Anna → anna@example.dk"
    customer.refresh_from_db()
    assert customer.last_contact_at == email.sent_at
    page = admin_client_logged_in.get(admin_url(Customer, "change", customer.pk))
    kinds = [entry.kind for entry in page.context["customer360"]["timeline"].entries]
    assert sorted(kinds) == ["activity", "email"]


def test_an_email_about_a_lead_goes_in_the_leads_conversation(
    admin_client_logged_in, customer, template, celery_eager, django_capture_on_commit_callbacks
):
    lead = LeadFactory(customer=customer)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(send_url(customer), {"template": template.pk, "lead": lead.pk, "_send": "1"})

    email = EmailMessage.objects.get()
    assert email.conversation.lead == lead
    assert Activity.objects.get(title="E-mail sendt til kunden").lead == lead


def test_a_refused_address_is_recorded_as_a_failed_email_on_the_timeline(
    admin_client_logged_in, customer, template, celery_eager, django_capture_on_commit_callbacks, settings
):
    settings.MAIL_SENDER_BACKEND = "tests.backoffice.test_customer360_email.RefusingSender"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(send_url(customer), {"template": template.pk, "lead": "", "_send": "1"})

    assert EmailMessage.objects.get().status == EmailMessage.Status.FAILED
    activity = Activity.objects.get(title="E-mailen kunne ikke sendes")
    assert activity.status == Activity.Status.ERROR
    assert activity.metadata["error"] == "550 no such mailbox"


def test_no_template_chosen_is_a_form_error(admin_client_logged_in, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client_logged_in.post(send_url(customer), {"template": "", "lead": "", "_send": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors["template"] == ["This field is required."]
    assert not callbacks


def test_a_customer_without_an_email_is_told_so(admin_client_logged_in, template, django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Bo Jensen", email=None)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client_logged_in.post(send_url(customer), {"template": template.pk, "lead": "", "_send": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors["template"] == ["Bo Jensen has no email address."]
    assert not callbacks and not mail.outbox


def test_a_template_that_cannot_render_is_a_form_error(admin_client_logged_in, customer):
    broken = EmailTemplateFactory(name="Ødelagt", content="Hej {% if %}")

    response = admin_client_logged_in.post(send_url(customer), {"template": broken.pk, "lead": "", "_preview": "1"})

    assert response.status_code == 200
    assert "template" in response.context["form"].errors
    assert response.context["preview"] is None


def test_another_customers_lead_cannot_be_chosen(admin_client_logged_in, customer, template):
    stranger = LeadFactory()

    response = admin_client_logged_in.post(
        send_url(customer), {"template": template.pk, "lead": stranger.pk, "_send": "1"}
    )

    assert response.status_code == 200
    assert "lead" in response.context["form"].errors
    assert not EmailMessage.objects.exists()


def test_an_unknown_customer_is_a_404(admin_client_logged_in):
    response = admin_client_logged_in.get(reverse("admin:customers_customer_send_email", args=["nope"]))

    assert response.status_code == 404
