"""Billy: the real adapter against faked HTTP (`responses`), the local adapter, the choice by settings, the settings."""

from __future__ import annotations

import json
import socket
from datetime import date
from decimal import Decimal

import environ
import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured
from responses import matchers

from integrations.billy import (
    BillingContact,
    BillingInvoice,
    BillingLine,
    BillyClient,
    BillyError,
    CreatedInvoice,
    LocalBilling,
    PaymentStatus,
    get_billing,
)
from renos.settings_billy import billy_settings

API = "https://api.billysbilling.com/v2"
TOKEN = "billy-test-token-0123456789"
ORG = "org-rendetalje"
CONTACT = "contact-7"
PERSON = "person-3"
INVOICE = "inv-42"
REFERENCE = "0d6f3f9e-6f1c-4c1e-9a51-1f0e2d3c4b5a"
PERSONS_EMBEDDED = "contact.contactPersons:embed"

SØREN = BillingContact(
    name="Søren Ærø",
    email="soeren@example.dk",
    phone="+4520112233",
    street="Strandvejen 12",
    zipcode="8000",
    city="Aarhus C",
)
INVOICE_IN = BillingInvoice(
    reference=REFERENCE,
    contact_id=CONTACT,
    entry_date=date(2025, 3, 14),
    payment_terms_days=14,
    lines=[
        BillingLine("Hovedrengøring, 3,5 timer", Decimal("3.5"), Decimal("436.25"), product_id="prod-main"),
        BillingLine("Kørsel", Decimal("1"), Decimal("99.995")),  # no product of its own: the default product
    ],
)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def billy(sleeps):
    return BillyClient(
        api_key=TOKEN,
        organization_id=ORG,
        base_url=API,
        timeout=7.5,
        max_attempts=3,
        default_product_id="prod-default",
        sleep=sleeps.append,
    )


@pytest.fixture
def http():
    with responses.RequestsMock() as mock:  # every registered answer must be asked for
        yield mock


def sent(call) -> dict:
    return json.loads(call.request.body)


def invoice_record(**fields) -> dict:
    return {"id": INVOICE, "invoiceNo": None, "state": "draft", "externalId": REFERENCE, **fields}


def contacts_query(page: int = 1) -> list:
    query = {"organizationId": ORG, "include": PERSONS_EMBEDDED, "page": str(page), "pageSize": "1000"}
    return [matchers.query_param_matcher(query)]


# Contacts


def test_the_stored_contact_is_found_by_its_id_with_token_and_timeout(billy, http):
    http.get(f"{API}/contacts/{CONTACT}", json={"contact": {"id": CONTACT, "name": "Søren Ærø"}})

    assert billy.find_contact(CONTACT) == CONTACT
    request = http.calls[0].request
    assert request.headers["X-Access-Token"] == TOKEN
    assert request.req_kwargs["timeout"] == 7.5


def test_a_contact_deleted_in_billy_is_not_found(billy, http):
    http.get(f"{API}/contacts/{CONTACT}", status=404, json={"errorMessage": "Not found"})

    assert billy.find_contact(CONTACT) is None


def test_a_contact_is_found_by_the_email_of_its_contact_person_on_any_page(billy, http):
    other = {"id": "contact-1", "contactPersons": [{"id": "p1", "email": "anden@example.dk"}]}
    archived = {"id": "contact-old", "isArchived": True, "contactPersons": [{"id": "p2", "email": "soeren@example.dk"}]}
    live = {"id": CONTACT, "isArchived": False, "contactPersons": [{"id": PERSON, "email": " Soeren@Example.DK "}]}
    paging = {"page": 1, "pageCount": 2, "pageSize": 1000, "total": 1003}
    http.get(f"{API}/contacts", json={"meta": {"paging": paging}, "contacts": [other]}, match=contacts_query(1))
    http.get(f"{API}/contacts", json={"contacts": [archived, live]}, match=contacts_query(2))

    assert billy.find_contact_by_email("SOEREN@example.dk") == CONTACT


def test_no_contact_with_the_email_means_none(billy, http):
    http.get(f"{API}/contacts", json={"contacts": [{"id": "contact-1", "contactPersons": []}]}, match=contacts_query())

    assert billy.find_contact_by_email(SØREN.email) is None


def test_a_person_is_created_with_the_email_as_primary_contact_person(billy, http):
    http.post(f"{API}/contacts", json={"contacts": [{"id": CONTACT}], "contactPersons": [{"id": PERSON}]})

    assert billy.create_contact(SØREN) == CONTACT
    assert sent(http.calls[0]) == {
        "contact": {
            "organizationId": ORG,
            "type": "person",
            "name": "Søren Ærø",
            "countryId": "DK",
            "street": "Strandvejen 12",
            "zipcodeText": "8000",
            "cityText": "Aarhus C",
            "phone": "+4520112233",
            "isCustomer": True,
            "contactPersons": [{"name": "Søren Ærø", "email": "soeren@example.dk", "isPrimary": True}],
        }
    }


def test_a_company_is_created_under_its_company_name_with_the_person_as_contact(billy, http):
    http.post(f"{API}/contacts", json={"contacts": [{"id": CONTACT}]})
    company = BillingContact(name="Mette Holm", email="bogholderi@firma.dk", company_name="Firma ApS", is_company=True)

    billy.create_contact(company)

    body = sent(http.calls[0])["contact"]
    assert (body["type"], body["name"]) == ("company", "Firma ApS")
    assert body["contactPersons"] == [{"name": "Mette Holm", "email": "bogholderi@firma.dk", "isPrimary": True}]


def test_without_an_organization_id_billy_is_asked_for_it_once(sleeps, http):
    billy = BillyClient(api_key=TOKEN, base_url=API, sleep=sleeps.append)
    http.get(f"{API}/organization", json={"organization": {"id": "org-from-token"}})
    http.post(f"{API}/contacts", json={"contacts": [{"id": "c1"}]})
    http.post(f"{API}/contacts", json={"contacts": [{"id": "c2"}]})

    billy.create_contact(SØREN)
    billy.create_contact(SØREN)

    assert [sent(call)["contact"]["organizationId"] for call in http.calls[1:]] == ["org-from-token"] * 2


# Invoices


def test_an_invoice_is_created_incl_moms_in_dkk_then_approved_and_emailed(billy, http):
    http.post(f"{API}/invoices", json={"invoices": [invoice_record()], "invoiceLines": [{"id": "l1"}, {"id": "l2"}]})
    http.put(f"{API}/invoices/{INVOICE}", json={"invoices": [invoice_record(state="approved", invoiceNo=1042)]})
    http.get(f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(state="approved", sentState="unsent")})
    persons = [
        {"id": "person-old", "email": "gammel@example.dk", "isPrimary": False},
        {"id": PERSON, "email": "soeren@example.dk", "isPrimary": True},
    ]
    http.get(
        f"{API}/contacts/{CONTACT}",
        json={"contact": {"id": CONTACT, "contactPersons": persons}},
        match=[matchers.query_param_matcher({"include": PERSONS_EMBEDDED})],
    )
    http.post(f"{API}/invoices/{INVOICE}/emails", json={})

    created = billy.create_invoice(INVOICE_IN)
    approved = billy.approve_invoice(created.id)
    emailed = billy.email_invoice(
        approved.id, contact_id=CONTACT, email_subject="Faktura 1042 fra Rendetalje", email_body="Hej Søren ..."
    )

    assert created == CreatedInvoice(id=INVOICE, invoice_no="", state="draft")
    assert approved == CreatedInvoice(id=INVOICE, invoice_no="1042", state="approved")
    assert emailed is True
    create, approve, _, _, email = http.calls
    assert create.request.headers["X-Access-Token"] == TOKEN
    assert sent(create) == {
        "invoice": {
            "organizationId": ORG,
            "contactId": CONTACT,
            "externalId": REFERENCE,
            "entryDate": "2025-03-14",
            "paymentTermsMode": "net",
            "paymentTermsDays": 14,
            "currencyId": "DKK",
            "taxMode": "incl",
            "state": "draft",
            "lines": [
                {
                    "productId": "prod-main",
                    "description": "Hovedrengøring, 3,5 timer",
                    "quantity": 3.5,
                    "unitPrice": 436.25,
                },
                {"productId": "prod-default", "description": "Kørsel", "quantity": 1.0, "unitPrice": 100.0},
            ],
        }
    }
    assert sent(approve) == {"invoice": {"state": "approved"}}
    assert sent(email) == {
        "email": {
            "contactPersonId": PERSON,
            "emailSubject": "Faktura 1042 fra Rendetalje",
            "emailBody": "Hej Søren ...",
        }
    }


def test_an_invoice_billy_has_as_sent_is_not_emailed_again(billy, http):
    http.get(f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(state="approved", sentState="sent")})

    assert billy.email_invoice(INVOICE, contact_id=CONTACT, email_subject="Faktura", email_body="Hej") is False
    assert len(http.calls) == 1  # no POST /emails


def test_an_invoice_approved_by_an_earlier_try_is_returned_not_refused(billy, http):
    http.put(f"{API}/invoices/{INVOICE}", status=422, json={"errorMessage": "The invoice is already approved."})
    http.get(f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(state="approved", invoiceNo=1042)})

    assert billy.approve_invoice(INVOICE) == CreatedInvoice(id=INVOICE, invoice_no="1042", state="approved")


def test_a_line_without_any_product_is_refused_before_calling_billy(sleeps):
    billy = BillyClient(api_key=TOKEN, organization_id=ORG, base_url=API, sleep=sleeps.append)
    invoice = BillingInvoice(
        REFERENCE, CONTACT, date(2025, 3, 14), 14, [BillingLine("Rengøring", Decimal(2), Decimal(500))]
    )

    with pytest.raises(BillyError, match="BILLY_DEFAULT_PRODUCT_ID") as error:
        billy.create_invoice(invoice)
    assert error.value.permanent


def test_a_read_timeout_on_creating_an_invoice_is_not_repeated_and_the_lookup_finds_it(billy, sleeps, http):
    lookup = [
        matchers.query_param_matcher(
            {"organizationId": ORG, "externalId": REFERENCE, "contactId": CONTACT}, strict_match=False
        )
    ]
    http.get(f"{API}/invoices", json={"invoices": []}, match=lookup)
    http.post(f"{API}/invoices", body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=7.5)"))
    # Billy made it after all. The second invoice shows a filter Billy ignored cannot hand back another invoice.
    someone_else = invoice_record(id="inv-other", externalId="another-reference")
    http.get(f"{API}/invoices", json={"invoices": [someone_else, invoice_record()]}, match=lookup)

    assert billy.find_invoice_by_reference(REFERENCE, contact_id=CONTACT) is None
    with pytest.raises(BillyError, match="look it up") as error:
        billy.create_invoice(INVOICE_IN)
    found = billy.find_invoice_by_reference(REFERENCE, contact_id=CONTACT)

    assert error.value.permanent is False
    assert [call.request.method for call in http.calls] == ["GET", "POST", "GET"]  # one POST: no duplicate
    assert sleeps == []
    assert found == CreatedInvoice(id=INVOICE, invoice_no="", state="draft")


# Retries and errors


def test_429_is_retried_after_the_time_billy_asks_for(billy, sleeps, http):
    http.get(f"{API}/invoices/{INVOICE}", status=429, headers={"Retry-After": "2"}, json={"errorMessage": "Slow down"})
    http.get(f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(isPaid=False, balance=1047.5)})

    status = billy.payment_status(INVOICE)

    assert len(http.calls) == 2
    assert sleeps == [2.0]
    assert status.balance == Decimal("1047.5")


def test_a_long_retry_after_is_left_to_the_task_instead_of_blocking_the_worker(billy, sleeps, http):
    http.get(
        f"{API}/invoices/{INVOICE}", status=429, headers={"Retry-After": "120"}, json={"errorMessage": "Slow down"}
    )

    with pytest.raises(BillyError, match="Slow down") as error:
        billy.payment_status(INVOICE)

    assert (error.value.permanent, error.value.status, len(http.calls), sleeps) == (False, 429, 1, [])


@pytest.mark.parametrize("status", [429, 503])
def test_a_post_billy_did_not_act_on_is_repeated(billy, http, status):
    http.post(f"{API}/invoices", status=status, json={"errorMessage": "Try again"})
    http.post(f"{API}/invoices", json={"invoices": [invoice_record()]})

    assert billy.create_invoice(INVOICE_IN).id == INVOICE
    assert len(http.calls) == 2


def test_a_500_on_a_post_is_not_repeated(billy, http):
    http.post(f"{API}/invoices", status=500, json={"errorMessage": "Internal error"})

    with pytest.raises(BillyError) as error:
        billy.create_invoice(INVOICE_IN)

    assert (error.value.permanent, error.value.status, len(http.calls)) == (False, 500, 1)


def test_500_until_the_attempts_run_out_is_a_transient_error_with_growing_backoff(billy, sleeps, http):
    for _ in range(3):
        http.get(f"{API}/invoices/{INVOICE}", status=500, body="<html>Internal Server Error</html>")

    with pytest.raises(BillyError, match="500") as error:
        billy.payment_status(INVOICE)

    assert (error.value.permanent, error.value.status) == (False, 500)
    assert len(http.calls) == 3  # exactly max_attempts
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0 <= sleeps[1] <= 2.0


def test_a_validation_error_is_permanent_and_carries_billys_words(billy, http):
    answer = {
        "errorCode": "VALIDATION_ERROR",
        "errorMessage": "Validation failed",
        "validationErrors": {"invoice": {"attributes": {"contactId": {"errorMessage": "Contact does not exist."}}}},
    }
    http.post(f"{API}/invoices", status=422, json=answer)

    with pytest.raises(BillyError) as error:
        billy.create_invoice(INVOICE_IN)

    assert (error.value.permanent, error.value.status, len(http.calls)) == (True, 422, 1)
    assert str(error.value) == (
        "Billy answered 422 to POST /invoices: Validation failed (VALIDATION_ERROR); contactId: Contact does not exist."
    )


def test_a_wrong_access_token_is_permanent(billy, http):
    http.get(f"{API}/contacts/{CONTACT}", status=401, json={"errorMessage": "Invalid access token"})

    with pytest.raises(BillyError, match="Invalid access token") as error:
        billy.find_contact(CONTACT)
    assert error.value.permanent


def test_a_get_that_times_out_is_repeated(billy, sleeps, http):
    http.get(f"{API}/contacts/{CONTACT}", body=requests.exceptions.ReadTimeout("Read timed out."))
    http.get(f"{API}/contacts/{CONTACT}", json={"contact": {"id": CONTACT}})

    assert billy.find_contact(CONTACT) == CONTACT
    assert len(sleeps) == 1


def test_a_post_that_never_reached_billy_is_repeated_until_the_attempts_run_out(sleeps):
    """A real refused connection (nothing listens on the port), so requests raises what it raises in production."""

    class CountingSession(requests.Session):
        calls = 0

        def request(self, *args, **kwargs):
            CountingSession.calls += 1
            return super().request(*args, **kwargs)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    billy = BillyClient(
        api_key=TOKEN,
        organization_id=ORG,
        base_url=f"http://127.0.0.1:{closed_port}/v2",
        timeout=2,
        max_attempts=3,
        session=CountingSession(),
        sleep=sleeps.append,
    )

    with pytest.raises(BillyError, match="failed on the network") as error:
        billy.create_contact(SØREN)

    assert error.value.permanent is False
    assert CountingSession.calls == 3
    assert len(sleeps) == 2


# Payments


def test_a_paid_invoice_has_no_balance_and_the_date_of_its_last_payment(billy, http):
    payments = [
        {"id": "m1", "entryDate": "2025-03-20", "amount": 500.0, "isVoided": False},
        {"id": "m2", "entryDate": "2025-03-27", "amount": 1000.0, "isVoided": True},  # a payment that was undone
        {"id": "m3", "entryDate": "2025-03-25", "amount": 1000.0, "isVoided": False},
    ]
    http.get(
        f"{API}/invoices/{INVOICE}",
        json={"invoice": invoice_record(state="approved", isPaid=True, balance=0.0, balanceModifiers=payments)},
        match=[matchers.query_param_matcher({"include": "invoice.balanceModifiers:embed"})],
    )

    assert billy.payment_status(INVOICE) == PaymentStatus(
        is_paid=True, balance=Decimal("0"), paid_date=date(2025, 3, 25), voided=False
    )


def test_an_unpaid_invoice_reports_what_is_owed(billy, http):
    http.get(
        f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(state="approved", isPaid=False, balance=1627.81)}
    )

    assert billy.payment_status(INVOICE) == PaymentStatus(is_paid=False, balance=Decimal("1627.81"), paid_date=None)


def test_a_voided_invoice_says_so(billy, http):
    http.get(
        f"{API}/invoices/{INVOICE}", json={"invoice": invoice_record(state="voided", isPaid=False, balance=1627.81)}
    )

    assert billy.payment_status(INVOICE).voided is True


# Local adapter, choice by settings, settings


def test_local_billing_keeps_everything_local_and_says_it_is_not_synced():
    local = LocalBilling.from_settings()

    assert local.available is False and BillyClient.available is True
    assert local.find_contact(CONTACT) is None
    assert local.find_contact_by_email(SØREN.email) is None
    assert local.create_contact(SØREN) == ""
    assert local.find_invoice_by_reference(REFERENCE) is None
    assert local.create_invoice(INVOICE_IN) == CreatedInvoice(id="", invoice_no="", state="local")
    assert local.approve_invoice("") == CreatedInvoice(id="", invoice_no="", state="local")
    assert local.email_invoice("", contact_id="", email_subject="Faktura", email_body="Hej") is False
    assert local.payment_status("") is None


@pytest.fixture
def billy_configured(settings):
    settings.BILLY_API_KEY = TOKEN
    settings.BILLY_ORGANIZATION_ID = ORG
    settings.BILLY_BASE_URL = API
    settings.BILLY_TIMEOUT_SECONDS = 9.0
    settings.BILLY_MAX_ATTEMPTS = 5
    settings.BILLY_DEFAULT_PRODUCT_ID = "prod-default"
    return settings


def test_get_billing_builds_billy_from_settings(billy_configured):
    billy_configured.BILLING_BACKEND = "integrations.billy.BillyClient"

    billy = get_billing()

    assert isinstance(billy, BillyClient)
    assert (billy.organization_id, billy.base_url, billy.timeout, billy.max_attempts, billy.default_product_id) == (
        ORG,
        API,
        9.0,
        5,
        "prod-default",
    )


def test_get_billing_follows_billing_backend_and_defaults_by_the_key(billy_configured):
    billy_configured.BILLING_BACKEND = "integrations.billy.LocalBilling"
    assert isinstance(get_billing(), LocalBilling)

    billy_configured.BILLING_BACKEND = ""
    assert isinstance(get_billing(), BillyClient)

    billy_configured.BILLY_API_KEY = ""
    assert isinstance(get_billing(), LocalBilling)


def test_a_billing_backend_that_does_not_exist_is_a_permanent_error(settings):
    settings.BILLING_BACKEND = "integrations.billy.Nothing"

    with pytest.raises(BillyError, match="cannot be imported") as error:
        get_billing()
    assert error.value.permanent


def test_billy_without_a_key_is_a_permanent_error():
    with pytest.raises(BillyError, match="BILLY_API_KEY") as error:
        BillyClient(api_key="")
    assert error.value.permanent


BILLY_VARIABLES = [
    "BILLY_API_KEY",
    "BILLY_ORGANIZATION_ID",
    "BILLY_BASE_URL",
    "BILLY_TIMEOUT_SECONDS",
    "BILLY_MAX_ATTEMPTS",
    "BILLY_DEFAULT_PRODUCT_ID",
    "BILLING_BACKEND",
]


@pytest.fixture
def clean_env(monkeypatch):
    for name in BILLY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_settings_keep_invoices_local_without_a_key(clean_env):
    assert billy_settings(environ.Env()) == {
        "BILLY_API_KEY": "",
        "BILLY_ORGANIZATION_ID": "",
        "BILLY_BASE_URL": "https://api.billysbilling.com/v2",
        "BILLY_TIMEOUT_SECONDS": 15.0,
        "BILLY_MAX_ATTEMPTS": 4,
        "BILLY_DEFAULT_PRODUCT_ID": "",
        "BILLING_BACKEND": "integrations.billy.LocalBilling",
    }


def test_settings_choose_billy_with_a_key_and_empty_values_mean_the_default(clean_env):
    clean_env.setenv("BILLY_API_KEY", TOKEN)
    clean_env.setenv("BILLY_TIMEOUT_SECONDS", "")
    clean_env.setenv("BILLY_MAX_ATTEMPTS", " 6 ")
    clean_env.setenv("BILLING_BACKEND", "")

    values = billy_settings(environ.Env())

    assert values["BILLING_BACKEND"] == "integrations.billy.BillyClient"
    assert (values["BILLY_TIMEOUT_SECONDS"], values["BILLY_MAX_ATTEMPTS"]) == (15.0, 6)


@pytest.mark.parametrize(("name", "value"), [("BILLY_TIMEOUT_SECONDS", "soon"), ("BILLY_MAX_ATTEMPTS", "0")])
def test_settings_refuse_numbers_that_cannot_work(clean_env, name, value):
    clean_env.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        billy_settings(environ.Env())
