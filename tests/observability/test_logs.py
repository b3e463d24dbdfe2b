"""Log lines: JSON with the request id the response carries and the task id of the task, no personal data."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime

import pytest

from leads.models import Lead
from renos import pipeline
from renos.observability import context
from tests.conftest import SAMPLES_DIR, sample_email

logger = logging.getLogger("renos.tests.observability")


@pytest.fixture
def inbox(settings, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    settings.INBOX_BACKEND = "integrations.inbox.LocalFolderInbox"
    settings.INBOX_LOCAL_DIR = folder
    settings.INBOX_LOCAL_GRACE_SECONDS = 0
    return folder


@pytest.mark.django_db
def test_a_request_logs_json_lines_with_the_request_id_of_its_response(client, json_log):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert uuid.UUID(request_id)
    [line] = [record for record in json_log.records() if record["logger"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["task_id"] is None
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    assert list(line)[:6] == ["time", "level", "logger", "message", "request_id", "task_id"]


@pytest.mark.django_db
def test_each_request_has_its_own_id_and_none_is_left_behind(client, json_log):
    first = client.get("/no-such-page/")
    second = client.get("/no-such-page/")
    logger.info("between requests")

    assert first["X-Request-ID"] != second["X-Request-ID"]
    ids = [record["request_id"] for record in json_log.records() if record["logger"] == "django.request"]
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]
    assert json_log.records()[-1]["message"] == "between requests"
    assert json_log.records()[-1]["request_id"] is None


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_but_an_email_address_as_id_is_replaced(client, json_log):
    kept = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a9c2e4d1b-0001")
    replaced = client.get("/no-such-page/", HTTP_X_REQUEST_ID="kunde@example.dk")

    assert kept["X-Request-ID"] == "lb-7f3a9c2e4d1b-0001"
    assert uuid.UUID(replaced["X-Request-ID"])
    ids = [record["request_id"] for record in json_log.records() if record["logger"] == "django.request"]
    assert ids == ["lb-7f3a9c2e4d1b-0001", replaced["X-Request-ID"]]
    assert "kunde@example.dk" not in json_log.text


@pytest.mark.django_db
def test_a_refused_twilio_webhook_logs_the_path_without_the_customers_number(client, json_log):
    response = client.post("/api/webhooks/twilio/sms/?From=%2B4531456789", {"From": "+4531456789", "Body": "2"})

    assert response.status_code == 403
    [line] = [record for record in json_log.records() if record["logger"] == "renos.webhooks"]
    assert line["message"] == "Twilio webhook refused: bad or missing signature for /api/webhooks/twilio/sms/"
    assert line["request_id"] == response["X-Request-ID"]
    assert "31456789" not in json_log.text


@pytest.mark.django_db
def test_a_task_logs_its_task_id_and_ingesting_an_email_logs_no_personal_data(
    inbox, json_log, celery_eager, django_capture_on_commit_callbacks
):
    (inbox / "lead.eml").write_bytes(sample_email("leadmail-flytte-text"))
    (inbox / "newsletter.eml").write_bytes(sample_email("newsletter"))

    with django_capture_on_commit_callbacks(execute=True):
        result = pipeline.poll_inbox.apply()

    assert result.successful()
    lead = Lead.objects.get()
    records = json_log.records()
    [ingested] = [record for record in records if record["message"] == "email lead.eml ingested: lead"]
    assert ingested["task_id"] == result.id
    assert ingested["lead_id"] == str(lead.pk)
    [skipped] = [record for record in records if record["message"].startswith("email newsletter.eml skipped")]
    assert skipped["task_id"] == result.id
    # The customer of the sample, in every spelling the email, the lead and the answer use.
    customer = json.loads((SAMPLES_DIR / "leadmail-flytte-text.json").read_text())
    personal = [customer["customer_email"], customer["customer_phone"], "31456789", "31 45 67 89"]
    personal += [customer["customer_name"], "Sørensen", customer["address"]]
    assert lead.customer_email == customer["customer_email"]
    for value in personal:
        assert value not in json_log.text, value


def test_outside_a_task_and_a_request_the_ids_are_empty_and_inside_they_nest(json_log):
    logger.info("outside")
    request_token = context.request_id.set("req-outer-0001")
    task_token = context.task_id.set("task-inner-0001")
    logger.info("inside")
    context.task_id.reset(task_token)
    context.request_id.reset(request_token)

    outside, inside = json_log.records()
    assert (outside["request_id"], outside["task_id"]) == (None, None)
    assert (inside["request_id"], inside["task_id"]) == ("req-outer-0001", "task-inner-0001")


def test_an_exception_is_one_json_line_with_the_traceback_in_a_field_and_personal_data_masked(json_log):
    try:
        raise ValueError("duplicate key (email)=(kunde@example.dk), phone +45 31 45 67 89")
    except ValueError:
        logger.exception("saving customer %s failed for %s", "0b7e6c1e-1f7a-4d55-8d7e-2b1c3a4d5e6f", "kunde@example.dk")

    [line] = json_log.lines()
    record = json.loads(line)
    assert record["level"] == "ERROR"
    assert record["message"] == "saving customer 0b7e6c1e-1f7a-4d55-8d7e-2b1c3a4d5e6f failed for [email]"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert record["exception"].endswith("ValueError: duplicate key (email)=([email]), phone [phone]")
    assert "kunde@example.dk" not in line and "31 45 67 89" not in line


def test_extra_fields_are_kept_ids_untouched_and_text_masked(json_log):
    logger.info("answered", extra={"lead_id": "40506070", "note": "ring på 40 50 60 70", "attempt": 2})

    [record] = json_log.records()
    assert record["lead_id"] == "40506070"
    assert record["note"] == "ring på [phone]"
    assert record["attempt"] == 2


def test_the_console_format_is_one_readable_line_with_the_ids(console_log):
    request_token = context.request_id.set("req-7f3a9c2e")
    task_token = context.task_id.set("5d0c7a4e-task")
    logger.warning("lead %s flagged", "0b7e6c1e", extra={"lead_id": "0b7e6c1e"})
    context.task_id.reset(task_token)
    context.request_id.reset(request_token)
    logger.info("no ids here from %s", "kunde@example.dk")

    with_ids, without = console_log.lines()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d WARNING renos\.tests\.observability \[request=req-7f3a9c2e task=5d0c7a4e-task\] "
        r"lead 0b7e6c1e flagged lead_id=0b7e6c1e",
        with_ids,
    )
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO    renos\.tests\.observability no ids here from \[email\]", without)


def test_the_console_format_puts_the_masked_traceback_under_the_line(console_log):
    try:
        raise RuntimeError("SMS to +4531456789 failed")
    except RuntimeError:
        logger.exception("sending failed")

    lines = console_log.lines()
    assert lines[0].endswith("ERROR   renos.tests.observability sending failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: SMS to [phone] failed"
