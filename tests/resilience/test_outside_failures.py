"""Outside services answering 500, 429 or not at all: the task retries with growing delays, what finally fails is
shown in the admin with its retry action, and a successful retry does the work once.

The real adapters talk to the fake edge on loopback (Gmail on httplib2, Twilio on requests, Gemini on httpx; Billy
through `responses`); tasks run eagerly here, so the delays Celery would wait are read from the retries they
schedule. Gemini retries inside its client (google-genai) and never fails the email: the rules read it alone.
"""

from __future__ import annotations

import re

import pytest
import responses
from django.urls import reverse
from django.utils.html import escape

from leads.models import Lead
from messaging.models import Direction, EmailMessage, SmsMessage
from renos import pipeline
from tests.factories import CustomerFactory, LeadFactory
from tests.invoicing import test_billy_sync
from tests.invoicing.test_billy_sync import API, answer_contact_and_invoice, calls
from tests.resilience.conftest import ACCOUNT_SID, OUR_NUMBER
from tests.resilience.edge import Answer, Hold, twilio_created, twilio_refused
from tests.resilience.emails import lead_email

pytestmark = pytest.mark.resilience

# Celery's exponential backoff (renos.pipeline.RETRY): with full jitter each delay is at most 5 s, 10 s, 20 s, ...
BACKOFF_CAPS = [min(5 * 2**retry, 600) for retry in range(pipeline.RETRY["max_retries"])]
# Billy faked with `responses` and an issued invoice, as in the Billy sync tests.
billy, issued = test_billy_sync.billy, test_billy_sync.issued
FAILURES = {
    "500": Answer(500, {"error": {"code": 500, "message": "Backend Error", "status": "INTERNAL"}}),
    "429": Answer(429, {"error": {"code": 429, "message": "Rate limit", "status": "RESOURCE_EXHAUSTED"}}),
    "timeout": Hold(seconds=2),
}


@pytest.fixture
def scheduled(monkeypatch):
    """The countdowns of the retries the tasks schedule, by task name."""
    countdowns: dict[str, list[float]] = {}

    def recording(task):
        original = task.retry

        def retry(*args, **kwargs):
            if task.request.retries < task.max_retries:  # the last call gives up instead of scheduling
                countdowns.setdefault(task.name.rsplit(".", 1)[-1], []).append(kwargs.get("countdown"))
            return original(*args, **kwargs)

        monkeypatch.setattr(task, "retry", retry)

    for task in (pipeline.answer_lead, pipeline.offer_slots, pipeline.sync_invoice_to_billy):
        recording(task)
    return countdowns


@pytest.fixture
def outside(settings, edge, tmp_path):
    settings.MAIL_SENDER_BACKEND = "tests.resilience.edge.EdgeGmailSender"
    settings.GOOGLE_HTTP_TIMEOUT = 0.5
    settings.SMS_BACKEND = "tests.resilience.edge.EdgeTwilioSms"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, "test-token"
    settings.TWILIO_PHONE_NUMBER, settings.TWILIO_TIMEOUT_SECONDS = OUR_NUMBER, 0.5
    settings.PUBLIC_BASE_URL = "https://renos.example.dk"
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.AI_BACKEND = "tests.resilience.edge.EdgeGeminiAdvisor"
    settings.GEMINI_API_KEY, settings.GEMINI_MAX_ATTEMPTS, settings.GEMINI_TIMEOUT_SECONDS = "test-key", 3, 0.5
    settings.INBOX_BACKEND, settings.INBOX_LOCAL_DIR = "integrations.inbox.LocalFolderInbox", tmp_path / "inbox"
    settings.INBOX_LOCAL_GRACE_SECONDS = 0
    return edge


def gmail_sent(request) -> Answer:
    return Answer(200, {"id": f"gmail-{len(request.body)}", "threadId": "thread-1", "labelIds": ["SENT"]})


@pytest.mark.django_db
@pytest.mark.parametrize("failure", FAILURES)
def test_gmail_failing_flags_the_lead_and_the_admin_retry_answers_it_once(
    outside, scheduled, celery_eager, admin_client_logged_in, django_capture_on_commit_callbacks, failure
):
    outside.on("twilio", twilio_created)
    outside.on("gmail", lambda request: FAILURES[failure])
    lead = LeadFactory(customer=CustomerFactory(phone="+4520112233"), response_sent=False)

    pipeline.answer_lead.delay(lead_id=str(lead.pk))

    lead.refresh_from_db()
    assert lead.needs_follow_up and "Gmail sending an email failed" in lead.last_error
    page = admin_client_logged_in.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    assert escape(lead.last_error) in page.content.decode()

    outside.on("gmail", gmail_sent)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(
            reverse("admin:leads_lead_changelist"), {"action": "retry_answer", "_selected_action": [lead.pk]}
        )

    lead.refresh_from_db()
    sent = EmailMessage.objects.filter(direction=Direction.OUTBOUND, status=EmailMessage.Status.SENT)
    attempts = len(outside.seen("gmail"))
    assert (attempts, sent.count(), lead.response_sent, lead.needs_follow_up) == (
        pipeline.RETRY["max_retries"] + 2,
        1,
        True,
        False,
    )
    countdowns = scheduled["answer_lead"]
    assert len(countdowns) == len(BACKOFF_CAPS) and all(
        0 <= c <= cap for c, cap in zip(countdowns, BACKOFF_CAPS, strict=False)
    )


@pytest.mark.django_db
def test_twilio_failing_for_a_while_still_texts_the_customer_once(outside, scheduled, celery_eager):
    answers = iter([FAILURES["timeout"], twilio_refused(429, 20429), twilio_refused(500, 20500)])
    outside.on("twilio", lambda request: next(answers, None) or twilio_created(request))
    lead = LeadFactory(customer=CustomerFactory(phone="+4520112233"), customer_email="", response_sent=False)

    pipeline.offer_slots.delay(lead_id=str(lead.pk))

    lead.refresh_from_db()
    accepted = [request for request in outside.seen("twilio") if request.status == 201]
    delivered = SmsMessage.objects.filter(lead=lead, twilio_message_id__isnull=False)
    assert (len(accepted), delivered.count(), lead.sms_sent) == (1, 1, True)
    countdowns = scheduled["offer_slots"]
    assert len(countdowns) == 3
    assert all(0 <= countdown <= cap for countdown, cap in zip(countdowns, BACKOFF_CAPS[:3], strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("failure", FAILURES)
def test_gemini_failing_leaves_the_lead_to_the_rules_and_says_why(outside, celery_eager, settings, failure):
    outside.on("gemini", lambda request: FAILURES[failure])
    settings.INBOX_LOCAL_DIR.mkdir()
    (settings.INBOX_LOCAL_DIR / "lead.eml").write_bytes(lead_email(7, with_address=False))

    pipeline.poll_inbox.delay()

    lead = Lead.objects.get()
    assert (len(outside.seen("gemini")), lead.customer_email, "error" in lead.ai_analysis) == (
        3,
        "kunde7@example.dk",
        True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 429])
def test_billy_failing_shows_the_error_on_the_invoice_and_a_later_run_syncs_it_once(
    billy,
    issued,
    settings,
    scheduled,
    celery_eager,
    admin_client_logged_in,
    status,
):
    # Billy's own client retries are off here (they wait in the worker); the task's retries remain.
    settings.BILLY_MAX_ATTEMPTS = 1
    for method in (responses.GET, responses.POST, responses.PUT):
        billy.add(method, re.compile(re.escape(API) + ".*"), status=status, json={"errorMessage": "Prøv igen"})

    pipeline.sync_invoice_to_billy.delay(invoice_id=str(issued.pk))

    issued.refresh_from_db()
    page = admin_client_logged_in.get(reverse("admin:invoicing_invoice_change", args=[issued.pk]))
    assert "Billy answered" in issued.billy_sync_error and escape(issued.billy_sync_error) in page.content.decode()
    countdowns = scheduled["sync_invoice_to_billy"]
    assert all(0 <= countdown <= cap for countdown, cap in zip(countdowns, BACKOFF_CAPS, strict=True))

    # The invoice admin has no button to send it to Billy again: the task is run again as a person would have it.
    billy.reset()
    answer_contact_and_invoice(billy, issued)
    pipeline.sync_invoice_to_billy.delay(invoice_id=str(issued.pk))

    issued.refresh_from_db()
    assert (issued.billy_invoice_no, issued.billy_sync_error, calls(billy, "POST", "/invoices")) == ("77", "", 1)
