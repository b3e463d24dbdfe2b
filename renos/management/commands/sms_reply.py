"""Play a customer's SMS reply against the running server, signed the way Twilio signs it (for trying RenOS locally)."""

from __future__ import annotations

import uuid

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from twilio.request_validator import RequestValidator

from customers.phones import phone_to_e164
from integrations.sms import public_url


class Command(BaseCommand):
    help = "Post a signed SMS from PHONE with TEXT to /api/webhooks/twilio/sms/ at PUBLIC_BASE_URL, as Twilio would."

    def add_arguments(self, parser) -> None:
        parser.add_argument("phone", help="The customer's number, e.g. '31 22 44 55'.")
        parser.add_argument("text", help="What the customer writes, e.g. '2'.")

    def handle(self, *args, phone: str, text: str, **options) -> None:
        if not settings.TWILIO_AUTH_TOKEN:
            raise CommandError("TWILIO_AUTH_TOKEN is not set, so the webhook accepts no request (make run sets one).")
        try:
            sender = phone_to_e164(phone)
        except ValidationError as exc:
            raise CommandError(f"{phone!r} is not a phone number.") from exc
        url = public_url(reverse("twilio-sms"))
        params = {"From": sender, "To": "+4570000000", "Body": text, "MessageSid": f"SM{uuid.uuid4().hex}"}
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
        try:
            response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"The server at {url} did not answer: {exc}") from exc
        if response.status_code != 200:
            raise CommandError(f"The webhook answered {response.status_code}.")
        self.stdout.write(f"✅ SMS from {sender} delivered to {url}")
