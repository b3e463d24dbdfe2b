"""Values by shape, labels by meaning, service names and HTML to text: the pieces the lead parser is built from."""

from __future__ import annotations

import datetime

import pytest

from leads.parsing import fields
from leads.parsing.html_text import html_to_text
from leads.parsing.labels import DETAIL, IGNORED, Labels, key_of
from leads.parsing.services import for_business, service_code

NOV_16 = datetime.date(2026, 11, 16)


@pytest.mark.parametrize(
    "written",
    ["20 11 22 33", "2011 2233", "20112233", "+45 20 11 22 33", "+4520112233", "0045 20 11 22 33", "20-11-22-33",
     "20.11.22.33", "(+45) 20 11 22 33", "Tlf. 20 11 22 33 (efter kl. 16)"],
)  # fmt: skip
def test_danish_phone_numbers_in_every_common_form_become_e164(written):
    assert fields.phone(written) == "+4520112233"


@pytest.mark.parametrize(
    "text",
    ["12-11-2026 14:01 (135 sek)", "Tidspunkt: 12-11-2026 14:01", "12.11.2026", "2026-11-12", "kl. 14.01",
     "1 400,00 DKK", "8000 Aarhus C", "12345678901234", "10203040"],
)  # fmt: skip
def test_dates_times_amounts_and_invalid_numbers_are_not_phone_numbers(text):
    assert fields.phone(text) is None


def test_foreign_number_with_country_code_is_kept():
    assert fields.phone("+46 70 123 45 67") == "+46701234567"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mette.J@Example.DK", "mette.j@example.dk"),
        ("kontakt@leadmail.no, then mette@example.dk", "mette@example.dk"),
        ("system@leadpoint.dk", None),
        ("info@rendetalje.dk", None),
        ("kasper@rendetalje.dk", None),
        ("faktura@nettbureau.no", None),
        ("noreply@example.com", None),
        ("no-reply@example.com", None),
        ("MAILER-DAEMON@mx.example.com", None),
        ("kontakt@firma.dk", "kontakt@firma.dk"),
    ],
)
def test_email_is_lower_case_and_never_a_portal_rendetalje_or_system_address(text, expected):
    assert fields.email(text) == expected


@pytest.mark.parametrize(
    ("text", "bare", "expected"),
    [
        ("110 m²", False, 110),
        ("68 m2", False, 68),
        ("54m²", False, 54),
        ("ca. 160 kvm", False, 160),
        ("140 kvadratmeter", False, 140),
        ("80 sqm", False, 80),
        ("72,5 m²", False, 73),
        ("1.200 m2", False, 1200),
        ("Hovedrengøring af hus på 95 m²", False, 95),
        ("80", True, 80),
        ("ca. 120", True, 120),
        ("80", False, None),
        ("3 værelser", False, None),
        ("-", True, None),
    ],
)
def test_area_formats(text, bare, expected):
    assert fields.area(text, bare_number=bare) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Søvej 12, 8240 Risskov", ("Søvej 12", "8240", "Risskov")),
        ("Nørregade 4, 3. th, 8000 Aarhus C", ("Nørregade 4, 3. th", "8000", "Aarhus C")),
        ("Søvej 12 8240 Risskov", ("Søvej 12", "8240", "Risskov")),
        ("Søvej 12\n8240 Risskov", ("Søvej 12", "8240", "Risskov")),
        ("Industrivej 5, DK-8000 Aarhus C, Danmark", ("Industrivej 5", "8000", "Aarhus C")),
        ("Vestergade 20", ("Vestergade 20", None, None)),
    ],
)
def test_address_in_one_field_is_split_into_street_postal_code_and_town(text, expected):
    assert fields.split_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8200 Aarhus N", ("8200", "Aarhus N")), ("8000", ("8000", None)), ("DK-8240 Risskov", ("8240", "Risskov"))],
)
def test_postal_code_and_town_field(text, expected):
    assert fields.postal_town(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28. november", datetime.date(2026, 11, 28)),
        ("28. nov.", datetime.date(2026, 11, 28)),
        ("Torsdag d. 3. december 2026", datetime.date(2026, 12, 3)),
        ("1. januar", datetime.date(2027, 1, 1)),  # January has passed this year: the next one
        ("10. november", datetime.date(2027, 11, 10)),
        ("28/11", datetime.date(2026, 11, 28)),
        ("28-11-2026", datetime.date(2026, 11, 28)),
        ("28.11.26", datetime.date(2026, 11, 28)),
        ("2026-11-28", datetime.date(2026, 11, 28)),
        ("November 28", datetime.date(2026, 11, 28)),
        ("1 December", datetime.date(2026, 12, 1)),
        ("uge 49", datetime.date(2026, 11, 30)),
        ("Snarest muligt", None),
        ("31. februar", None),
        ("-", None),
    ],
)
def test_preferred_date_forms(text, expected):
    assert fields.preferred_date(fields.clean(text), today=NOV_16) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("peter sørensen", "Peter Sørensen"), ("  Mette   Jørgensen ", "Mette Jørgensen"),
     ("ANNE-MARIE HOLM", "Anne-Marie Holm"), ("peter SØRENSEN", "Peter Sørensen"),
     ("Mette Jørgensen", "Mette Jørgensen"), ("mette@example.dk", None), ("20 11 22 33", None)],
)  # fmt: skip
def test_names_are_tidied_and_never_an_address_or_a_number(text, expected):
    assert fields.name(text) == expected


@pytest.mark.parametrize("text", ["-", "–", "", "  ", "Ingen beskrivelse angivet.", "Ikke angivet", "N/A"])
def test_form_placeholders_mean_empty(text):
    assert fields.clean(text) is None


def test_clean_unescapes_html_entities():
    assert fields.clean("Østergade 5, 2. th&#x2F;tv") == "Østergade 5, 2. th/tv"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Fast rengøring", "fast"),
        ("Fast rengøringshjælp", "fast"),
        ("Rengøring hver 14. dag", "fast"),
        ("Weekly cleaning", "fast"),
        ("Hovedrengøring", "hoved"),
        ("Hovedrengøring af hus på 95 m²", "hoved"),
        ("hoved", "hoved"),
        ("Flytterengøring", "flytte"),
        ("Fraflytning", "flytte"),
        ("Move-out cleaning", "flytte"),
        ("Flytterengøring inkl. vinduespudsning", "flytte"),
        ("Erhvervsrengøring", "erhverv"),
        ("Kontorrengøring", "erhverv"),
        ("Office cleaning", "erhverv"),
        ("Vinduespudsning", "vinduer"),
        ("Rengøring efter håndværkere", "haandvaerker"),
        ("haandvaerker", "haandvaerker"),
        ("Byggerengøring", "haandvaerker"),
        ("Anden rengøring", "andet"),
        ("andet", "andet"),
        ("Trappevask", "andet"),
        ("", None),
    ],
)
def test_service_names_map_to_catalogue_codes(text, code):
    assert service_code(text) == code


def test_free_text_without_a_service_name_gives_no_service():
    assert service_code("Kunden har ringet og ønsker at blive ringet op.", fallback=None) is None


@pytest.mark.parametrize(
    ("code", "contact", "expected"),
    [
        ("fast", "Erhverv", "erhverv"),
        ("fast", "Privat", "fast"),
        ("flytte", "Erhverv", "flytte"),
        (None, "Erhverv", "erhverv"),
    ],
)
def test_business_contact_turns_regular_cleaning_into_business_cleaning(code, contact, expected):
    assert for_business(code, contact) == expected


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Navn", "name"), ("Name", "name"), ("Dit fulde navn", "name"), ("Kontaktperson", "contact_person"),
        ("Firmanavn", "company"), ("Company", "company"), ("E-mail", "email"), ("Email", "email"),
        ("E-mailadresse", "email"), ("Telefon", "phone"), ("Tlf.", "phone"), ("Mobilnummer", "phone"),
        ("Phone", "phone"), ("Nummer", "phone"), ("Adresse", "address"), ("Address", "address"),
        ("Postnr./By", "postal_town"), ("Postnr/By", "postal_town"), ("Zip/City", "postal_town"), ("By", "city"),
        ("Behov", "service"), ("Opgave", "service"), ("Opgavetype", "service"), ("Task", "service"),
        ("Hvor stort er området?", "area"), ("Størrelse", "area"), ("sqm", "area"), ("Antal m²", "area"),
        ("Ønsket dato", "date"), ("Besked", "notes"), ("Beskrivelse", "notes"), ("Message", "notes"),
        ("Type kontakt", "contact_type"), ("Modtaget", IGNORED), ("Domæne", IGNORED), ("Tidspunkt", IGNORED),
        ("CVR-nummer", IGNORED), ("Boligtype", DETAIL), ("Frekvens", DETAIL),
    ],
)  # fmt: skip
def test_labels_are_matched_by_meaning(label, key):
    assert key_of(label) == key


def test_label_lines_values_run_on_until_a_blank_line_or_a_signature():
    labels = Labels.read(
        "Navn: Lars Holm\nBesked: Vi vil gerne have\novn og køleskab med.\nMed venlig hilsen\nLeadpoint.dk\n\n"
        "Beskrivelse:\nFørste linje\nAnden linje\n\nKundeservice\n> Navn: Citeret Person"
    )
    assert labels.get("name") == "Lars Holm"
    assert [value for _, value in labels.all("notes")] == [
        "Vi vil gerne have\novn og køleskab med.",
        "Første linje\nAnden linje",
    ]


def test_a_label_alone_on_its_line_takes_the_next_line_as_its_value():
    labels = Labels.read("Navn: Mette Jørgensen\nTelefon\n20 11 22 33\nE-mail\nmette@example.dk\nKontaktoplysninger\n")
    assert labels.get("name") == "Mette Jørgensen"
    assert (labels.get("phone"), labels.get("email")) == ("20 11 22 33", "mette@example.dk")


def test_html_tables_become_label_value_lines_and_the_signature_stays_apart():
    text = html_to_text(
        "<html><head><style>td{color:red}</style></head><body><h2>Nyt lead</h2>"
        '<table cellpadding="4"><tr><td style="font-weight:bold">Navn:</td><td>Mette &amp; Ole</td></tr>'
        "<tr><th>Adresse</th><td>Søvej 12<br>8240 Risskov</td></tr></table>"
        "<p>Venlig hilsen<br>Nettbureau AS &middot; Leadmail.no</p><script>var x = 1;</script></body></html>"
    )
    assert text.split("\n") == [
        "Nyt lead",
        "",
        "Navn: Mette & Ole",
        "Adresse: Søvej 12",
        "8240 Risskov",
        "",
        "Venlig hilsen",
        "Nettbureau AS · Leadmail.no",
    ]


def test_layout_tables_around_the_data_table_do_not_glue_rows_together():
    text = html_to_text(
        "<table><tr><td><img src=logo.png></td><td>"
        "<table><tr><td>Navn</td><td>Mette</td></tr><tr><td>Telefon<td>20112233</tr></table>"
        "</td></tr></table><div>Footer</div>"
    )
    assert "Navn: Mette" in text.split("\n")
    assert "Telefon: 20112233" in text.split("\n")
    assert text.endswith("Footer")
