"""BillyClient: Billy's REST API v2 (https://www.billy.dk/api/), with its HTTP and retry plumbing.

What Billy's API offers, and what is used (paths under https://api.billysbilling.com/v2, header X-Access-Token):
- GET /contacts/{id} finds the contact we stored. Contacts have no documented list filter, by email or otherwise
  (the seed's `GET /contacts?email=` is not one, and it took the first contact of the answer), so
  find_contact_by_email pages through GET /contacts with the contact persons embedded and compares emails here.
- POST /contacts {"contact": {..., "contactPersons": [{name, email, isPrimary}]}}: Billy emails invoices to a
  contact person, so the contact is created with one. The seed put the email on the contact, where Billy has none.
- POST /invoices {"invoice": {..., "taxMode": "incl", "externalId": <our reference>, "lines": [...]}}: unit prices
  include 25% moms; the rate comes from the product's sales tax ruleset (the seed sent a `vatRate` Billy does not
  have and prices without moms). `externalId` is a documented list filter of invoices: it is how
  find_invoice_by_reference finds an invoice whose creation timed out.
- PUT /invoices/{id} {"invoice": {"state": "approved"}} books the draft and gives it its number (invoiceNo).
- POST /invoices/{id}/emails {"email": {contactPersonId, emailSubject, emailBody}} is the documented way to email an
  invoice; the v2 docs have no /invoiceEmails resource.
- GET /invoices/{id}: isPaid, balance, sentState; the payments (balanceModifiers, embedded) give the paid date.

Retries: GET and PUT are repeated on timeouts, network errors, 408, 429 and 5xx, up to BILLY_MAX_ATTEMPTS tries with
exponential backoff and jitter, honouring Retry-After. A POST creates something and Billy has no idempotency key, so
it is repeated only when Billy cannot have acted on it: no connection was made, or 408/429/503. After a read
timeout or another 5xx it may have succeeded: BillyError(permanent=False) is raised at once, and the caller's next
try looks up (find_invoice_by_reference, find_contact_by_email, the invoice's sentState) before creating again.
Other 4xx answers are permanent, with Billy's errorMessage and validation errors in the text.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from django.conf import settings

from integrations.billy.data import (
    BillingContact,
    BillingInvoice,
    BillingLine,
    BillyError,
    CreatedInvoice,
    PaymentStatus,
)

DEFAULT_BASE_URL = "https://api.billysbilling.com/v2"

# Answers that mean Billy did not act on the request: safe to repeat even a POST.
_NOT_ACTED_ON = frozenset({408, 429, 503})
_BACKOFF_SECONDS = 0.5
# A Retry-After longer than this is left to the task's own retry instead of blocking a worker.
_MAX_WAIT_SECONDS = 30.0
_PAGE_SIZE = 1000  # Billy's maximum
# sentState values after which the customer has the invoice (the default is "unsent"; "printed" is not sent).
_SENT_STATES = frozenset({"sent", "opened", "viewed"})
_OERE = Decimal("0.01")
_BROKEN_REQUEST = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


class BillyClient:
    """Billy's API for one company: the one the access token belongs to."""

    available = True

    def __init__(
        self,
        *,
        api_key: str,
        organization_id: str = "",
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 15.0,
        max_attempts: int = 4,
        default_product_id: str = "",
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        """An empty `organization_id` is asked from Billy on first use; `session` and `sleep` are for tests."""
        if not api_key:
            raise BillyError("Billy needs BILLY_API_KEY", permanent=True)
        if timeout <= 0 or max_attempts < 1:
            raise BillyError(f"Billy needs a positive timeout and attempts ({timeout}, {max_attempts})", permanent=True)
        self.organization_id = organization_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.default_product_id = default_product_id
        self.session = session or requests.Session()
        self._headers = {"X-Access-Token": api_key, "Accept": "application/json"}
        self._sleep = sleep

    @classmethod
    def from_settings(cls) -> BillyClient:
        return cls(
            api_key=settings.BILLY_API_KEY,
            organization_id=settings.BILLY_ORGANIZATION_ID,
            base_url=settings.BILLY_BASE_URL,
            timeout=settings.BILLY_TIMEOUT_SECONDS,
            max_attempts=settings.BILLY_MAX_ATTEMPTS,
            default_product_id=settings.BILLY_DEFAULT_PRODUCT_ID,
        )

    def find_contact(self, contact_id: str) -> str | None:
        """The id of the contact we stored, or None when Billy has no such contact (any more)."""
        if not contact_id:
            return None
        answer = self._call("GET", f"/contacts/{_slug(contact_id)}", missing_ok=True)
        return str(_record(answer, "contact")["id"]) if answer else None

    def find_contact_by_email(self, email: str) -> str | None:
        """The contact with a contact person of this email (any case), a live one before an archived one."""
        wanted = email.strip().casefold()
        if not wanted:
            return None
        params = {"organizationId": self._organization(), "include": "contact.contactPersons:embed"}
        matches = [
            contact
            for contact in self._list("/contacts", "contacts", params)
            if any(str(person.get("email") or "").strip().casefold() == wanted for person in _persons(contact))
        ]
        matches.sort(key=lambda contact: bool(contact.get("isArchived")))
        return str(matches[0]["id"]) if matches else None

    def create_contact(self, contact: BillingContact) -> str:
        """A new customer contact in Denmark, with the email as its primary contact person; returns its id."""
        person = contact.name.strip() or contact.email.strip()
        if not person:
            raise BillyError("A Billy contact needs a name or an email", permanent=True)
        body = {
            "organizationId": self._organization(),
            "type": "company" if contact.is_company else "person",
            "name": (contact.company_name.strip() if contact.is_company else "") or person,
            "countryId": "DK",
            "street": contact.street,
            "zipcodeText": contact.zipcode,
            "cityText": contact.city,
            "phone": contact.phone,
            "isCustomer": True,
            "contactPersons": [{"name": person, "email": contact.email.strip(), "isPrimary": True}],
        }
        answer = self._call("POST", "/contacts", json={"contact": body})
        return str(_record(answer, "contact")["id"])

    def find_invoice_by_reference(self, reference: str, *, contact_id: str = "") -> CreatedInvoice | None:
        """The invoice created with this reference (our invoice id), a live one before a voided one. The match is
        also checked here, so a filter Billy ignored can never hand back another invoice."""
        if not reference:
            return None
        params = {"organizationId": self._organization(), "externalId": reference}
        if contact_id:
            params["contactId"] = contact_id
        found = [item for item in self._list("/invoices", "invoices", params) if item.get("externalId") == reference]
        found.sort(key=lambda item: item.get("state") == "voided")
        return _created(found[0]) if found else None

    def create_invoice(self, invoice: BillingInvoice) -> CreatedInvoice:
        """A draft invoice with prices incl. moms. Never repeated after a timeout: look it up by reference first."""
        if not invoice.lines:
            raise BillyError("An invoice needs at least one line", permanent=True)
        body = {
            "organizationId": self._organization(),
            "contactId": invoice.contact_id,
            "externalId": invoice.reference,
            "entryDate": invoice.entry_date.isoformat(),
            "paymentTermsMode": "net",
            "paymentTermsDays": invoice.payment_terms_days,
            "currencyId": invoice.currency,
            "taxMode": "incl",
            "state": "draft",
            "lines": [self._line(line) for line in invoice.lines],
        }
        return _created(_record(self._call("POST", "/invoices", json={"invoice": body}), "invoice"))

    def approve_invoice(self, invoice_id: str) -> CreatedInvoice:
        """Book the draft; the answer carries its invoice number. An invoice already approved is simply returned."""
        try:
            answer = self._call("PUT", f"/invoices/{_slug(invoice_id)}", json={"invoice": {"state": "approved"}})
        except BillyError as exc:
            # A PUT that got through before a timeout left it approved, and Billy refuses to approve it again.
            current = self._invoice(invoice_id) if exc.permanent else {}
            if current.get("state") != "approved":
                raise
            return _created(current)
        approved = _created(_record(answer, "invoice", invoice_id))
        return approved if approved.invoice_no else _created(self._invoice(invoice_id))

    def email_invoice(self, invoice_id: str, *, contact_id: str, email_subject: str, email_body: str) -> bool:
        """Email the invoice to the contact's primary contact person. False when Billy has it as sent already (an
        earlier try got through), so a retry does not send it twice."""
        invoice = self._invoice(invoice_id)
        if invoice.get("sentState") in _SENT_STATES:
            return False
        email = {
            "contactPersonId": self._person_to_email(contact_id or str(invoice.get("contactId") or "")),
            "emailSubject": email_subject,
            "emailBody": email_body,
        }
        self._call("POST", f"/invoices/{_slug(invoice_id)}/emails", json={"email": email})
        return True

    def payment_status(self, invoice_id: str) -> PaymentStatus:
        """Whether the invoice is paid, what is still owed, and the date of the last payment when it is paid."""
        invoice = self._invoice(invoice_id, include="invoice.balanceModifiers:embed")
        is_paid = bool(invoice.get("isPaid"))
        payment_dates = [
            _date(item.get("entryDate")) for item in invoice.get("balanceModifiers") or [] if not item.get("isVoided")
        ]
        known = [day for day in payment_dates if day]
        return PaymentStatus(
            is_paid=is_paid,
            balance=Decimal(str(invoice.get("balance") or 0)),
            paid_date=max(known) if is_paid and known else None,
            voided=invoice.get("state") == "voided",
        )

    def _line(self, line: BillingLine) -> dict[str, Any]:
        product_id = line.product_id or self.default_product_id
        if not product_id:
            raise BillyError("A Billy invoice line needs a product: set BILLY_DEFAULT_PRODUCT_ID", permanent=True)
        return {
            "productId": product_id,
            "description": line.description,
            "quantity": float(line.quantity),
            # Rounded once, here, to øre; JSON has no decimals, and a 2-decimal float prints exactly.
            "unitPrice": float(line.unit_price.quantize(_OERE, rounding=ROUND_HALF_UP)),
        }

    def _invoice(self, invoice_id: str, *, include: str = "") -> dict[str, Any]:
        answer = self._call("GET", f"/invoices/{_slug(invoice_id)}", params={"include": include} if include else None)
        return _record(answer, "invoice")

    def _person_to_email(self, contact_id: str) -> str:
        answer = self._call("GET", f"/contacts/{_slug(contact_id)}", params={"include": "contact.contactPersons:embed"})
        people = [person for person in _persons(_record(answer, "contact")) if person.get("email")]
        if not people:
            raise BillyError(f"Billy contact {contact_id} has no contact person with an email", permanent=True)
        people.sort(key=lambda person: not person.get("isPrimary"))
        return str(people[0]["id"])

    def _organization(self) -> str:
        if not self.organization_id:
            # A company's access token knows its company.
            self.organization_id = str(_record(self._call("GET", "/organization"), "organization")["id"])
        return self.organization_id

    def _list(self, path: str, root: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            answer = self._call("GET", path, params={**params, "page": str(page), "pageSize": str(_PAGE_SIZE)})
            yield from answer.get(root) or []
            paging = (answer.get("meta") or {}).get("paging") or {}
            if page >= int(paging.get("pageCount") or 1):
                return
            page += 1

    def _call(self, method: str, path: str, *, params: Any = None, json: Any = None, missing_ok: bool = False) -> Any:
        """One request with the retries described at the top. Returns the JSON object (None for a tolerated 404)."""
        repeatable = method != "POST"
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                response = self.session.request(
                    method, self.base_url + path, params=params, json=json, headers=self._headers, timeout=self.timeout
                )
            except _BROKEN_REQUEST as exc:
                raise BillyError(f"The request to Billy is malformed: {exc!r}", permanent=True) from exc
            except requests.exceptions.RequestException as exc:
                if last or not (repeatable or _never_sent(exc)):
                    raise BillyError(_network_failure(method, path, exc, repeatable), permanent=False) from exc
                self._sleep(_backoff(attempt))
                continue
            status = response.status_code
            if status == 404 and missing_ok:
                return None
            if status < 400:
                return _json(response, method, path)
            retry = status in _NOT_ACTED_ON or (repeatable and status >= 500)
            wait = _retry_after(response) or _backoff(attempt)
            if last or not retry or wait > _MAX_WAIT_SECONDS:
                transient = retry or status >= 500
                raise BillyError(_billy_failure(method, path, response), permanent=not transient, status=status)
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _record(answer: Any, root: str, record_id: str | None = None) -> dict[str, Any]:
    """The record in an answer: GET has it under the singular root, create/update lists every changed record."""
    for record in answer.get(f"{root}s") or []:
        if record_id is None or record.get("id") == record_id:
            return record
    if isinstance(answer.get(root), dict):
        return answer[root]
    raise BillyError(f"Billy answered without the {root}", permanent=False)


def _created(invoice: dict[str, Any]) -> CreatedInvoice:
    number = invoice.get("invoiceNo")
    return CreatedInvoice(id=str(invoice["id"]), invoice_no=str(number or ""), state=str(invoice.get("state") or ""))


def _persons(contact: dict[str, Any]) -> list[dict[str, Any]]:
    return [person for person in contact.get("contactPersons") or [] if isinstance(person, dict)]


def _slug(record_id: str) -> str:
    return quote(str(record_id), safe="")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _json(response: requests.Response, method: str, path: str) -> dict[str, Any]:
    try:
        answer = response.json(parse_float=Decimal)  # money stays Decimal from the wire on
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise BillyError(f"Billy answered {method} {path} with something that is not a JSON object", permanent=False)
    return answer


def _never_sent(exc: requests.exceptions.RequestException) -> bool:
    """Whether the request never reached Billy: the connection was not made (refused, no DNS, connect timeout)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _backoff(attempt: int) -> float:
    delay = _BACKOFF_SECONDS * 2 ** (attempt - 1)
    return delay + random.uniform(0, delay)  # jitter: workers that failed together do not retry together


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _network_failure(method: str, path: str, exc: Exception, repeatable: bool) -> str:
    if repeatable or _never_sent(exc):
        return f"Calling Billy failed on the network ({method} {path}): {exc!r}"
    return f"Billy did not answer {method} {path}; it may have been carried out, so look it up before retrying: {exc!r}"


def _billy_failure(method: str, path: str, response: requests.Response) -> str:
    """Billy's own words: errorMessage (errorCode) and each validation error, else the start of the body."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        words = [str(answer.get("errorMessage") or answer.get("message") or "")]
        if answer.get("errorCode"):
            words.append(f"({answer['errorCode']})")
        details = _validation_messages(answer.get("validationErrors") or answer.get("errors"))
        text = " ".join(word for word in words if word) + ("; " + "; ".join(details) if details else "")
    else:
        text = response.text[:300]
    return f"Billy answered {response.status_code} to {method} {path}: {text.strip() or response.reason}"


def _validation_messages(value: Any, field: str = "") -> list[str]:
    """Billy's validation errors, in whatever nesting (record -> attributes -> field -> errorMessage), as lines."""
    if isinstance(value, str):
        return [f"{field}: {value}" if field else value]
    if isinstance(value, list):
        return list(dict.fromkeys(line for item in value for line in _validation_messages(item, field)))
    if not isinstance(value, dict):
        return []
    lines: list[str] = []
    for key, item in value.items():
        if key in ("errorMessage", "message", "attributes", "errors"):
            lines += _validation_messages(item, field)
        elif key != "errorCode":
            lines += _validation_messages(item, key)
    return list(dict.fromkeys(lines))
