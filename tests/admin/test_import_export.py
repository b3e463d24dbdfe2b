"""Spreadsheets from the admin: CSV and Excel exports of what the changelist shows, and the customer import."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from tests.admin.helpers import admin_url, messages_of
from tests.factories import BookingFactory, CustomerFactory, InvoiceFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"  # the format choices of the export and import forms, in SPREADSHEET_FORMATS order


def export(client, model, params: dict | None = None, file_format: str = CSV) -> list[dict[str, object]]:
    """Export the changelist (with `params` as its filters and search) the way staff do: every column ticked."""
    url = admin_url(model, "export") + (f"?{urlencode(params)}" if params else "")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    response = client.post(url, {**data, "format": file_format, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    return read_rows(response.content, file_format)


def read_rows(content: bytes, file_format: str) -> list[dict[str, object]]:
    if file_format == CSV:
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def to_csv(rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def to_xlsx(rows: list[dict[str, object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, file_format: str = CSV):
    """The first step of the import: the dry run, which shows every row and writes nothing."""
    name = "kunder.csv" if file_format == CSV else "kunder.xlsx"
    return client.post(
        admin_url(Customer, "import"),
        {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"},
    )


def confirm(client, dry_run_response):
    """The second step: the button under the preview that imports for real."""
    form = dry_run_response.context["confirm_form"]
    return client.post(admin_url(Customer, "process_import"), {name: form.initial.get(name) for name in form.fields})


def ids(rows) -> set[str]:
    return {str(row["id"]) for row in rows}


# --- Export ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_the_customer_export_has_readable_columns(admin_client_logged_in, file_format):
    customer = CustomerFactory(
        name="Mette Holm",
        email="mette@example.dk",
        phone="+4520112233",
        tags=["vip", "erhverv"],
        total_revenue=Decimal("12345.50"),
        last_contact_at=datetime(2025, 7, 1, 8, 30, tzinfo=UTC),
    )

    [row] = export(admin_client_logged_in, Customer, file_format=file_format)

    assert row["id"] == str(customer.pk)
    assert (row["name"], row["email"], row["phone"]) == ("Mette Holm", "mette@example.dk", "+4520112233")
    assert row["status"] == "Active"
    assert row["tags"] == "erhverv, vip"
    if file_format == CSV:
        assert row["revenue"] == "12345.50", "money as a plain decimal, whatever the language"
        assert row["last contact"] == "2025-07-01 10:30", "Copenhagen summer time"
    else:
        assert Decimal(str(row["revenue"])) == Decimal("12345.50")
        assert row["last contact"].strftime("%Y-%m-%d %H:%M") == "2025-07-01 10:30", "a wall time: Excel has no zones"


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_the_export_holds_exactly_the_filtered_and_searched_customers(admin_client_logged_in, file_format):
    wanted = CustomerFactory(name="Holm ApS", status=Customer.Status.BLOCKED)
    CustomerFactory(name="Holm og Søn", status=Customer.Status.ACTIVE)  # found by the search, not by the filter
    CustomerFactory(name="Berg", status=Customer.Status.BLOCKED)  # in the filter, not found by the search

    filtered = export(admin_client_logged_in, Customer, {"status__exact": "blocked", "q": "Holm"}, file_format)
    everyone = export(admin_client_logged_in, Customer, file_format=file_format)

    assert ids(filtered) == {str(wanted.pk)}
    assert len(everyone) == 3


def _lead(wanted: bool) -> Lead:
    return LeadFactory(status=Lead.Status.CONTACTED if wanted else Lead.Status.NEW)


def _booking(wanted: bool) -> Booking:
    return BookingFactory(status=Booking.Status.COMPLETED if wanted else Booking.Status.SCHEDULED)


def _invoice(wanted: bool) -> Invoice:
    if wanted:
        return InvoiceFactory(status=Invoice.Status.PAID, invoice_number=f"2025-{uuid.uuid4().hex[:8]}")
    return InvoiceFactory(status=Invoice.Status.DRAFT)


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
@pytest.mark.parametrize(
    ("model", "make", "status"),
    [(Lead, _lead, "contacted"), (Booking, _booking, "completed"), (Invoice, _invoice, "paid")],
    ids=["leads", "bookings", "invoices"],
)
def test_leads_bookings_and_invoices_export_exactly_the_filtered_rows(
    admin_client_logged_in, model, make, status, file_format
):
    wanted = [make(True), make(True)]
    make(False)

    rows = export(admin_client_logged_in, model, {"status__exact": status}, file_format)

    assert ids(rows) == {str(obj.pk) for obj in wanted}
    assert {row["status"] for row in rows} == {str(model.Status(status).label)}
    assert len(export(admin_client_logged_in, model, file_format=file_format)) == 3


def test_a_booking_export_gives_the_start_in_copenhagen_and_money_as_plain_decimals(admin_client_logged_in):
    booking = BookingFactory(booking_date=datetime(2025, 1, 15, 8, 0, tzinfo=UTC), total_amount=Decimal("1221.50"))

    [row] = export(admin_client_logged_in, Booking)

    assert row["start"] == "2025-01-15 09:00", "Copenhagen winter time"
    assert row["total incl. VAT"] == "1221.50"
    assert row["lead id"] == str(booking.lead_id)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Customer, lambda: CustomerFactory(tags=["vip"])),
        (Lead, LeadFactory),
        (Booking, BookingFactory),
        (Invoice, lambda: InvoiceFactory(credited_invoice=_invoice(True))),
    ],
    ids=["customers", "leads", "bookings", "invoices"],
)
def test_a_long_export_costs_no_more_queries_than_a_short_one(
    admin_client_logged_in, django_assert_max_num_queries, model, make
):
    make()
    url = admin_url(model, "export")
    form = admin_client_logged_in.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    data.update({"format": CSV, "resource": "0"})
    with django_assert_max_num_queries(50) as short:
        admin_client_logged_in.post(url, data)
    for _ in range(5):
        make()

    with django_assert_max_num_queries(len(short.captured_queries)):
        response = admin_client_logged_in.post(url, data)

    assert len(read_rows(response.content, CSV)) == model.objects.count()


def test_invoices_leads_and_bookings_cannot_be_imported(admin_client_logged_in):
    for model in (Invoice, Lead, Booking):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import")
    page = admin_client_logged_in.get(admin_url(Invoice, "changelist")).content.decode()
    assert "/export/" in page
    assert "/import/" not in page


# --- Import of customers --------------------------------------------------------------------------------------------

HEADER = {"id": "", "name": "", "email": "", "phone": "", "company": "", "address": "", "status": "", "tags": ""}


def row(**values) -> dict[str, object]:
    return {**HEADER, **values}


def test_the_dry_run_previews_every_row_and_writes_nothing(admin_client_logged_in):
    existing = CustomerFactory(name="Mette Holm", email="mette@example.dk", phone="+4520112233")
    content = to_csv(
        [
            row(name="Lars Berg", email="Lars@Example.dk", phone="21 22 23 24", tags="vip, erhverv"),
            row(name="Mette Holm", email="METTE@example.dk", phone="+4520112233", company="Holm ApS"),
        ]
    )

    response = upload(admin_client_logged_in, content)

    result = response.context["result"]
    assert not result.has_validation_errors() and not result.has_errors()
    assert [row.import_type for row in result.rows] == ["new", "update"]
    assert result.rows[1].object_id == existing.pk, "the email matches the customer in any case"
    assert "confirm_form" in response.context
    assert Customer.objects.count() == 1
    existing.refresh_from_db()
    assert existing.company_name == ""


def test_the_dry_run_shows_row_errors_for_a_bad_phone_a_taken_email_and_an_unknown_id(admin_client_logged_in):
    mette = CustomerFactory(name="Mette Holm", email="mette@example.dk")
    lars = CustomerFactory(name="Lars Berg", email="lars@example.dk")
    content = to_csv(
        [
            row(name="Anna Friis", email="anna@example.dk", phone="ring efter kl. 16"),
            row(id=str(lars.pk), name="Lars Berg", email="Mette@example.dk"),
            row(id=str(uuid.uuid4()), name="Ukendt", email="ukendt@example.dk"),
            row(name="", email="ny@example.dk"),
            row(name="Ida", email="ida@example.dk", status="paused"),
        ]
    )

    response = upload(admin_client_logged_in, content)

    result = response.context["result"]
    errors = {invalid.number: invalid.error_dict for invalid in result.invalid_rows}
    assert set(errors) == {1, 2, 3, 4, 5}
    assert "ring efter kl. 16" in errors[1]["phone"][0]
    assert errors[2]["email"] == ["Mette Holm already has the email mette@example.dk."]
    assert "leave the id empty to add a new customer" in errors[3]["id"][0]
    assert errors[4]["name"] == ["This field cannot be blank."]
    assert errors[5]["status"] == ["“paused” is not one of: Active, Inactive, Blocked."]
    assert "confirm_form" not in response.context, "nothing can be imported until the file is corrected"
    assert Customer.objects.count() == 2
    lars.refresh_from_db()
    assert lars.email == "lars@example.dk"
    assert mette.email == "mette@example.dk"


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_a_confirmed_import_creates_and_updates_through_the_customer_rules(admin_client_logged_in, file_format):
    mette = CustomerFactory(name="Mette Holm", email="mette@example.dk", phone="+4520112233", tags=["fast"])
    rows = [
        row(name="Lars Berg", email=" Lars@Example.DK ", phone="21 22 23 24", tags="vip, erhverv, VIP"),
        row(id=str(mette.pk), name="Mette Holm", email="mette@example.dk", status="Blocked", tags="fast, vip"),
    ]
    content = to_csv(rows) if file_format == CSV else to_xlsx(rows)

    response = confirm(admin_client_logged_in, upload(admin_client_logged_in, content, file_format))

    assert response.status_code == 302
    assert messages_of(response) == [
        ("success", "Import finished: 1 new, 1 updated, 0 deleted and 0 skipped customers.")
    ]
    lars = Customer.objects.get(name="Lars Berg")
    assert (lars.email, lars.phone, lars.status) == ("lars@example.dk", "+4521222324", "active")
    assert sorted(lars.tags.names()) == ["erhverv", "vip"]
    mette.refresh_from_db()
    assert mette.status == Customer.Status.BLOCKED
    assert sorted(mette.tags.names()) == ["fast", "vip"]


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_importing_an_export_changes_nothing(admin_client_logged_in, file_format):
    CustomerFactory(name="Mette Holm", tags=["vip", "erhverv"], notes="Nøgle under måtten\nRing først")
    CustomerFactory(name="Holm ApS", email=None, company_name="Holm ApS", status=Customer.Status.BLOCKED)
    CustomerFactory(name="Lars Berg", phone="", total_revenue=Decimal("999.95"))
    before = {c.pk: (c.updated_at, sorted(c.tags.names())) for c in Customer.objects.all()}
    url = admin_url(Customer, "export")
    form = admin_client_logged_in.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    exported = admin_client_logged_in.post(url, {**data, "format": file_format, "resource": "0"}).content

    dry_run = upload(admin_client_logged_in, exported, file_format)
    response = confirm(admin_client_logged_in, dry_run)

    assert [row.import_type for row in dry_run.context["result"].rows] == ["skip"] * 3
    assert messages_of(response) == [
        ("success", "Import finished: 0 new, 0 updated, 0 deleted and 3 skipped customers.")
    ]
    assert {c.pk: (c.updated_at, sorted(c.tags.names())) for c in Customer.objects.all()} == before


def test_staff_without_the_change_permission_cannot_import(client):
    from django.contrib.auth.models import Permission

    reader = UserFactory(username="laeser", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(reader)

    assert client.get(admin_url(Customer, "import")).status_code == 403
    assert client.get(admin_url(Customer, "export")).status_code == 200
