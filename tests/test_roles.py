"""Roles: office staff (Kontor) run the business but delete nothing and manage no users; cleaners (Rengøring) see
only the bookings they are on; the groups are rebuilt the same way on every migrate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from bookings.models import Booking
from customers.models import Customer
from leads.models import Lead, ServiceType
from renos.roles import CLEANERS, OFFICE, roles_apply
from tests.admin.helpers import admin_url, form_data
from tests.factories import BookingFactory, CustomerFactory, LeadFactory, UserFactory, service

pytestmark = pytest.mark.django_db


def member_of(group_name: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def office_client(client):
    client.force_login(member_of(OFFICE, "sekretaer"))
    return client


@pytest.fixture
def cleaner(db):
    return member_of(CLEANERS, "rengoering")


@pytest.fixture
def cleaner_client(client, cleaner):
    client.force_login(cleaner)
    return client


def granted(group_name: str) -> set[str]:
    permissions = Group.objects.get(name=group_name).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


# --- Office staff (Kontor) ---


def test_office_staff_change_a_lead(office_client):
    lead = LeadFactory(notes="")
    data = form_data(office_client.get(admin_url(lead, "change", lead.pk)))
    data.update(notes="Ringet op, vil gerne have tilbud")

    response = office_client.post(admin_url(lead, "change", lead.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    lead.refresh_from_db()
    assert lead.notes == "Ringet op, vil gerne have tilbud"


def test_office_staff_cannot_delete_a_lead(office_client):
    lead = LeadFactory()

    page = office_client.get(admin_url(lead, "change", lead.pk))
    delete = office_client.post(admin_url(lead, "delete", lead.pk), {"post": "yes"})
    changelist = office_client.get(admin_url(Lead, "changelist"))

    assert 'class="deletelink"' not in page.text
    assert delete.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions


def test_office_staff_see_no_users_or_groups(office_client):
    assert office_client.get("/admin/auth/user/").status_code == 403
    assert office_client.get("/admin/auth/group/").status_code == 403
    index = office_client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/auth/" not in index.text
    assert "/admin/leads/lead/" in index.text


def test_office_staff_read_the_prices_but_only_superusers_change_them(office_client):
    fast = service("fast")

    page = office_client.get(admin_url(fast, "change", fast.pk))
    change = office_client.post(admin_url(fast, "change", fast.pk), {"name": "Billig rengøring"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # shown read-only
    assert change.status_code == 403
    assert ServiceType.objects.get(pk=fast.pk).name == fast.name


def test_office_staff_see_every_booking(office_client, cleaner):
    BookingFactory(customer_name="Karen Østergaard").assigned_staff.add(cleaner)
    BookingFactory(customer_name="Mads Nielsen")

    response = office_client.get(admin_url(Booking, "changelist"))

    assert "Karen Østergaard" in response.text
    assert "Mads Nielsen" in response.text
    assert office_client.get(admin_url(Booking, "calendar")).status_code == 200


def test_office_staff_put_cleaners_on_a_job(office_client, cleaner):
    booking = BookingFactory()
    data = form_data(office_client.get(admin_url(booking, "change", booking.pk)))
    data["assigned_staff"] = [str(cleaner.pk)]

    response = office_client.post(admin_url(booking, "change", booking.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert list(booking.assigned_staff.all()) == [cleaner]


# --- Cleaners (Rengøring) ---


def test_a_cleaner_sees_only_their_own_bookings(cleaner_client, cleaner):
    BookingFactory(customer_name="Karen Østergaard").assigned_staff.add(cleaner)
    BookingFactory(customer_name="Mads Nielsen")

    response = cleaner_client.get(admin_url(Booking, "changelist"))

    assert response.status_code == 200
    assert "Karen Østergaard" in response.text
    assert "Mads Nielsen" not in response.text
    assert response.context["cl"].result_count == 1


def test_a_cleaner_opens_their_own_booking_read_only(cleaner_client, cleaner):
    own = BookingFactory(customer_name="Karen Østergaard")
    own.assigned_staff.add(cleaner)

    response = cleaner_client.get(admin_url(own, "change", own.pk))

    assert response.status_code == 200
    assert "Karen Østergaard" in response.text
    assert 'name="_save"' not in response.text


def test_someone_elses_booking_is_refused_to_a_cleaner(cleaner_client):
    other = BookingFactory(customer_name="Mads Nielsen")

    page = cleaner_client.get(admin_url(other, "change", other.pk))
    history = cleaner_client.get(admin_url(other, "history", other.pk))
    action = cleaner_client.get(admin_url(other, "cancel", other.pk))

    assert (page.status_code, history.status_code, action.status_code) == (403, 403, 403)
    assert "Mads Nielsen" not in page.text + history.text + action.text


def test_a_cleaner_sees_no_customers_leads_or_calendar(cleaner_client):
    customer = CustomerFactory()

    assert cleaner_client.get(admin_url(Customer, "changelist")).status_code == 403
    assert cleaner_client.get(admin_url(customer, "change", customer.pk)).status_code == 403
    assert cleaner_client.get(admin_url(Lead, "changelist")).status_code == 403
    assert cleaner_client.get(admin_url(Booking, "calendar")).status_code == 403


@pytest.mark.parametrize("rows", [2, 20])
def test_a_cleaners_booking_list_costs_the_same_queries_for_2_or_20(
    cleaner_client, cleaner, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        BookingFactory().assigned_staff.add(cleaner)
        BookingFactory()

    # session, user, their permissions (2), services filter, counts (2), page, date drill-down (2)
    with django_assert_max_num_queries(10):
        response = cleaner_client.get(admin_url(Booking, "changelist"))

    assert response.context["cl"].result_count == rows


# --- The groups themselves ---


def test_the_roles_are_there_after_migrate():
    office, cleaners = granted(OFFICE), granted(CLEANERS)

    assert {"leads.view_lead", "leads.add_lead", "leads.change_lead", "customers.change_customer"} <= office
    assert {"invoicing.change_invoice", "taggit.add_tag", "bookings.view_all_bookings"} <= office
    assert "leads.view_servicetype" in office and "leads.change_servicetype" not in office
    assert not {p for p in office if p.split(".")[1].startswith("delete_")}
    assert not {p for p in office if p.split(".")[0] in {"auth", "django_celery_beat", "renos"}}
    assert cleaners == {"bookings.view_booking"}


def test_migrating_again_changes_nothing_and_undoes_edits_to_the_two_groups():
    before = {OFFICE: granted(OFFICE), CLEANERS: granted(CLEANERS)}
    Group.objects.get(name=CLEANERS).permissions.add(Permission.objects.get(codename="view_customer"))
    Group.objects.get(name=OFFICE).permissions.remove(Permission.objects.get(codename="change_lead"))
    own = Group.objects.create(name="Revisor")
    own.permissions.add(Permission.objects.get(codename="view_invoice"))

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert {OFFICE: granted(OFFICE), CLEANERS: granted(CLEANERS)} == before
    assert Group.objects.filter(name__in=[OFFICE, CLEANERS]).count() == 2
    assert granted("Revisor") == {"invoicing.view_invoice"}


def test_the_roles_are_built_even_before_any_permission_exists():
    """A fresh database: the permissions come from post_migrate, which had not run yet."""
    Group.objects.filter(name__in=[OFFICE, CLEANERS]).delete()
    Permission.objects.all().delete()

    roles_apply()

    assert "leads.change_lead" in granted(OFFICE)
    assert granted(CLEANERS) == {"bookings.view_booking"}


@pytest.mark.django_db
def test_a_cleaner_cannot_use_the_api_office_staff_can(cleaner):
    from rest_framework.test import APIClient

    from tests.conftest import bearer

    office = member_of(OFFICE, "office-api")
    api = APIClient()
    LeadFactory()

    api.credentials(HTTP_AUTHORIZATION=bearer(cleaner))
    assert api.get("/api/leads/").status_code == 403
    assert api.get("/api/customers/").status_code == 403

    api.credentials(HTTP_AUTHORIZATION=bearer(office))
    assert api.get("/api/leads/").json()["count"] == 1


@pytest.mark.django_db
def test_a_cleaner_logged_in_to_the_admin_cannot_browse_the_api(client, cleaner):
    client.force_login(cleaner)
    assert client.get("/api/leads/", HTTP_ACCEPT="application/json").status_code == 403
