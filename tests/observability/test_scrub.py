"""The safety net: email addresses and phone numbers are masked, ids, dates and amounts are not."""

from __future__ import annotations

import pytest

from renos.observability.scrub import scrub_text, scrub_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from kunde@example.dk", "from [email]"),
        ("Peter <p.sorensen+lead@mail.example.co.uk>", "Peter <[email]>"),
        ("ring 22650226", "ring [phone]"),
        ("ring 22 65 02 26 i dag", "ring [phone] i dag"),
        ("SMS to +4531456789", "SMS to [phone]"),
        ("SMS to +45 3145 6789.", "SMS to [phone]."),
        ("call 004531456789", "call [phone]"),
        ("Telefon:40506070", "Telefon:[phone]"),
        (
            "GET /leads/?email=kunde%40example.dk&tel=%2B4531456789 HTTP/1.1",
            "GET /leads/?email=[email]&tel=[phone] HTTP/1.1",
        ),
    ],
)
def test_email_addresses_and_phone_numbers_are_masked(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lead 550e8400-e29b-41d4-a716-446655440000",
        "Gmail message 18c2f3a4b5d6e7f8",
        "SMS SM0123456789abcdef0123456789abcdef",
        "succeeded in 0.3579079539995291s",
        "booked for 2026-03-14 08:00:00+00:00",
        "invoice 1001 of 4362.50 DKK",
        "history 1234567",
        "card 1234567890123456",
    ],
)
def test_ids_amounts_and_dates_are_left_alone(text):
    assert scrub_text(text) == text


def test_nested_values_are_scrubbed_as_copies():
    original = {"args": ["kunde@example.dk", 7], "kwargs": {"to": ("22650226",)}}

    assert scrub_value(original) == {"args": ["[email]", 7], "kwargs": {"to": ("[phone]",)}}
    assert original["args"][0] == "kunde@example.dk"
