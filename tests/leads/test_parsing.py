"""Lead emails read by the rules: the shared samples, our own fixtures, encodings, classification and sources.

No test here touches the database: pytest-django refuses it without the db mark, so these tests also prove
that parsing never reads or writes the database.
"""

from __future__ import annotations

import datetime
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from leads.parsing import NotAnEmail, ParsedEmail, parse_email

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "emails"
FIXTURES = Path(__file__).resolve().parent / "emails"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.eml"))

LEADMAIL_TABLE = (
    "<h2>Nyt lead fra Rengøring.nu</h2><table>"
    "<tr><td>Behov</td><td>Flytterengøring</td></tr>"
    "<tr><td>Hvor stort er området?</td><td>68 m2</td></tr>"
    "<tr><td>Navn</td><td>Peter Sørensen</td></tr>"
    "<tr><td>E-mail</td><td>peter@example.dk</td></tr>"
    "<tr><td>Telefon</td><td>31 45 67 89</td></tr>"
    "<tr><td>Adresse</td><td>Nørregade 4, 3. th, 8000 Aarhus C</td></tr>"
    "</table><p>Venlig hilsen<br>Nettbureau AS</p>"
)
LEADPOINT_FORM = "Navn: Lars Holm\nTelefon: 40 50 60 70\nE-mail: lars.holm@example.dk\nOpgave: Hovedrengøring\n"
LEADMAIL = "Rengøring.nu <kontakt@leadmail.no>"
LEADPOINT = "Lars Holm <system@leadpoint.dk>"


def build(
    body: str,
    *,
    subtype: str = "plain",
    charset: str = "utf-8",
    cte: str = "8bit",
    sender: str = LEADMAIL,
    subject: str = "Peter Sørensen fra Rengøring.nu - Nettbureau AS",
    **headers: str,
) -> EmailMessage:
    """An email as a mail server hands it over, with the body in the given charset and transfer encoding."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = headers.pop("to", "info@rendetalje.dk")
    message["Subject"] = subject
    message["Date"] = headers.pop("date", "Mon, 16 Nov 2026 10:00:00 +0000")
    message["Message-ID"] = headers.pop("message_id", "<lead-1@mail.example>")
    for name, value in headers.items():
        message[name.replace("_", "-").title()] = value
    message.set_content(body, subtype=subtype, charset=charset, cte=cte)
    return message


def parse(message: EmailMessage | bytes) -> ParsedEmail:
    return parse_email(message if isinstance(message, bytes) else message.as_bytes())


# The shared samples: every field in each .json must match.


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_shared_sample_gives_the_fields_in_its_json(name):
    expected = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    parsed = parse_email((SAMPLES / f"{name}.eml").read_bytes())
    assert {key: getattr(parsed, key) for key in expected} == expected


def test_every_shared_sample_is_tested():
    assert len(SAMPLE_NAMES) >= 10
    assert all((SAMPLES / f"{name}.json").exists() for name in SAMPLE_NAMES)


# Our own fixtures, in the encodings and layouts the portals really use.

FIXTURE_EXPECTATIONS = {
    "leadmail-business-latin1-base64": {
        "is_lead": True,
        "source": "leadmail",
        "customer_name": "Birgitte Ærø",
        "company": "Østjysk Revision A/S",
        "customer_email": "birgitte@oestjyskrevision.dk",
        "customer_phone": "+4520112233",
        "address": "Åboulevarden 22, 2. sal",
        "postal_code": "8000",
        "city": "Aarhus C",
        "service_type": "erhverv",
        "area_m2": 160,
        "notes": "Hvor ofte vil du have rengøring?: 1 gang om ugen",
    },
    "leadpoint-english-latin1-qp": {
        "is_lead": True,
        "source": "leadpoint",
        "customer_name": "Emma Wilson",
        "customer_email": "emma.wilson@example.co.uk",
        "customer_phone": "+4531456789",
        "address": "Frederiks Allé 40, 1. tv",
        "postal_code": "8000",
        "city": "Aarhus C",
        "service_type": "flytte",
        "area_m2": 80,
        "preferred_date": datetime.date(2026, 12, 1),
        "notes": "We move out on the 30th. Key can be picked up at the café downstairs.",
    },
    "forwarded-leadmail-gmail": {
        "is_lead": True,
        "source": "leadmail",
        "customer_name": "Mette Jørgensen",
        "customer_email": "mette.j@example.dk",
        "customer_phone": "+4520112233",
        "address": "Søvej 12",
        "postal_code": "8240",
        "city": "Risskov",
        "service_type": "hoved",
        "area_m2": 54,
        "sender": "kasper@rendetalje.dk",
    },
    "leadpoint-duplicate": {
        "is_lead": True,
        "skip_reason": None,
        "source": "leadpoint",
        "customer_name": "Lars Holm",
        "customer_phone": "+4540506070",
        "address": "Vestergade 20",
        "postal_code": "8200",
        "city": "Aarhus N",
        "service_type": "fast",
        "notes": "Jeg skrev også i sidste uge.",
    },
}


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTATIONS))
def test_own_fixture_emails_give_their_fields(name):
    parsed = parse_email((FIXTURES / f"{name}.eml").read_bytes())
    expected = FIXTURE_EXPECTATIONS[name]
    assert {key: getattr(parsed, key) for key in expected} == expected


# Encodings: quoted-printable, base64, UTF-8 and ISO-8859-1, HTML and text.


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1"])
def test_html_lead_reads_the_same_in_every_transfer_encoding_and_charset(cte, charset):
    parsed = parse(build(LEADMAIL_TABLE, subtype="html", charset=charset, cte=cte))
    assert (parsed.customer_name, parsed.city, parsed.service_type) == ("Peter Sørensen", "Aarhus C", "flytte")
    assert (parsed.customer_phone, parsed.area_m2, parsed.address) == ("+4531456789", 68, "Nørregade 4, 3. th")


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_iso_8859_1_text_lead_keeps_its_danish_letters(cte):
    body = "Navn: Søren Ærbø\nTelefon: 20 11 22 33\nAdresse: Åvej 1, 8000 Aarhus C\nOpgave: Flytterengøring\n"
    parsed = parse(
        build(body, charset="iso-8859-1", cte=cte, sender=LEADPOINT, subject="Formular via Rengøring Aarhus")
    )
    assert (parsed.customer_name, parsed.address, parsed.service_type) == ("Søren Ærbø", "Åvej 1", "flytte")


def test_body_declared_latin1_but_written_in_utf8_is_read_as_utf8():
    raw = build(LEADPOINT_FORM, sender=LEADPOINT, subject="Formular via Rengøring Aarhus").as_bytes()
    raw = raw.replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    assert parse(raw).service_type == "hoved"
    assert "Hovedrengøring" in parse(raw).text_body


def test_body_declared_utf8_but_written_in_latin1_still_reads():
    raw = (
        "From: system@leadpoint.dk\nSubject: Formular via Rengøring Aarhus\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\nNavn: Søren Ås\nTelefon: 20112233\n"
    ).encode("iso-8859-1")
    assert parse(raw).customer_name == "Søren Ås"


def test_raw_8bit_utf8_subject_is_decoded():
    raw = "From: Kunde <kunde@example.dk>\nSubject: Spørgsmål om pris\n\nHej".encode()
    assert parse(raw).subject == "Spørgsmål om pris"


def test_html_part_is_used_when_the_plain_part_is_a_stub():
    message = build("Vis denne mail i en browser.", sender=LEADMAIL)
    message.add_alternative(LEADMAIL_TABLE, subtype="html")
    parsed = parse(message)
    assert (parsed.customer_name, parsed.customer_email) == ("Peter Sørensen", "peter@example.dk")
    assert "Navn: Peter Sørensen" in parsed.text_body


def test_html_escaped_values_are_unescaped():
    body = (
        "<table><tr><td>Navn:</td><td>Sofie Berg</td></tr><tr><td>Adresse:</td><td>Østergade 5, 2. th&#x2F;tv</td></tr>"
        "<tr><td>Postnr&#x2F;By:</td><td>8000 Aarhus C</td></tr></table>"
        "<h3>Beskrivelse:</h3><p>Ovn &amp;#x2F; køleskab &amp; altan</p>"
    )
    parsed = parse(
        build(body, subtype="html", sender="info@rendetalje.dk", subject="Ny forespørgsel: flytte - Sofie Berg")
    )
    assert parsed.address == "Østergade 5, 2. th/tv"
    assert parsed.postal_code == "8000"
    assert parsed.notes == "Ovn / køleskab & altan"


def test_broken_html_and_broken_headers_do_not_stop_the_lead():
    body = "<![bogus section]><table><tr><td>Navn</td><td>Peter Sørensen</td></tr></table><![endif]>"
    raw = build(body, subtype="html").as_bytes()
    raw = raw.replace(b"Subject: Peter", b"Subject: =?ut -8?q?Peter?= Peter").replace(b" 2026 ", b" 99999999999 ")
    parsed = parse(raw)
    assert (parsed.is_lead, parsed.customer_name, parsed.received_at) == (True, "Peter Sørensen", None)
    assert parsed.subject.startswith("=?ut -8?q?Peter?= Peter")


# Replies, own mail and the portals' business mail are not leads, with a reason.


@pytest.mark.parametrize(
    ("subject", "prefix"),
    [
        ("Re: Peter Sørensen fra Rengøring.nu - Nettbureau AS", "Re:"),
        ("RE: Tilbud på flytterengøring", "RE:"),
        ("SV: Tilbud på flytterengøring", "SV:"),
        ("Sv: Tilbud på flytterengøring", "Sv:"),
        ("Re: SV: Re: RE: Tilbud på flytterengøring", "Re:"),
        ("AW: Angebot", "AW:"),
    ],
)
def test_replies_are_not_leads_even_with_lead_details_in_them(subject, prefix):
    parsed = parse(build(LEADPOINT_FORM, sender="Lars Holm <lars.holm@example.dk>", subject=subject))
    assert parsed.is_lead is False
    assert parsed.skip_reason == f"reply: the subject starts with {prefix}"
    assert parsed.customer_email is None


def test_reply_from_the_portal_sender_is_not_a_lead_either():
    parsed = parse(build(LEADMAIL_TABLE, subtype="html", subject="Re: Peter Sørensen fra Rengøring.nu - Nettbureau AS"))
    assert parsed.is_lead is False
    assert parsed.skip_reason.startswith("reply:")


@pytest.mark.parametrize(
    ("subject", "to"),
    [
        ("Vi har modtaget din forespørgsel — Rendetalje", "sofie@example.dk"),
        ("Tilbud på flytterengøring", "peter@example.dk"),
        ("Ugeplan", "info@rendetalje.dk"),
    ],
)
def test_rendetaljes_own_outgoing_mail_is_not_a_lead(subject, to):
    parsed = parse(
        build(
            "Hej Sofie\n\nTak for din forespørgsel.\n", sender="Rendetalje <info@rendetalje.dk>", subject=subject, to=to
        )
    )
    assert parsed.is_lead is False
    assert parsed.skip_reason.startswith("own mail:")


@pytest.mark.parametrize(
    ("sender", "subject", "what"),
    [
        ("Nettbureau AS <kontakt@leadmail.no>", "Faktura 88231 fra Nettbureau AS", "an invoice"),
        ("Nettbureau AS <faktura@nettbureau.no>", "Invoice 4410", "an invoice"),
        ("Nettbureau AS <kontakt@leadmail.no>", "Din kontrakt med Nettbureau AS", "a contract"),
        ("Leadpoint <system@leadpoint.dk>", "Påmindelse: din profil mangler billeder", "a reminder"),
        ("Rengøring.nu <kontakt@leadmail.no>", "Nyhedsbrev fra Rengøring.nu", "a newsletter"),
        ("Leadpoint <system@leadpoint.dk>", "Nyt login på din konto", "a security alert"),
        ("Leadpoint <system@leadpoint.dk>", "Skift din adgangskode", "a security alert"),
    ],
)
def test_portal_business_mail_is_not_a_lead(sender, subject, what):
    parsed = parse(build("Hei!\n\nSe vedlagt.\n\nNettbureau AS\n", sender=sender, subject=subject))
    assert parsed.is_lead is False
    assert parsed.skip_reason.startswith(f"portal mail: {what}")


def test_portal_mail_without_a_customer_is_not_a_lead():
    parsed = parse(build("Husk at opdatere din profil.\n", sender=LEADPOINT, subject="Din profil hos Leadpoint"))
    assert parsed.is_lead is False
    assert parsed.skip_reason == "portal mail: no customer details in it"


def test_mail_from_anyone_else_is_not_a_lead():
    parsed = parse(build(LEADPOINT_FORM, sender="Stripe <no-reply@stripe.com>", subject="Your monthly summary"))
    assert parsed.is_lead is False
    assert parsed.skip_reason == "not a lead source: mail from no-reply@stripe.com"


def test_lead_shaped_email_without_any_way_to_reach_the_customer_is_not_a_lead():
    parsed = parse(
        build(
            "Opkald via Rengøring Aarhus\n\nTidspunkt: 12-11-2026 14:01 (135 sek)\n",
            sender="Rengøring Aarhus <system@leadpoint.dk>",
            subject="Opkald via Rengøring Aarhus",
        )
    )
    assert parsed.is_lead is False
    assert parsed.skip_reason.startswith("no customer:")


# Sources.


def test_leadpoint_duplicate_mark_keeps_it_a_lead():
    body = "Registreret som duplikat\n\n" + LEADPOINT_FORM
    parsed = parse(build(body, sender=LEADPOINT, subject="Formular via Rengøring Aarhus (Registreret som duplikat)"))
    assert (parsed.is_lead, parsed.source, parsed.customer_phone) == (True, "leadpoint", "+4540506070")


@pytest.mark.parametrize("kind", ["Formular", "Opkald", "Email"])
def test_each_leadpoint_subject_is_a_leadpoint_lead(kind):
    parsed = parse(
        build("Navn: Lars Holm\nTelefon: 40 50 60 70\n", sender=LEADPOINT, subject=f"{kind} via Rengøring Aarhus")
    )
    assert (parsed.is_lead, parsed.source) == (True, "leadpoint")


def test_leadpoint_call_gives_only_the_callers_number_never_the_call_time():
    body = "Opkald via Rengøring Aarhus\n\nTidspunkt: 12-11-2026 14:01 (135 sek)\nNummer: 20-11-22-33\n\nLeadpoint.dk\n"
    parsed = parse(build(body, sender="Rengøring Aarhus <system@leadpoint.dk>", subject="Opkald via Rengøring Aarhus"))
    assert parsed.customer_phone == "+4520112233"
    assert parsed.customer_name is None  # "Rengøring Aarhus" is the portal, not the caller
    assert (parsed.customer_email, parsed.service_type, parsed.preferred_date) == (None, None, None)


def test_leadpoint_sender_name_is_the_customers_name_when_the_body_has_none():
    parsed = parse(
        build("Nummer: 28 91 03 44\n", sender="Lars Holm <system@leadpoint.dk>", subject="Opkald via Rengøring Aarhus")
    )
    assert parsed.customer_name == "Lars Holm"
    assert "customer_name" not in parsed.labelled


def test_leadmail_name_comes_from_the_subject_when_the_body_has_none_tidied():
    body = "<table><tr><td>E-mail</td><td>peter@example.dk</td></tr></table>"
    parsed = parse(build(body, subtype="html", subject="  peter   SØRENSEN fra Rengøring.nu - Nettbureau AS"))
    assert (parsed.is_lead, parsed.source, parsed.customer_name) == (True, "leadmail", "Peter Sørensen")


def test_english_labels_are_read():
    body = (
        "Name: John Smith\nPhone: +45 20 11 22 33\nEmail: John@Example.com\nAddress: Skovvej 1\n"
        "Zip/City: 8240 Risskov\nTask: Window cleaning\nsqm: 80\nMessage: Ring after 16.\n"
    )
    parsed = parse(build(body, sender="John Smith <system@leadpoint.dk>", subject="Formular via Rengøring Aarhus"))
    assert (parsed.customer_name, parsed.customer_email, parsed.customer_phone) == (
        "John Smith",
        "john@example.com",
        "+4520112233",
    )
    assert (parsed.address, parsed.postal_code, parsed.city) == ("Skovvej 1", "8240", "Risskov")
    assert (parsed.service_type, parsed.area_m2, parsed.notes) == ("vinduer", 80, "Ring after 16.")


def test_business_lead_customer_is_the_contact_person_and_the_company_is_kept():
    body = (
        "Type kontakt: Erhverv\nNavn: Byg & Co ApS\nKontaktperson: Hanne Lund\nE-mail: hanne@byg.dk\n"
        "Behov: Fast rengøring\n"
    )
    parsed = parse(build(body, subject="Byg & Co ApS fra Rengøring.nu - Nettbureau AS"))
    assert (parsed.customer_name, parsed.company) == ("Hanne Lund", "Byg & Co ApS")
    assert parsed.service_type == "erhverv"  # a business's regular cleaning is business cleaning
    assert {"customer_name", "company"} <= parsed.labelled


# Rendetalje's own form.


def test_own_form_reply_to_is_the_customer():
    body = "<table><tr><td>Navn:</td><td>Sofie Berg</td></tr><tr><td>Email:</td><td>-</td></tr></table>"
    parsed = parse(
        build(
            body,
            subtype="html",
            sender="Rendetalje <info@rendetalje.dk>",
            subject="Ny forespørgsel: hoved - Sofie Berg",
            reply_to="Sofie Berg <Sofie@Example.dk>",
        )
    )
    assert (parsed.is_lead, parsed.source, parsed.customer_email) == (True, "booking_form", "sofie@example.dk")
    assert parsed.sender == "info@rendetalje.dk"
    assert "customer_email" in parsed.labelled


def test_own_form_type_code_and_name_come_from_the_subject_when_the_body_lacks_them():
    parsed = parse(
        build(
            "Telefon: 31 22 44 55\n",
            sender="info@rendetalje.dk",
            subject="Ny forespørgsel: flytte - Sofie Berg",
            reply_to="sofie@example.dk",
        )
    )
    assert (parsed.service_type, parsed.customer_name) == ("flytte", "Sofie Berg")
    assert not {"service_type", "customer_name"} & parsed.labelled


def test_own_form_empty_fields_and_no_description_leave_the_fields_empty():
    parsed = parse_email((SAMPLES / "own-form-empty-fields.eml").read_bytes())
    assert (parsed.customer_phone, parsed.address, parsed.area_m2, parsed.preferred_date, parsed.notes) == (None,) * 5
    assert parsed.labelled == {"customer_name", "customer_email", "service_type"}


def test_own_form_description_and_wished_date_are_read():
    parsed = parse_email((SAMPLES / "own-form-flytte.eml").read_bytes())
    assert parsed.preferred_date == datetime.date(2026, 11, 28)
    assert parsed.notes == "Ovn og køleskab skal med\n\nFrekvens: Engangsopgave"


# Forwards.


def test_staff_forward_inline_is_a_lead_of_the_original_source_with_the_customer_from_the_body():
    parsed = parse_email((FIXTURES / "forwarded-leadmail-gmail.eml").read_bytes())
    assert (parsed.is_lead, parsed.source) == (True, "leadmail")
    assert parsed.customer_email == "mette.j@example.dk"  # not kasper@rendetalje.dk, not kontakt@leadmail.no
    assert parsed.message_id == "<CAF=kasper.fwd.1@mail.gmail.com>"


def test_outlook_forward_with_danish_headers_is_read():
    body = (
        "Se nedenfor\n\n________________________________\nFra: Lars Holm <system@leadpoint.dk>\n"
        "Sendt: 16. november 2026 12:00\nTil: info@rendetalje.dk\nEmne: Formular via Rengøring Aarhus\n\n"
        + LEADPOINT_FORM
    )
    parsed = parse(build(body, sender="kim@rendetalje.dk", subject="VS: Formular via Rengøring Aarhus"))
    assert (parsed.is_lead, parsed.source, parsed.customer_name) == (True, "leadpoint", "Lars Holm")


def test_forward_with_the_original_attached_is_read():
    original = build(LEADPOINT_FORM, sender=LEADPOINT, subject="Formular via Rengøring Aarhus", message_id="<orig@x>")
    outer = build("Se vedhæftet", sender="kim@rendetalje.dk", subject="Fwd: Formular via Rengøring Aarhus")
    outer.add_attachment(original)
    parsed = parse(outer)
    assert (parsed.is_lead, parsed.source, parsed.customer_email) == (True, "leadpoint", "lars.holm@example.dk")


def test_staff_forward_with_an_edited_subject_is_still_read_as_a_forward():
    body = (
        "Til dig\n\n---------- Forwarded message ---------\nFrom: system@leadpoint.dk\n"
        "Subject: Formular via Rengøring Aarhus\n\n" + LEADPOINT_FORM
    )
    parsed = parse(build(body, sender="kim@rendetalje.dk", subject="Ny kunde til dig", to="info@rendetalje.dk"))
    assert (parsed.is_lead, parsed.source) == (True, "leadpoint")


def test_forwarded_reply_or_invoice_is_not_a_lead():
    body = (
        "---------- Forwarded message ---------\nFrom: kontakt@leadmail.no\n"
        "Subject: Faktura 88231 fra Nettbureau AS\n\nBeløp: 1 400,00 DKK\n"
    )
    parsed = parse(build(body, sender="kim@rendetalje.dk", subject="Fwd: Faktura 88231 fra Nettbureau AS"))
    assert parsed.is_lead is False
    assert parsed.skip_reason.startswith("forward: the forwarded message is not a lead (portal mail: an invoice")


def test_forward_without_a_forwarded_message_is_not_a_lead():
    parsed = parse(build("Kan I se på det her?\n", sender="kim@rendetalje.dk", subject="Fwd: tilbud"))
    assert (parsed.is_lead, parsed.skip_reason) == (False, "forward: no forwarded message in it")


# Values that must never become the customer's.


def test_portal_and_system_addresses_are_never_the_customer_email():
    body = "Svar ikke på denne mail (noreply@leadpoint.dk).\nSkriv til info@rendetalje.dk.\n\nKunden: Hanne@Example.dk"
    parsed = parse(build(body, sender=LEADPOINT, subject="Email via Rengøring Aarhus"))
    assert parsed.customer_email == "hanne@example.dk"


def test_cvr_number_and_received_time_are_not_phone_numbers():
    body = "Modtaget: 12-11-2026 14:01\nCVR: 31456789\nNavn: Hanne Lund\nE-mail: hanne@example.dk\n"
    parsed = parse(build(body))
    assert parsed.customer_phone is None


def test_phone_in_the_message_is_used_when_no_phone_label_is_given():
    body = "Navn: Hanne Lund\nBesked: Ring gerne på 20 11 22 33 efter kl. 16.00\n"
    parsed = parse(build(body, sender=LEADPOINT, subject="Formular via Rengøring Aarhus"))
    assert parsed.customer_phone == "+4520112233"
    assert "customer_phone" not in parsed.labelled


# The message metadata the ingest needs.


def test_metadata_for_threading_and_dedupe():
    parsed = parse(
        build(
            "Tak!",
            sender="Peter <Peter@Example.dk>",
            subject="Re: Tilbud",
            message_id="<reply-3@mail.example>",
            in_reply_to="<reply-2@mail.example>",
            references="<lead-1@mail.example> <reply-2@mail.example>",
        )
    )
    assert parsed.message_id == "<reply-3@mail.example>"
    assert parsed.thread_key == "<lead-1@mail.example>"
    assert parsed.in_reply_to == "<reply-2@mail.example>"
    assert parsed.sender == "peter@example.dk"
    assert parsed.received_at == datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)


def test_thread_key_falls_back_to_in_reply_to_then_to_the_own_message_id():
    answer = parse(build("Tak!", sender="peter@example.dk", subject="Re: x", in_reply_to="<lead-1@mail.example>"))
    lead = parse(build(LEADMAIL_TABLE, subtype="html"))
    assert answer.thread_key == "<lead-1@mail.example>"
    assert lead.thread_key == lead.message_id == "<lead-1@mail.example>"


def test_html_only_lead_has_a_readable_text_body_and_labelled_fields():
    parsed = parse(build(LEADMAIL_TABLE, subtype="html"))
    assert "<td>" not in parsed.text_body
    assert "Navn: Peter Sørensen" in parsed.text_body
    assert parsed.labelled == {
        "customer_name", "customer_email", "customer_phone", "address", "postal_code", "city", "service_type", "area_m2"
    }  # fmt: skip


def test_received_at_without_a_zone_is_utc_and_aware():
    parsed = parse(build("x", sender="a@example.dk", date="Mon, 16 Nov 2026 10:00:00 -0000"))
    assert parsed.received_at.utcoffset() == datetime.timedelta(0)


# Not an email at all.


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \n\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b'{"is_lead": true}\n',
        b"from __future__ import annotations\n\nprint('hi')\n",
        b"Just some words\nover two lines\n",
    ],
)
def test_bytes_that_are_not_an_email_raise_not_an_email(raw):
    with pytest.raises(NotAnEmail):
        parse_email(raw)
