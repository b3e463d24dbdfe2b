from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from leads.models import Activity, Lead
from leads.services import ALLOWED_TRANSITIONS, lead_create, lead_set_status
from tests.factories import CustomerFactory, LeadFactory, service

pytestmark = pytest.mark.django_db


def create(**fields) -> Lead:
    fields.setdefault("source", Lead.Source.LEADMAIL)
    return lead_create(**fields)


# --- price and estimate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "price"),
    [(Decimal("3.5"), Decimal("1221.50")), (Decimal("9"), Decimal("3141.00")), (Decimal("2.25"), Decimal("785.25"))],
)
def test_given_hours_are_priced_at_349_kr_an_hour_incl_moms(hours, price):
    lead = create(service_type="flytte", area_m2=300, estimated_hours=hours, customer_name="Mette")

    stored = Lead.objects.get(pk=lead.pk)
    assert stored.estimated_hours == hours
    assert stored.estimated_price == price


def test_the_price_follows_the_hourly_rate_in_settings(settings):
    settings.RENOS_HOURLY_RATE = Decimal("399.00")

    lead = create(service_type="fast", estimated_hours=Decimal("2.5"))

    assert lead.estimated_price == Decimal("997.50")


@pytest.mark.parametrize(
    ("code", "area", "hours", "price"),
    [
        ("flytte", 72, "9", "3141.00"),  # 72 ÷ 8 = 9
        ("hoved", 95, "8", "2792.00"),  # 95 ÷ 12 = 7.9 → 8
        ("fast", 110, "3.5", "1221.50"),  # 110 ÷ 35 = 3.1 → 3.5
        ("fast", 20, "2", "698.00"),  # never less than two hours
        ("vinduer", 61, "2", "698.00"),
        ("erhverv", 71, "2.5", "872.50"),
        ("haandvaerker", 100, "10", "3490.00"),
        ("andet", 41, "2.5", "872.50"),
        ("flytte", None, "8", "2792.00"),  # no area: the service's default hours
    ],
)
def test_without_hours_the_estimate_comes_from_the_service_and_the_area(code, area, hours, price):
    lead = create(service_type=code, area_m2=area)

    stored = Lead.objects.get(pk=lead.pk)
    assert stored.service_type.code == code
    assert stored.estimated_hours == Decimal(hours)
    assert stored.estimated_price == Decimal(price)


def test_a_service_object_is_accepted_as_well_as_its_code():
    lead = create(service_type=service("hoved"), area_m2=24)

    assert lead.estimated_hours == Decimal("2")


def test_without_a_service_there_is_no_estimate():
    lead = create(customer_email="mette@example.dk")

    stored = Lead.objects.get(pk=lead.pk)
    assert stored.estimated_hours is None
    assert stored.estimated_price is None


def test_an_unknown_service_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationError) as caught:
        create(service_type="vinduespudsning", customer_email="mette@example.dk")

    assert "service_type" in caught.value.message_dict
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"customer_email": "mette@"}, "customer_email"),
        ({"customer_phone": "12345"}, "customer_phone"),
        ({"source": "facebook"}, "source"),
        ({"priority": "urgent"}, "priority"),
        ({"estimated_hours": Decimal("2.125")}, "estimated_hours"),
        ({"budget": "1000"}, "budget"),
    ],
)
def test_invalid_input_is_refused_on_its_field_and_nothing_is_created(fields, field):
    fields = {"customer_name": "Mette", "customer_email": "mette@example.dk", "service_type": "fast", **fields}

    with pytest.raises(ValidationError) as caught:
        create(**fields)

    assert field in caught.value.message_dict
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()


# --- the timeline -------------------------------------------------------------------------------


def test_a_new_lead_writes_nyt_lead_oprettet_with_service_and_city():
    lead = create(service_type="flytte", city="Aarhus C", customer_name="Mette Hansen", area_m2=72)

    activity = Activity.objects.get(lead=lead)
    assert activity.title == "Nyt lead oprettet"
    assert activity.description == "Flytterengøring - Aarhus C"
    assert activity.customer == "Mette Hansen"
    assert activity.type == Activity.Type.EMAIL


@pytest.mark.parametrize(
    ("fields", "description"),
    [({"service_type": "fast"}, "Fast rengøring"), ({"city": "Risskov"}, "Risskov"), ({}, "")],
)
def test_the_activity_leaves_out_what_is_not_known(fields, description):
    lead = create(**fields)

    assert Activity.objects.get(lead=lead).description == description


# --- the customer -------------------------------------------------------------------------------


def test_an_existing_customer_is_found_by_email_and_counts_the_lead():
    existing = CustomerFactory(email="mette@example.dk")
    LeadFactory(customer=existing)

    lead = create(customer_email="Mette@Example.DK", customer_name="Mette", service_type="fast")

    assert lead.customer_email == "mette@example.dk"
    assert lead.customer.pk == existing.pk
    assert Customer.objects.count() == 1
    assert Customer.objects.get(pk=existing.pk).total_leads == 2


def test_an_existing_customer_is_found_by_phone_when_there_is_no_email():
    existing = CustomerFactory(email=None, phone="+4520112233")

    lead = create(customer_phone="20 11 22 33", customer_name="Mette")

    assert lead.customer_phone == "+4520112233"
    assert lead.customer.pk == existing.pk
    assert Customer.objects.get(pk=existing.pk).total_leads == 1


def test_a_new_customer_is_created_from_the_lead():
    lead = create(
        customer_name="Mette Hansen",
        customer_email="mette@example.dk",
        customer_phone="20112233",
        company_name="Hansen ApS",
        address="Søvej 12",
        postal_code="8240",
        city="Risskov",
        service_type="fast",
    )

    customer = Customer.objects.get(pk=lead.customer_id)
    assert (customer.name, customer.email, customer.phone) == ("Mette Hansen", "mette@example.dk", "+4520112233")
    assert customer.company_name == "Hansen ApS"
    assert customer.address == "Søvej 12, 8240 Risskov"
    assert customer.total_leads == 1


def test_a_lead_without_email_and_phone_gets_no_customer():
    lead = create(customer_name="Mette", service_type="fast")

    assert Lead.objects.get(pk=lead.pk).customer is None
    assert not Customer.objects.exists()


def test_a_lead_can_be_created_without_linking_a_customer():
    lead = create(customer_email="mette@example.dk", link_customer=False)

    assert lead.customer is None
    assert not Customer.objects.exists()


def test_a_given_customer_is_used_and_recounted():
    customer = CustomerFactory(email="bo@example.dk")

    lead = create(customer=customer, customer_email="mette@example.dk")

    assert lead.customer.pk == customer.pk
    assert not Customer.objects.filter(email="mette@example.dk").exists()
    assert Customer.objects.get(pk=customer.pk).total_leads == 1


# --- status -------------------------------------------------------------------------------------

# The journey as the business runs it; written out so a change to ALLOWED_TRANSITIONS is a decision.
JOURNEY = {
    ("new", "contacted"): "Status opdateret til Kontaktet",
    ("new", "booked"): "Status opdateret til Booket",
    ("contacted", "booked"): "Status opdateret til Booket",
    ("booked", "completed"): "Status opdateret til Udført",
    ("booked", "contacted"): "Status opdateret til Kontaktet",
    ("completed", "invoiced"): "Status opdateret til Faktureret",
}
STATUSES = ["new", "contacted", "booked", "completed", "invoiced"]


def test_the_allowed_transitions_are_the_journey():
    allowed = {(current, new) for current, targets in ALLOWED_TRANSITIONS.items() for new in targets}
    assert allowed == set(JOURNEY)


def lead_in(status: str, **fields) -> Lead:
    lead = LeadFactory(customer_name="Mette Hansen", **fields)
    Lead.objects.filter(pk=lead.pk).update(status=status)
    lead.refresh_from_db()
    return lead


@pytest.mark.parametrize(("current", "new"), list(JOURNEY))
def test_every_allowed_move_is_saved_and_written_on_the_timeline(current, new):
    lead = lead_in(current)

    returned = lead_set_status(lead=lead, status=new)

    assert returned.status == new
    assert Lead.objects.get(pk=lead.pk).status == new
    activity = Activity.objects.get(lead=lead)
    assert activity.title == JOURNEY[(current, new)]
    assert activity.description == "Mette Hansen - Fast rengøring"
    assert activity.metadata == {"from": current, "to": new}


def test_a_note_becomes_the_description():
    lead = lead_in("new")

    lead_set_status(lead=lead, status="booked", note="Booket pr. telefon")

    assert Activity.objects.get(lead=lead).description == "Booket pr. telefon"


@pytest.mark.parametrize(
    ("current", "new"),
    [(current, new) for current in STATUSES for new in STATUSES if (current, new) not in JOURNEY],
)
def test_a_move_off_the_journey_is_refused_and_changes_nothing(current, new):
    lead = lead_in(current)

    with pytest.raises(ValidationError) as caught:
        lead_set_status(lead=lead, status=new)

    message = " ".join(caught.value.message_dict["status"])
    allowed = [target for (source, target) in JOURNEY if source == current]
    for target in allowed:
        assert target in message
    if not allowed:
        assert "final" in message
    assert lead.status == current
    assert Lead.objects.get(pk=lead.pk).status == current
    assert not Activity.objects.filter(lead=lead).exists()


def test_an_unknown_status_is_refused():
    lead = lead_in("new")

    with pytest.raises(ValidationError):
        lead_set_status(lead=lead, status="lost")

    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_a_stale_lead_is_checked_against_the_stored_status():
    lead = lead_in("new")
    stale = Lead.objects.get(pk=lead.pk)
    lead_set_status(lead=lead, status="booked")

    # The stale copy still says "new", but the stored lead is booked, and booked → booked is no move.
    with pytest.raises(ValidationError):
        lead_set_status(lead=stale, status="booked")

    lead_set_status(lead=stale, status="completed")
    assert Lead.objects.get(pk=lead.pk).status == "completed"


# --- the service catalogue as the estimates read it ---------------------------------------------------------------


def test_a_change_to_the_catalogue_reaches_the_next_estimate(django_capture_on_commit_callbacks):
    from leads.services import service_type_update

    with django_capture_on_commit_callbacks(execute=True):
        before = create(customer_email="a@example.dk", service_type="fast", area_m2=140)
    with django_capture_on_commit_callbacks(execute=True):
        service_type_update(service_type=service("fast"), data={"m2_per_hour": Decimal("20")})
    after = create(customer_email="b@example.dk", service_type="fast", area_m2=140)

    assert (before.estimated_hours, after.estimated_hours) == (Decimal("4"), Decimal("7"))


def test_a_new_customer_starts_with_its_lead_counted_and_an_existing_one_is_recounted():
    lead = create(customer_email="ny@example.dk", service_type="fast")
    assert Customer.objects.get(pk=lead.customer_id).total_leads == 1

    create(customer_email="NY@example.dk", service_type="hoved")
    assert Customer.objects.get(pk=lead.customer_id).total_leads == 2
