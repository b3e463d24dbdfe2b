from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from bookings.models import Booking
from customers.models import Customer
from customers.services import (
    DuplicateCustomerError,
    customer_create,
    customer_delete,
    customer_find_or_create,
    customer_get,
    customer_get_by_email,
    customer_link_lead,
    customer_query,
    customer_touch,
    customer_update,
    customer_update_stats,
)
from invoicing.models import Invoice
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SmsMessageFactory,
)

pytestmark = pytest.mark.django_db

# Racing workers need committed rows, so these tests really commit. Limiting them to the customer tables
# means the truncate afterwards spares the seeded service catalogue and email templates other tests rely on.
# Saving a customer also writes its audit entry (auditlog). Not contenttypes: flushing its table after the test
# would leave the later tests without content types.
RACING = pytest.mark.django_db(transaction=True, available_apps=["customers", "taggit", "auditlog"])

JAN_1 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
MAR_1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


_numbers = itertools.count()


def editable_customer(**fields) -> Customer:
    """A factory customer whose phone passes validation (CustomerFactory's +45200000nn numbers do not)."""
    fields.setdefault("phone", f"+45{21100000 + next(_numbers)}")
    return CustomerFactory(**fields)


def tag_names(customer: Customer) -> set[str]:
    return set(Customer.objects.get(pk=customer.pk).tags.names())


# --- create -------------------------------------------------------------------------------------


def test_create_stores_a_lower_case_email_an_e164_phone_and_the_tags():
    customer = customer_create(
        name="  Mette Hansen ", email="  Mette.Hansen@Example.DK ", phone="20 11 22 33", tags=["vip", "erhverv"]
    )

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name == "Mette Hansen"
    assert stored.email == "mette.hansen@example.dk"
    assert stored.phone == "+4520112233"
    assert stored.status == Customer.Status.ACTIVE
    assert tag_names(stored) == {"vip", "erhverv"}


def test_many_customers_may_have_no_email():
    first = customer_create(name="Uden mail", phone="20112233")
    second = customer_create(name="Også uden mail", email="  ", phone="30112233")

    assert Customer.objects.filter(pk__in=[first.pk, second.pk], email__isnull=True).count() == 2


def test_the_same_email_in_another_case_is_refused_and_names_the_existing_customer():
    existing = customer_create(name="Mette", email="mette@example.dk")

    with pytest.raises(DuplicateCustomerError) as caught:
        customer_create(name="Mette igen", email="METTE@Example.dk")

    assert caught.value.existing.pk == existing.pk
    assert "email" in caught.value.message_dict
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("details", "field"),
    [({"email": "mette@"}, "email"), ({"email": "ikke en mail"}, "email"), ({"phone": "12345"}, "phone")],
)
def test_an_invalid_email_or_phone_is_refused_on_its_field_and_nothing_is_created(details, field):
    with pytest.raises(ValidationError) as caught:
        customer_create(name="Mette", **details)

    assert field in caught.value.message_dict
    assert not Customer.objects.exists()


def test_a_customer_needs_a_name():
    with pytest.raises(ValidationError) as caught:
        customer_create(name="   ", email="mette@example.dk")

    assert "name" in caught.value.message_dict
    assert not Customer.objects.exists()


# --- get ----------------------------------------------------------------------------------------


def test_get_with_relations_prefetches_leads_and_conversations(django_assert_num_queries):
    customer = CustomerFactory(tags=["vip"])
    leads = LeadFactory.create_batch(2, customer=customer)
    ConversationFactory(lead=leads[0], customer=customer)
    LeadFactory()  # someone else's

    # The customer, its tags, its leads and its conversations: one query each, however many rows.
    with django_assert_num_queries(4):
        found = customer_get(customer_id=customer.pk, include_relations=True)

    with django_assert_num_queries(0):
        assert {lead.pk for lead in found.leads.all()} == {lead.pk for lead in leads}
        assert len(found.conversations.all()) == 1
        assert [tag.name for tag in found.tags.all()] == ["vip"]


def test_get_without_relations_is_one_query_for_the_customer_and_its_tags(django_assert_num_queries):
    customer = CustomerFactory()

    with django_assert_num_queries(2):
        assert customer_get(customer_id=str(customer.pk)).pk == customer.pk


@pytest.mark.parametrize("customer_id", ["not-a-uuid", "", None, "123", uuid.uuid4()])
def test_get_with_a_malformed_or_unknown_id_returns_none(customer_id):
    CustomerFactory()

    assert customer_get(customer_id=customer_id) is None


def test_get_by_email_ignores_case_and_surrounding_spaces():
    customer = CustomerFactory(email="mette@example.dk")

    assert customer_get_by_email(email="  METTE@Example.dk ").pk == customer.pk
    assert customer_get_by_email(email="mette@example.com") is None
    assert customer_get_by_email(email="") is None


# --- update -------------------------------------------------------------------------------------


def test_update_changes_the_fields_and_replaces_the_tags():
    customer = editable_customer(tags=["vip", "erhverv"])

    customer_update(
        customer=customer,
        data={"name": "Mette Nielsen", "email": "Ny@Example.DK", "phone": "30 11 22 33", "tags": ["premium"]},
    )

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.email, stored.phone) == ("Mette Nielsen", "ny@example.dk", "+4530112233")
    assert tag_names(stored) == {"premium"}


def test_update_without_tags_keeps_the_tags():
    customer = editable_customer(tags=["vip"])

    customer_update(customer=customer, data={"status": Customer.Status.BLOCKED})

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.status == Customer.Status.BLOCKED
    assert tag_names(stored) == {"vip"}


def test_update_to_another_customers_email_is_refused_and_names_that_customer():
    mette = editable_customer(email="mette@example.dk")
    customer = editable_customer(email="bo@example.dk")

    with pytest.raises(DuplicateCustomerError) as caught:
        customer_update(customer=customer, data={"email": "METTE@example.dk"})

    assert caught.value.existing.pk == mette.pk
    assert "email" in caught.value.message_dict
    assert Customer.objects.get(pk=customer.pk).email == "bo@example.dk"


@RACING
def test_two_customers_given_the_same_email_at_once_one_is_refused():
    mette = editable_customer(email="mette@example.dk")
    bo = editable_customer(email="bo@example.dk")
    taken = threading.Event()

    def take_the_email_and_commit_a_moment_later() -> None:
        try:
            with transaction.atomic():
                Customer.objects.filter(pk=mette.pk).update(email="faelles@example.dk")
                taken.set()
                time.sleep(0.5)  # bo's update checks now, sees nothing committed, and waits on the index
        finally:
            connection.close()

    thread = threading.Thread(target=take_the_email_and_commit_a_moment_later)
    thread.start()
    assert taken.wait(timeout=10)
    with pytest.raises(DuplicateCustomerError) as caught:
        customer_update(customer=Customer.objects.get(pk=bo.pk), data={"email": "Faelles@example.dk"})
    thread.join(timeout=10)

    assert caught.value.existing.pk == mette.pk
    assert Customer.objects.get(pk=bo.pk).email == "bo@example.dk"


def test_update_keeping_ones_own_email_in_another_case_is_fine():
    customer = editable_customer(email="bo@example.dk")

    customer_update(customer=customer, data={"email": "BO@example.dk", "notes": "Har hund"})

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.email, stored.notes) == ("bo@example.dk", "Har hund")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"total_revenue": "100000"}, "total_revenue"),
        ({"id": str(uuid.uuid4())}, "id"),
        ({"status": "deleted"}, "status"),
        ({"phone": "12345"}, "phone"),
        ({"email": "bo@"}, "email"),
    ],
)
def test_update_refuses_unknown_fields_and_invalid_values_and_changes_nothing(data, field):
    customer = editable_customer(email="bo@example.dk", total_revenue=Decimal("500.00"))
    before = Customer.objects.values().get(pk=customer.pk)

    with pytest.raises(ValidationError) as caught:
        customer_update(customer=customer, data=data)

    assert field in caught.value.message_dict
    assert Customer.objects.values().get(pk=customer.pk) == before


# --- stats --------------------------------------------------------------------------------------


def paid(booking: Booking, number: str, **amounts) -> Invoice:
    return InvoiceFactory(booking=booking, status=Invoice.Status.PAID, invoice_number=number, **amounts)


def test_stats_count_leads_bookings_not_cancelled_and_revenue_from_paid_invoices_only():
    customer = CustomerFactory()
    first, second = LeadFactory.create_batch(2, customer=customer)
    done = BookingFactory(lead=first)
    also_done = BookingFactory(lead=second)
    BookingFactory(lead=second, status=Booking.Status.CANCELLED)
    paid(done, "2026-0001")  # 1.221,50
    paid(also_done, "2026-0002", subtotal=Decimal("400.00"), vat_amount=Decimal("100.00"), total_amount=Decimal("500"))
    InvoiceFactory(booking=also_done, status=Invoice.Status.SENT, invoice_number="2026-0003")
    InvoiceFactory(booking=also_done, status=Invoice.Status.OVERDUE, invoice_number="2026-0004")
    InvoiceFactory(booking=also_done)  # a draft
    someone_else = BookingFactory()
    paid(someone_else, "2026-0005")

    customer_update_stats(customer=customer)

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.total_leads == 2
    assert stored.total_bookings == 2
    assert stored.total_revenue == Decimal("1721.50")


def test_stats_of_a_customer_with_nothing_are_zero():
    customer = CustomerFactory(total_leads=3, total_bookings=2, total_revenue=Decimal("999.00"))

    customer_update_stats(customer=customer)

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.total_leads, stored.total_bookings, stored.total_revenue) == (0, 0, Decimal("0"))
    assert stored.last_contact_at is None


def contact_history(customer: Customer, *, email_at: datetime, sms_at: datetime) -> None:
    lead = LeadFactory(customer=customer)
    EmailMessageFactory(conversation=ConversationFactory(lead=lead), sent_at=email_at)
    with time_machine.travel(sms_at, tick=False):
        SmsMessageFactory(lead=lead)


@pytest.mark.parametrize(
    ("existing", "email_at", "sms_at", "expected"),
    [
        (None, FEB_1, JAN_1, FEB_1),  # the newest email
        (None, JAN_1, FEB_1, FEB_1),  # the newest SMS
        (MAR_1, JAN_1, FEB_1, MAR_1),  # a newer contact already recorded is kept
    ],
)
def test_last_contact_is_the_newest_of_emails_sms_and_the_recorded_value(existing, email_at, sms_at, expected):
    customer = CustomerFactory(last_contact_at=existing)
    contact_history(customer, email_at=email_at, sms_at=sms_at)

    customer_update_stats(customer=customer)

    assert Customer.objects.get(pk=customer.pk).last_contact_at == expected


def test_stats_on_a_stale_customer_do_not_move_the_last_contact_back():
    customer = CustomerFactory(last_contact_at=None)
    loaded_earlier = Customer.objects.get(pk=customer.pk)
    customer_touch(customer=customer, when=FEB_1)  # e.g. another worker recording a reply

    customer_update_stats(customer=loaded_earlier)

    assert Customer.objects.get(pk=customer.pk).last_contact_at == FEB_1


def test_touch_moves_the_last_contact_forward_only():
    customer = CustomerFactory(last_contact_at=FEB_1)

    customer_touch(customer=customer, when=JAN_1)
    assert Customer.objects.get(pk=customer.pk).last_contact_at == FEB_1

    customer_touch(customer=customer, when=MAR_1)
    assert customer.last_contact_at == MAR_1
    assert Customer.objects.get(pk=customer.pk).last_contact_at == MAR_1


# --- query and delete ---------------------------------------------------------------------------


def names(queryset) -> list[str]:
    return [customer.name for customer in queryset]


def test_query_by_status():
    CustomerFactory(name="Aktiv")
    CustomerFactory(name="Inaktiv", status=Customer.Status.INACTIVE)
    CustomerFactory(name="Blokeret", status=Customer.Status.BLOCKED)

    assert names(customer_query(status="inactive")) == ["Inaktiv"]
    assert names(customer_query()) == ["Aktiv", "Blokeret", "Inaktiv"]


def test_query_by_an_unknown_status_is_refused():
    with pytest.raises(ValidationError) as caught:
        customer_query(status="deleted")
    assert "status" in caught.value.message_dict


def test_query_by_tags_returns_customers_carrying_every_tag():
    CustomerFactory(name="Begge", tags=["vip", "erhverv"])
    CustomerFactory(name="Kun vip", tags=["vip"])
    CustomerFactory(name="Kun erhverv", tags=["erhverv"])
    CustomerFactory(name="Ingen")

    assert names(customer_query(tags=["vip", "erhverv"])) == ["Begge"]
    assert names(customer_query(tags=["VIP"])) == ["Begge", "Kun vip"]
    assert names(customer_query(tags=iter(["erhverv"]))) == ["Begge", "Kun erhverv"]


def test_a_customer_tagged_in_two_cases_is_listed_once():
    CustomerFactory(name="Mette", tags=["vip", "VIP"])

    assert names(customer_query(tags=["vip"])) == ["Mette"]


def test_query_by_email_is_exact_in_any_case():
    CustomerFactory(name="Mette", email="mette@example.dk")
    CustomerFactory(name="Mette B", email="mette.b@example.dk")

    assert names(customer_query(email="METTE@example.dk")) == ["Mette"]
    assert names(customer_query(email="mette")) == []


def test_delete_is_soft_the_customer_and_its_leads_stay():
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)

    customer_delete(customer=customer)

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.status == Customer.Status.INACTIVE
    assert list(stored.leads.all()) == [lead]
    assert names(customer_query(status="active")) == []


# --- find or create -----------------------------------------------------------------------------


def test_find_or_create_finds_by_email_in_any_case():
    existing = CustomerFactory(email="mette@example.dk")

    found = customer_find_or_create(email="METTE@Example.dk", name="Mette H", phone="30 11 22 33")

    assert found.pk == existing.pk
    assert Customer.objects.count() == 1


def test_find_or_create_finds_by_phone_when_there_is_no_email():
    existing = CustomerFactory(phone="+4520112233")

    assert customer_find_or_create(phone="20 11 22 33").pk == existing.pk
    assert Customer.objects.count() == 1


def test_a_customer_known_by_phone_is_found_when_they_write_from_an_email():
    existing = customer_find_or_create(phone="20112233", name="Mette")

    found = customer_find_or_create(email="mette@example.dk", phone="+45 20 11 22 33", name="Mette")

    assert found.pk == existing.pk
    assert Customer.objects.count() == 1


def test_a_shared_phone_with_another_email_is_another_customer():
    household = CustomerFactory(email="bo@example.dk", phone="+4520112233")

    found = customer_find_or_create(email="mette@example.dk", phone="20112233", name="Mette")

    assert found.pk != household.pk
    assert found.email == "mette@example.dk"


def test_find_or_create_creates_a_customer_with_normalised_details():
    created = customer_find_or_create(
        email="Mette@Example.dk", phone="20 11 22 33", name="Mette", address="Søvej 1, 8240 Risskov"
    )

    stored = Customer.objects.get(pk=created.pk)
    assert (stored.name, stored.email, stored.phone) == ("Mette", "mette@example.dk", "+4520112233")
    assert stored.address == "Søvej 1, 8240 Risskov"


def test_a_customer_found_or_created_without_a_name_is_named_by_email_or_phone():
    assert customer_find_or_create(email="mette@example.dk").name == "mette@example.dk"
    assert customer_find_or_create(phone="20112233").name == "+4520112233"


def test_find_or_create_without_email_or_phone_is_refused():
    with pytest.raises(ValidationError) as caught:
        customer_find_or_create(email="  ", phone="", name="Mette")

    assert caught.value.code == "no_contact"
    assert not Customer.objects.exists()


@RACING
def test_find_or_create_racing_on_one_email_makes_one_customer():
    workers = 8
    barrier = threading.Barrier(workers)
    ids: list[uuid.UUID] = []
    errors: list[BaseException] = []

    def find_or_create(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            customer = customer_find_or_create(email=f"Samme@Example.dk{' ' * number}", name=f"Worker {number}")
            ids.append(customer.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=find_or_create, args=(number,)) for number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(ids) == workers
    assert len(set(ids)) == 1
    assert Customer.objects.filter(email="samme@example.dk").count() == 1


# --- linking leads ------------------------------------------------------------------------------


def test_linking_a_lead_moves_it_and_recounts_both_customers():
    previous = CustomerFactory()
    lead = LeadFactory(customer=previous)
    LeadFactory(customer=previous)
    customer_update_stats(customer=previous)
    assert Customer.objects.get(pk=previous.pk).total_leads == 2
    new = CustomerFactory()

    customer_link_lead(customer=new, lead=lead)

    lead.refresh_from_db()
    assert lead.customer_id == new.pk
    assert Customer.objects.get(pk=new.pk).total_leads == 1
    assert Customer.objects.get(pk=previous.pk).total_leads == 1


def test_linking_a_lead_without_a_customer_counts_it():
    lead = LeadFactory(customer=None)
    customer = CustomerFactory()

    customer_link_lead(customer=customer, lead=lead)

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.total_leads == 1
    assert list(stored.leads.all()) == [lead]


def test_touch_asks_nothing_when_the_instance_already_holds_a_newer_contact(django_assert_num_queries):
    customer = CustomerFactory(last_contact_at=FEB_1)

    with django_assert_num_queries(0):
        customer_touch(customer=customer, when=JAN_1)
        customer_touch(customer=customer, when=FEB_1)

    assert Customer.objects.get(pk=customer.pk).last_contact_at == FEB_1
