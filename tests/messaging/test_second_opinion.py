"""The AI's second opinion: asked only when the rules are unsure, never overriding a labelled field, recorded."""

from __future__ import annotations

from email.message import EmailMessage as MimeMessage

import pytest

from integrations.gemini import AIError, LeadOpinion
from leads.models import Lead
from messaging.ingest import Outcome, email_ingest
from tests.conftest import sample_email


class FakeAdvisor:
    available = True
    answer: LeadOpinion | None = None
    error: AIError | None = None
    asked: list[str] = []

    @classmethod
    def from_settings(cls) -> FakeAdvisor:
        return cls()

    def opinion(self, *, subject, sender, body, reply_to=None):
        FakeAdvisor.asked.append(subject)
        if FakeAdvisor.error:
            raise FakeAdvisor.error
        return FakeAdvisor.answer


def opinion(**fields) -> LeadOpinion:
    values = dict.fromkeys(
        (
            "is_lead",
            "reason",
            "source",
            "customer_name",
            "customer_email",
            "customer_phone",
            "address",
            "postal_code",
            "city",
            "service_type",
            "company",
            "notes",
            "area_m2",
            "preferred_date",
        ),
    )
    values.update(model="gemini-test", **fields)
    return LeadOpinion(**values)


@pytest.fixture
def advisor(settings):
    settings.AI_BACKEND = "tests.messaging.test_second_opinion.FakeAdvisor"
    FakeAdvisor.answer, FakeAdvisor.error, FakeAdvisor.asked = None, None, []
    return FakeAdvisor


def direct_customer_mail() -> bytes:
    mail = MimeMessage()
    mail["From"] = "Hanne Lund <hanne.lund@example.dk>"
    mail["To"] = "info@rendetalje.dk"
    mail["Subject"] = "Tilbud på flytterengøring?"
    mail["Message-ID"] = "<direct-1@example.dk>"
    mail.set_content("Hej, vi flytter fra vores lejlighed på 80 m2 i Viby J den 1. december. Hvad koster det?")
    return mail.as_bytes()


@pytest.mark.django_db
def test_a_complete_lead_is_not_sent_to_the_ai(advisor):
    email_ingest(raw=sample_email("leadmail-fast"))
    assert advisor.asked == []
    assert Lead.objects.get().ai_analysis == {}


@pytest.mark.django_db
def test_the_ai_fills_gaps_but_never_overrides_what_the_rules_read_from_a_label(advisor):
    advisor.answer = opinion(
        is_lead=True,
        customer_name="Forkert Navn",
        customer_email="forkert@example.dk",
        address="Havnevej 3",
        city="Aarhus C",
        postal_code="8000",
        service_type="hoved",
    )
    result = email_ingest(raw=sample_email("leadpoint-call"))

    lead = result.lead
    assert advisor.asked == ["Opkald via Rengøring Aarhus"]
    assert lead.customer_phone == "+4528910344"
    assert (lead.address, lead.city, lead.service_type_id) == ("Havnevej 3", "Aarhus C", "hoved")
    assert lead.ai_analysis["model"] == "gemini-test"
    assert {"address", "city", "postal_code", "service_type"} <= set(lead.ai_analysis["fields"])


@pytest.mark.django_db
def test_an_email_the_rules_skip_can_become_a_lead_on_the_ais_word(advisor):
    advisor.answer = opinion(
        is_lead=True,
        reason="En kunde spørger direkte om flytterengøring.",
        customer_name="Hanne Lund",
        customer_email="hanne.lund@example.dk",
        service_type="flytte",
        area_m2=80,
        city="Viby J",
    )
    result = email_ingest(raw=direct_customer_mail())

    assert result.outcome == Outcome.LEAD
    lead = result.lead
    assert (lead.source, lead.service_type_id, lead.area_m2) == (Lead.Source.MANUAL, "flytte", 80)
    assert lead.ai_analysis["is_lead"] is True and "service_type" in lead.ai_analysis["fields"]


@pytest.mark.django_db
def test_when_the_ai_says_no_the_rules_stand(advisor):
    advisor.answer = opinion(is_lead=False, reason="Nyhedsbrev.")
    assert email_ingest(raw=sample_email("newsletter")).outcome == Outcome.SKIPPED


@pytest.mark.django_db
def test_an_ai_failure_leaves_the_rules_alone_and_is_noted(advisor):
    advisor.error = AIError("Gemini answered 503", permanent=False)
    lead = email_ingest(raw=sample_email("leadpoint-call")).lead
    assert lead.address == ""
    assert lead.ai_analysis == {"error": "Gemini answered 503"}


@pytest.mark.django_db
def test_replies_and_own_mail_are_never_sent_to_the_ai(advisor):
    advisor.answer = opinion(is_lead=True, customer_name="X")
    email_ingest(raw=sample_email("reply-in-lead-thread"))
    email_ingest(raw=sample_email("own-autoreply"))
    assert advisor.asked == []


@pytest.mark.django_db
def test_without_an_ai_configured_the_rules_alone_run(settings):
    settings.AI_BACKEND = "integrations.gemini.NoAdvisor"
    lead = email_ingest(raw=sample_email("leadpoint-call")).lead
    assert lead.ai_analysis == {}
