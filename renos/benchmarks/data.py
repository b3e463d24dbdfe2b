"""The data set the API, admin, journey and load figures run against, built with bulk inserts and removed afterwards.

By default 100,000 leads from 20,000 customers (five each) over three years, newest first: the size the business
expects after a few years. Each lead has its "Nyt lead oprettet" timeline entry. A tenth of the leads are still
new (never answered), so `?status=new` has a real share of the table to count and page through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from customers.models import Customer
from leads.models import Activity, Lead, ServiceType

FIRST_NAMES = (
    "Mette", "Peter", "Lars", "Sofie", "Jonas", "Anne", "Mads", "Ida", "Søren", "Karen", "Henrik", "Camilla",
    "Niels", "Julie", "Rasmus", "Louise", "Thomas", "Maria", "Anders", "Emma", "Jens", "Line", "Morten", "Freja",
    "Kasper", "Signe", "Christian", "Cecilie", "Michael", "Nanna", "Frederik", "Ditte", "Jesper", "Helle", "Bo",
    "Birgitte", "Martin", "Lone", "Mikkel", "Trine",
)  # fmt: skip
LAST_NAMES = (
    "Jørgensen", "Sørensen", "Holm", "Berg", "Friis", "Nielsen", "Hansen", "Østergaard", "Pedersen", "Andersen",
    "Christensen", "Larsen", "Rasmussen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Jensen", "Knudsen", "Mikkelsen", "Lund", "Dahl", "Bach", "Kjær", "Vestergaard",
    "Lauridsen", "Frandsen", "Kristiansen", "Nørgaard", "Bruun", "Svendsen", "Damgaard", "Bak", "Skov", "Toft",
    "Mogensen", "Iversen", "Jakobsen", "Clausen", "Dalgaard", "Bjerre", "Krogh", "Winther", "Schmidt", "Juhl",
    "Koch", "Brandt", "Enevoldsen", "Lykke", "Hedegaard", "Riis", "Kofoed", "Abildgaard", "Sloth", "Gram", "Laursen",
)  # fmt: skip
CITIES = (("8000", "Aarhus C"), ("8240", "Risskov"), ("8210", "Aarhus V"), ("8260", "Viby J"), ("8520", "Lystrup"))
STREETS = ("Søvej", "Vestergade", "Skovvej", "Strandvejen", "Kirkegade", "Bakkevej", "Engvej", "Parkvej")
SOURCES = (Lead.Source.LEADMAIL, Lead.Source.LEADPOINT, Lead.Source.BOOKING_FORM, Lead.Source.MANUAL)
# Per ten leads: the status a lead of that position in the ten has reached (older leads; the newest are all open).
STATUS_BY_TENTH = (
    Lead.Status.NEW,
    Lead.Status.CONTACTED,
    Lead.Status.COMPLETED,
    Lead.Status.COMPLETED,
    *(Lead.Status.INVOICED,) * 6,
)
OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.BOOKED)
PRIORITIES = (Lead.Priority.MEDIUM, Lead.Priority.MEDIUM, Lead.Priority.HIGH, Lead.Priority.LOW)

MESSAGE_ID_PREFIX = "<dataset-"
EMAIL_DOMAIN = "bench.example"
USERNAME_PREFIX = "bench-"
HISTORY = timedelta(days=3 * 365)
BATCH = 5000


@dataclass(frozen=True)
class Dataset:
    leads: int
    customers: int
    search_terms: tuple[str, ...]
    """Full names of a few customers, as staff type them when the customer calls."""


def dataset_build(*, leads: int, customers: int, now: datetime | None = None) -> Dataset:
    """Customers, their leads and the leads' first timeline entries, spread over three years up to `now`."""
    if leads < 1 or customers < 1:
        raise ValueError("The data set needs at least one lead and one customer.")
    now = now or timezone.now()
    customers = min(customers, leads)
    services = list(ServiceType.objects.order_by("code").values_list("code", flat=True)) or [None]
    with transaction.atomic(), _given_timestamps(Customer, Lead, Activity):
        Customer.objects.bulk_create(_customers(customers, leads=leads, now=now), batch_size=BATCH)
        customer_ids = list(
            Customer.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("phone").values_list("pk", flat=True)
        )
        created = Lead.objects.bulk_create(
            _leads(leads, customer_ids=customer_ids, services=services, now=now), batch_size=BATCH
        )
        Activity.objects.bulk_create((_first_activity(lead) for lead in created), batch_size=BATCH)
    if connection.vendor == "postgresql":
        # The planner's statistics, as autovacuum keeps them on a live database.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Customer._meta.db_table}, {Lead._meta.db_table}, {Activity._meta.db_table}")
    picks = sorted({(pick * (customers // 5 + 41) + 7) % customers for pick in range(5)})
    return Dataset(leads=leads, customers=customers, search_terms=tuple(_name(number) for number in picks))


def dataset_remove() -> None:
    """Everything the data set and the figures' users added; the rest of the database stays as it was.

    The rows go in plain DELETEs, not one by one through the ORM: they were inserted in bulk, never audited, and a
    delete per row (with its audit log entry) would take longer than the whole bench.
    """
    leads = Lead.objects.filter(source_message_id__startswith=MESSAGE_ID_PREFIX)
    with transaction.atomic():
        Activity.objects.filter(lead__in=leads)._raw_delete(Activity.objects.db)
        leads._raw_delete(Lead.objects.db)
        Customer.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")._raw_delete(Customer.objects.db)
        get_user_model().objects.filter(username__startswith=USERNAME_PREFIX).delete()


def _name(number: int) -> str:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]
    return f"{first} {last}"


def _email(number: int) -> str:
    local = _name(number).lower().replace(" ", ".").replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return f"{local}{number}@{EMAIL_DOMAIN}"


def _phone(number: int) -> str:
    return f"+4520{number:06d}"


def _customers(count: int, *, leads: int, now: datetime) -> Iterator[Customer]:
    step = HISTORY / count
    for number in range(count):
        created = now - HISTORY + step * number
        postal_code, city = CITIES[number % len(CITIES)]
        yield Customer(
            name=_name(number),
            email=_email(number),
            phone=_phone(number),
            address=f"{STREETS[number % len(STREETS)]} {number % 97 + 1}, {postal_code} {city}",
            total_leads=leads // count + (1 if number < leads % count else 0),
            last_contact_at=now - step * (count - number) / 2,
            created_at=created,
            updated_at=created,
        )


def _leads(count: int, *, customer_ids: list, services: list, now: datetime) -> Iterator[Lead]:
    """Lead 0 is the newest; lead n belongs to customer n mod customers (whose number orders them by phone)."""
    step = HISTORY / count
    newest = max(1, count // 100)
    for number in range(count):
        customer = number % len(customer_ids)
        created = now - step * number
        hours = Decimal(2 + number % 7) + Decimal("0.5") * (number % 2)
        service = services[number % len(services)]
        name = _name(customer)
        status = OPEN_STATUSES[number % 3] if number < newest else STATUS_BY_TENTH[number % 10]
        yield Lead(
            customer_id=customer_ids[customer],
            customer_name=name,
            customer_email=_email(customer),
            customer_phone=_phone(customer),
            source=SOURCES[number % len(SOURCES)],
            service_type_id=service,
            address=f"{STREETS[customer % len(STREETS)]} {customer % 97 + 1}",
            city=CITIES[customer % len(CITIES)][1],
            postal_code=CITIES[customer % len(CITIES)][0],
            area_m2=40 + number % 160,
            estimated_hours=hours,
            estimated_price=hours * Decimal("349.00"),
            status=status,
            priority=PRIORITIES[number % len(PRIORITIES)],
            email_content=(
                f"Navn: {name}\nTelefon: {_phone(customer)}\nE-mail: {_email(customer)}\n"
                f"Opgave: {service or 'Rengøring'}\nBesked: Ca. {40 + number % 160} m2. Vi vil gerne have et tilbud "
                "og høre, hvornår I kan komme. Der er to børn og en hund i huset, og nøglen kan hentes hos naboen."
            ),
            response_sent=status != Lead.Status.NEW,
            sms_sent=status != Lead.Status.NEW,
            needs_follow_up=status == Lead.Status.NEW and number % 100 == 0,
            email_thread_id=f"dataset-thread-{number}",
            source_message_id=f"{MESSAGE_ID_PREFIX}{number}@{EMAIL_DOMAIN}>",
            created_at=created,
            updated_at=created,
        )


def _first_activity(lead: Lead) -> Activity:
    return Activity(
        lead=lead,
        type=Activity.Type.EMAIL,
        title="Nyt lead oprettet",
        description=f"{lead.city} - {lead.area_m2} m²",
        customer=lead.customer_name,
        created_at=lead.created_at,
    )


@contextmanager
def _given_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Bulk inserts keep the created/updated times given to them (three years of history) instead of now."""
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def office_staff_token(username: str) -> str:
    """A JWT access token for an office staff member (the Kontor group), as the login would issue it."""
    from django.contrib.auth.models import Group

    from renos.api.tokens import LoginSerializer
    from renos.roles import OFFICE, roles_apply

    if not Group.objects.filter(name=OFFICE).exists():
        roles_apply()
    user, _ = get_user_model().objects.get_or_create(
        username=f"{USERNAME_PREFIX}{username}", defaults={"is_staff": True, "email": f"{username}@bench.example"}
    )
    user.groups.add(Group.objects.get(name=OFFICE))
    return str(LoginSerializer.get_token(user).access_token)
