"""The journey end to end: an email dropped in the local inbox becomes an answered lead."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from customers.models import Customer
from integrations.mail import MailError
from leads.models import Activity, Lead
from messaging.models import Direction, EmailMessage, MailboxState
from renos import pipeline
from tests.conftest import SAMPLES_DIR, sample_email


@pytest.fixture
def inbox(settings, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    settings.INBOX_BACKEND = "integrations.inbox.LocalFolderInbox"
    settings.INBOX_LOCAL_DIR = folder
    settings.INBOX_LOCAL_GRACE_SECONDS = 0
    return folder


@pytest.mark.django_db
def test_an_eml_in_the_inbox_becomes_an_answered_lead(
    inbox, settings, tmp_path, celery_eager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    (inbox / "lead.eml").write_bytes(sample_email("leadmail-flytte-text"))
    (inbox / "newsletter.eml").write_bytes(sample_email("newsletter"))

    with django_capture_on_commit_callbacks(execute=True):
        counts = pipeline.poll_inbox()

    assert counts == {"lead": 1, "reply": 0, "duplicate": 0, "skipped": 1, "failed": 0}
    lead = Lead.objects.get()
    assert lead.customer == Customer.objects.get(email="psorensen@example.com")
    assert lead.conversations.get().messages.filter(direction=Direction.INBOUND).count() == 1
    assert lead.status == Lead.Status.CONTACTED and lead.response_sent

    written = list((tmp_path / "outbox").iterdir())
    assert len(written) == 1
    text = written[0].read_text()
    assert "To: psorensen@example.com" in text
    assert sorted(path.name for path in (inbox / "processed").iterdir()) == ["lead.eml", "newsletter.eml"]
    assert not list(inbox.glob("*.eml"))
    assert MailboxState.objects.get().last_polled_at is not None


@pytest.mark.django_db
def test_polling_again_finds_nothing_new(inbox, celery_eager, django_capture_on_commit_callbacks):
    (inbox / "lead.eml").write_bytes(sample_email("leadpoint-form"))
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.poll_inbox()
        second = pipeline.poll_inbox()
    assert second["lead"] == 0
    assert Lead.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_that_fails_to_ingest_stays_in_the_inbox(inbox, monkeypatch):
    (inbox / "lead.eml").write_bytes(sample_email("leadpoint-form"))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("messaging.ingest.email_ingest", broken)
    counts = pipeline.poll_inbox()

    assert counts["failed"] == 1
    assert (inbox / "lead.eml").exists()
    assert "prøves igen" in MailboxState.objects.get().last_error


class AlwaysFailing:
    permanent = False

    @classmethod
    def from_settings(cls):
        return cls()

    def send(self, email):
        raise MailError("Gmail answered 503", permanent=AlwaysFailing.permanent)


@pytest.mark.django_db
@pytest.mark.parametrize("permanent", [False, True])
def test_an_answer_that_keeps_failing_leaves_the_lead_flagged_with_the_error(settings, celery_eager, permanent):
    settings.MAIL_SENDER_BACKEND = "tests.test_pipeline.AlwaysFailing"
    AlwaysFailing.permanent = permanent
    call_command("ingest_email", str(SAMPLES_DIR / "leadpoint-form.eml"))
    lead = Lead.objects.get()

    pipeline.answer_lead.delay(lead_id=str(lead.pk))

    lead.refresh_from_db()
    assert lead.needs_follow_up and "Gmail answered 503" in lead.last_error
    assert lead.activities.filter(status=Activity.Status.ERROR, title="Automatisk behandling fejlede").exists()
    assert EmailMessage.objects.get(direction=Direction.OUTBOUND).status == EmailMessage.Status.FAILED


@pytest.mark.django_db
def test_the_commands_run_the_same_code(inbox, capsys, celery_eager):
    (inbox / "lead.eml").write_bytes(sample_email("own-form-flytte"))
    call_command("poll_inbox")
    assert "lead: 1" in capsys.readouterr().out
    assert Lead.objects.get().customer_email == "sofie@example.dk"


@pytest.mark.django_db
def test_ingest_email_command_refuses_a_missing_file():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest_email", "/nonexistent/x.eml")


@pytest.mark.django_db
def test_staff_retry_the_answer_from_the_admin(
    admin_client_logged_in, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.MAIL_SENDER_BACKEND = "tests.test_pipeline.AlwaysFailing"
    AlwaysFailing.permanent = True
    call_command("ingest_email", str(SAMPLES_DIR / "leadpoint-form.eml"))
    lead = Lead.objects.get()
    pipeline.answer_lead.delay(lead_id=str(lead.pk))
    settings.MAIL_SENDER_BACKEND = "integrations.mail.DjangoMailSender"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(
            "/admin/leads/lead/", {"action": "retry_answer", "_selected_action": [str(lead.pk)]}, follow=True
        )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.response_sent and not lead.needs_follow_up
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_staff_take_a_skipped_email_as_a_lead_from_the_admin(
    admin_client_logged_in, celery_eager, django_capture_on_commit_callbacks
):
    from messaging.ingest import email_ingest

    skipped = email_ingest(raw=sample_email("newsletter")).skipped
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(
            "/admin/messaging/skippedemail/", {"action": "take_as_lead", "_selected_action": [str(skipped.pk)]}
        )
    skipped.refresh_from_db()
    assert skipped.related_lead is not None and skipped.resolved_at is not None
