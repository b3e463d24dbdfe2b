"""The customer admin's GDPR tools: export as a JSON download, erase after a page saying what is kept and why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.utils import timezone

from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Activity
from tests.admin.helpers import admin_url, messages_of
from tests.factories import BookingFactory, CustomerFactory, UserFactory
from tests.privacy.helpers import NAME, customer_with_everything

pytestmark = pytest.mark.django_db


def run_action(client, action: str, customers, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(customer.pk) for customer in customers], **extra}
    return client.post(admin_url(Customer, "changelist"), data)


def office_user(*, may_erase: bool):
    user = UserFactory(username="kontor2")
    codenames = ["view_customer", "change_customer"] + (["erase_personal_data"] if may_erase else [])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="customers", codename__in=codenames))
    return user


def test_the_export_action_downloads_one_customers_data_as_json(admin_client_logged_in):
    e = customer_with_everything()

    response = run_action(admin_client_logged_in, "export_personal_data", [e.customer])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="persondata-{e.customer.pk}-')
    data = json.loads(response.content)
    assert data["customer"]["name"] == NAME
    assert [lead["id"] for lead in data["leads"]] == [str(e.lead.pk)]


def test_the_export_action_puts_several_customers_in_one_file(admin_client_logged_in):
    first = customer_with_everything()
    second = CustomerFactory(name="Aase Holm")

    response = run_action(admin_client_logged_in, "export_personal_data", [first.customer, second])

    names = [item["customer"]["name"] for item in json.loads(response.content)["customers"]]
    assert names == ["Aase Holm", NAME]


def test_the_customer_page_links_to_the_export_and_the_erase(admin_client_logged_in):
    e = customer_with_everything()

    page = admin_client_logged_in.get(admin_url(Customer, "change", e.customer.pk)).content.decode()
    download = admin_client_logged_in.get(f"/admin/customers/customer/{e.customer.pk}/privacy/export/")

    assert "Personal data (GDPR)" in page
    assert f"/admin/customers/customer/{e.customer.pk}/privacy/erase/" in page
    assert json.loads(download.content)["customer"]["id"] == str(e.customer.pk)


def test_the_erase_action_first_shows_what_is_erased_and_what_is_kept(admin_client_logged_in):
    e = customer_with_everything()

    response = run_action(admin_client_logged_in, "erase_personal_data", [e.customer])

    assert response.status_code == 200
    page = response.content.decode()
    assert "What is kept, and why" in page and "bogføringsloven" in page
    assert "5 years" in page
    assert response.context["customers"][0].invoice_count == 1
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_confirming_the_erase_action_erases_and_says_so(admin_client_logged_in):
    e = customer_with_everything()

    response = run_action(
        admin_client_logged_in, "erase_personal_data", [e.customer], post="yes", reason="Kunden bad om det"
    )

    assert response.status_code == 302
    assert messages_of(response) == [("success", "Erased the personal data of 1 customer. The invoices are kept.")]
    assert Customer.objects.get(pk=e.customer.pk).name == "Slettet kunde"
    assert Invoice.objects.get(pk=e.invoice.pk).customer_name == NAME
    record = Activity.objects.get(title="Persondata slettet")
    assert record.metadata["by"] == "chef" and "Kunden bad om det" in record.description


def test_a_customer_with_a_job_ahead_is_left_with_an_error(admin_client_logged_in):
    e = customer_with_everything()
    BookingFactory(lead=e.lead, booking_date=timezone.now() + timedelta(days=2))
    other = customer_with_everything(name="Aase Holm", email="aase@example.dk")

    page = run_action(admin_client_logged_in, "erase_personal_data", [e.customer, other.customer])
    response = run_action(admin_client_logged_in, "erase_personal_data", [e.customer, other.customer], post="yes")

    assert [customer.name for customer in page.context["blocked"]] == [NAME]
    levels = [level for level, _text in messages_of(response)]
    assert levels == ["error", "success"]
    assert "not done yet" in messages_of(response)[0][1]
    assert Customer.objects.get(pk=e.customer.pk).name == NAME
    assert Customer.objects.get(pk=other.customer.pk).name == "Slettet kunde"


def test_the_confirmation_page_costs_the_same_queries_for_one_customer_as_for_many(
    admin_client_logged_in, django_assert_max_num_queries
):
    one = [customer_with_everything().customer]
    many = [customer_with_everything(name=f"Kunde {n}", email=f"k{n}@example.dk").customer for n in range(5)]
    run_action(admin_client_logged_in, "erase_personal_data", one)  # warm the session and content types

    with django_assert_max_num_queries(12) as few:
        run_action(admin_client_logged_in, "erase_personal_data", one)
    with django_assert_max_num_queries(len(few)):
        response = run_action(admin_client_logged_in, "erase_personal_data", many)

    assert len(response.context["customers"]) == 5


def test_the_per_customer_erase_page_erases_and_returns_to_the_customer(admin_client_logged_in):
    e = customer_with_everything()
    url = f"/admin/customers/customer/{e.customer.pk}/privacy/erase/"

    page = admin_client_logged_in.get(url)
    response = admin_client_logged_in.post(url, {"reason": ""})

    assert "Yes, erase the personal data" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == admin_url(Customer, "change", e.customer.pk)
    assert Customer.objects.get(pk=e.customer.pk).anonymised_at is not None


def test_staff_without_the_permission_can_export_but_not_erase(client):
    e = customer_with_everything()
    client.force_login(office_user(may_erase=False))

    changelist = client.get(admin_url(Customer, "changelist"))
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    erase_page = client.get(f"/admin/customers/customer/{e.customer.pk}/privacy/erase/")
    erase_post = client.post(f"/admin/customers/customer/{e.customer.pk}/privacy/erase/", {"reason": ""})
    change_page = client.get(admin_url(Customer, "change", e.customer.pk)).content.decode()

    assert "export_personal_data" in actions and "erase_personal_data" not in actions
    assert (erase_page.status_code, erase_post.status_code) == (403, 403)
    assert "privacy/erase/" not in change_page
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_staff_given_the_permission_may_erase(client):
    e = customer_with_everything()
    client.force_login(office_user(may_erase=True))

    response = run_action(client, "erase_personal_data", [e.customer], post="yes")

    assert response.status_code == 302
    assert Customer.objects.get(pk=e.customer.pk).name == "Slettet kunde"
