"""`manage.py parse_email PATH [--json]`: what staff and scripts see, and that it never writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from leads.management.commands.parse_email import Command
from leads.models import Activity, Lead

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "emails"
ROOT = Path(__file__).resolve().parents[2]
KEYS = [
    "is_lead", "skip_reason", "source", "customer_name", "customer_email", "customer_phone", "address", "postal_code",
    "city", "service_type", "area_m2", "company", "preferred_date", "notes", "estimated_hours", "estimated_price",
]  # fmt: skip


def run_json(path: Path) -> dict:
    out = StringIO()
    call_command("parse_email", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command as the shell runs it (errors become exit codes), in this process."""
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "parse_email", *args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.mark.django_db
def test_json_has_exactly_the_keys_in_order_with_numbers_as_numbers_and_the_price_as_a_string():
    result = run_json(SAMPLES / "leadmail-fast.eml")
    assert list(result) == KEYS
    assert result["area_m2"] == 110
    assert result["estimated_hours"] == 3.5  # 110 m² ÷ 35 m² per hour, rounded up to the half hour
    assert result["estimated_price"] == "1221.50"  # 3.5 × 349 incl. moms
    assert (result["is_lead"], result["skip_reason"], result["customer_phone"]) == (True, None, "+4520112233")


@pytest.mark.django_db
def test_json_dates_are_iso_and_unknown_values_null():
    result = run_json(SAMPLES / "own-form-flytte.eml")
    assert result["preferred_date"] == "2026-11-28"
    assert (result["estimated_hours"], result["estimated_price"]) == (9, "3141.00")
    call = run_json(SAMPLES / "leadpoint-call.eml")
    assert (call["service_type"], call["estimated_hours"], call["estimated_price"], call["company"]) == (None,) * 4


@pytest.mark.django_db
def test_without_an_area_the_estimate_is_the_services_default():
    result = run_json(SAMPLES / "own-form-empty-fields.eml")
    assert (result["service_type"], result["area_m2"]) == ("andet", None)
    assert (result["estimated_hours"], result["estimated_price"]) == (3, "1047.00")


@pytest.mark.django_db
def test_json_for_a_non_lead_says_why_and_has_no_estimate():
    result = run_json(SAMPLES / "reply-in-lead-thread.eml")
    assert list(result) == KEYS
    assert (result["is_lead"], result["skip_reason"]) == (False, "reply: the subject starts with Re:")
    assert (result["estimated_hours"], result["estimated_price"]) == (None, None)


@pytest.mark.django_db
def test_human_output_is_an_aligned_label_value_listing(capsys):
    call_command("parse_email", str(SAMPLES / "leadmail-fast.eml"))
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    value_columns = {re.match(r"^(?:[^\s:][^:]*:)?\s+", line).end() for line in lines}
    assert value_columns == {17}  # every value, and every continuation line of the notes, starts in one column
    assert "Name:            Mette Jørgensen" in lines
    assert "Estimated hours: 3.5" in lines
    assert "Estimated price: 1221.50 DKK incl. moms" in lines
    assert "Lead:            yes" in lines
    assert "Company:         -" in lines


@pytest.mark.django_db
def test_parsing_writes_nothing_to_the_database():
    with CaptureQueriesContext(connection) as queries:
        for path in sorted(SAMPLES.glob("*.eml")):
            run_json(path)
    assert queries.captured_queries  # the estimate did read the catalogue
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)
    assert (Lead.objects.count(), Customer.objects.count(), Activity.objects.count()) == (0, 0, 0)


def test_a_file_that_is_not_an_email_is_one_line_on_stderr_and_exit_1(capsys, tmp_path):
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    code, out, err = run_cli(capsys, str(picture), "--json")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"Error: {picture} is not an email")


def test_a_text_file_without_mail_headers_is_refused(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Husk at ringe til Mette i morgen.\n")
    code, _, err = run_cli(capsys, str(notes))
    assert (code, err) == (
        1,
        f"Error: {notes} is not an email: no mail headers (From, To, Subject, Date or Message-ID)\n",
    )


def test_a_missing_file_is_one_line_and_exit_1(capsys, tmp_path):
    code, out, err = run_cli(capsys, str(tmp_path / "nope.eml"))
    assert (code, out, err) == (1, "", f"Error: {tmp_path / 'nope.eml'}: no such file\n")


def test_the_real_command_line_exits_1_with_one_line(tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "manage.py", "parse_email", str(empty)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr == f"Error: {empty} is not an email: the file is empty\n"
    assert result.stdout == ""
