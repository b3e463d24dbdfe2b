"""The AI second opinion: the real google-genai client against a faked Gemini API (an httpx2.MockTransport), the
"none" advisor, and the choice between them by settings."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable

import environ
import httpx2
import pytest

from integrations.gemini import (
    BODY_LIMIT,
    AIError,
    GeminiAdvisor,
    LeadOpinion,
    NoAdvisor,
    get_advisor,
)
from renos.settings_gemini import gemini_settings

MODEL = "gemini-3.5-flash-lite"
SUBJECT = "Formular via Rengøring Aarhus"
SENDER = "Rengøring Aarhus <system@leadpoint.dk>"
BODY = (
    "Hej, jeg skal fraflytte min lejlighed og har brug for flytterengøring.\n"
    "Den er ca. 68 m2 og skal være klar den 1. december.\n"
    "Mvh Søren Ærø, 20 11 22 33, soren.aero@example.dk, Søvej 12, 8240 Risskov"
)

ANSWER = {
    "is_lead": True,
    "reason": "Et formular-lead fra Rengøring Aarhus via Leadpoint.",
    "source": "leadpoint",
    "customer_name": "Søren Ærø",
    "customer_email": "soren.aero@example.dk",
    "customer_phone": "20 11 22 33",
    "address": "Søvej 12",
    "postal_code": "8240",
    "city": "Risskov",
    "service_type": "flytte",
    "company": None,
    "notes": "Fraflytning, skal være klar den 1. december.",
    "area_m2": 68,
    "preferred_date": "2026-12-01",
}


def gemini_reply(text: str, *, status: int = 200, model_version: str = "gemini-3.5-flash-lite-001") -> httpx2.Response:
    """A generateContent answer shaped like Google's: the model's text in candidates[0].content.parts[0].text."""
    body = {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 812, "candidatesTokenCount": 143, "totalTokenCount": 955},
        "modelVersion": model_version,
        "responseId": "mFk9aL2xK5q7nvgP0ZqW8Ac",
    }
    return httpx2.Response(status, json=body)


def gemini_json(answer: dict) -> httpx2.Response:
    return gemini_reply(json.dumps(answer, ensure_ascii=False))


def gemini_error(status: int, grpc_status: str, message: str) -> httpx2.Response:
    """An error answer shaped like Google's: {"error": {"code", "message", "status"}}."""
    return httpx2.Response(status, json={"error": {"code": status, "message": message, "status": grpc_status}})


def read_timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("The read operation timed out", request=request)


Answer = httpx2.Response | Callable[[httpx2.Request], httpx2.Response]


class FakeGemini:
    """Answers requests in order (the last answer repeats) and keeps every request it saw."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return answer(request) if callable(answer) else answer

    def body(self, index: int = 0) -> dict:
        return json.loads(self.requests[index].content)


def advisor_for(fake: FakeGemini, *, max_attempts: int = 3, backoff_seconds: float = 0.0) -> GeminiAdvisor:
    return GeminiAdvisor(
        api_key="test-key",
        model=MODEL,
        timeout_seconds=7,
        max_attempts=max_attempts,
        backoff_seconds=backoff_seconds,  # 0: retries do not wait
        transport=httpx2.MockTransport(fake),
    )


def ask(advisor: GeminiAdvisor, *, body: str = BODY) -> LeadOpinion:
    return advisor.opinion(subject=SUBJECT, sender=SENDER, body=body)


def with_answer(**changes: object) -> dict:
    return {**ANSWER, **changes}


# --- A good answer -------------------------------------------------------------------------------------------------


def test_a_valid_answer_becomes_a_lead_opinion():
    opinion = ask(advisor_for(FakeGemini(gemini_json(ANSWER))))

    assert opinion == LeadOpinion(
        is_lead=True,
        reason="Et formular-lead fra Rengøring Aarhus via Leadpoint.",
        source="leadpoint",
        customer_name="Søren Ærø",
        customer_email="soren.aero@example.dk",
        customer_phone="20 11 22 33",  # as written: the rules normalise phone numbers
        address="Søvej 12",
        postal_code="8240",
        city="Risskov",
        service_type="flytte",
        company=None,
        notes="Fraflytning, skal være klar den 1. december.",
        area_m2=68,
        preferred_date=datetime.date(2026, 12, 1),
        model="gemini-3.5-flash-lite-001",
    )
    assert opinion.lead_fields() == {
        "source": "leadpoint",
        "customer_name": "Søren Ærø",
        "customer_email": "soren.aero@example.dk",
        "customer_phone": "20 11 22 33",
        "address": "Søvej 12",
        "postal_code": "8240",
        "city": "Risskov",
        "service_type": "flytte",
        "notes": "Fraflytning, skal være klar den 1. december.",
        "area_m2": 68,
        "preferred_date": datetime.date(2026, 12, 1),
    }


def test_the_request_carries_the_email_the_schema_a_low_temperature_and_a_timeout():
    fake = FakeGemini(gemini_json(ANSWER))

    advisor_for(fake).opinion(subject=SUBJECT, sender=SENDER, body=BODY, reply_to="soren.aero@example.dk")

    (request,) = fake.requests
    assert request.method == "POST"
    assert request.url.host == "generativelanguage.googleapis.com"
    assert request.url.path.endswith(f"/models/{MODEL}:generateContent")
    assert request.headers["x-goog-api-key"] == "test-key"
    assert request.extensions["timeout"]["read"] == 7
    body = fake.body()
    (content,) = body["contents"]
    prompt = content["parts"][0]["text"]
    assert f"Subject: {SUBJECT}" in prompt
    assert f"From: {SENDER}" in prompt
    assert "Reply-To: soren.aero@example.dk" in prompt
    assert BODY in prompt
    instruction = body["systemInstruction"]["parts"][0]["text"]
    assert "Leadpoint" in instruction and "rendetalje.dk" in instruction
    config = body["generationConfig"]
    assert 0 <= config["temperature"] <= 0.2
    assert config["responseMimeType"] == "application/json"
    schema = config["responseSchema"]
    assert set(schema["required"]) == set(ANSWER)
    assert schema["properties"]["service_type"]["enum"] == [
        "fast",
        "hoved",
        "flytte",
        "erhverv",
        "vinduer",
        "haandvaerker",
        "andet",
    ]
    assert schema["properties"]["service_type"]["nullable"] is True
    assert schema["properties"]["area_m2"]["type"] == "INTEGER"
    assert schema["properties"]["is_lead"]["type"] == "BOOLEAN"


def test_a_long_body_is_cut_before_it_is_sent():
    fake = FakeGemini(gemini_json(ANSWER))

    ask(advisor_for(fake), body="Hej " + "x" * (BODY_LIMIT * 3))

    prompt = fake.body()["contents"][0]["parts"][0]["text"]
    assert len(prompt) < BODY_LIMIT + 500
    assert "the rest of the email is cut off" in prompt


# --- Untrusted values inside a well-formed answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "kontakt@leadmail.no",
        "system@leadpoint.dk",
        "info@rendetalje.dk",
        "Rendetalje <INFO@Rendetalje.dk>",
        "noreply@x.dk",
    ],
)
def test_a_portal_or_own_address_is_never_the_customers(address):
    opinion = ask(advisor_for(FakeGemini(gemini_json(with_answer(customer_email=address)))))

    assert opinion.customer_email is None
    assert opinion.customer_name == "Søren Ærø"  # the rest of the answer stands


def test_values_are_cleaned():
    messy = with_answer(
        customer_name="  Søren    Ærø ",
        customer_email="Søren Ærø <Soren.Aero@Example.DK>",
        customer_phone=20112233,
        address="",
        postal_code=8240,
        city="-",
        service_type=" Flytte ",
        source="LEADPOINT",
        notes="  Hej\n\n\n\nTak  ",
        area_m2="ca. 110 m²",
        preferred_date="snarest",
    )

    opinion = ask(advisor_for(FakeGemini(gemini_json(messy))))

    assert opinion.customer_name == "Søren Ærø"
    assert opinion.customer_email == "soren.aero@example.dk"
    assert opinion.customer_phone == "20112233"
    assert opinion.address is None
    assert opinion.postal_code == "8240"
    assert opinion.city is None
    assert opinion.service_type == "flytte"
    assert opinion.source == "leadpoint"
    assert opinion.notes == "Hej\n\nTak"
    assert opinion.area_m2 == 110
    assert opinion.preferred_date is None


@pytest.mark.parametrize(("area", "expected"), [(80.4, 80), (0, None), (-40, None), (True, None), (10**9, None)])
def test_the_area_is_a_positive_whole_number_or_none(area, expected):
    opinion = ask(advisor_for(FakeGemini(gemini_json(with_answer(area_m2=area)))))

    assert opinion.area_m2 == expected


def test_a_json_answer_in_a_code_fence_is_read():
    fenced = "```json\n" + json.dumps(ANSWER) + "\n```"

    opinion = ask(advisor_for(FakeGemini(gemini_reply(fenced))))

    assert opinion.service_type == "flytte"


def test_without_a_model_version_the_asked_model_is_named():
    opinion = ask(advisor_for(FakeGemini(gemini_reply(json.dumps(ANSWER), model_version=""))))

    assert opinion.model == MODEL


# --- Answers that are rejected as a whole --------------------------------------------------------------------------


def test_an_answer_that_is_not_json_is_a_permanent_error():
    fake = FakeGemini(gemini_reply("Beklager, jeg kan ikke hjælpe med det."))

    with pytest.raises(AIError, match="not valid JSON") as caught:
        ask(advisor_for(fake))

    assert caught.value.permanent is True
    assert len(fake.requests) == 1


def test_an_answer_missing_a_key_is_a_permanent_error():
    incomplete = {key: value for key, value in ANSWER.items() if key != "customer_phone"}

    with pytest.raises(AIError, match="does not fit the schema: customer_phone") as caught:
        ask(advisor_for(FakeGemini(gemini_json(incomplete))))

    assert caught.value.permanent is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_type": "Flytterengøring"}, "service_type"),
        ({"source": "rengoring.nu"}, "source"),
        ({"is_lead": "måske"}, "is_lead"),
        ({"customer_name": ["Søren"]}, "customer_name"),
    ],
)
def test_an_answer_outside_the_schema_is_a_permanent_error(change, field):
    with pytest.raises(AIError, match=f"does not fit the schema: {field}") as caught:
        ask(advisor_for(FakeGemini(gemini_json(with_answer(**change)))))

    assert caught.value.permanent is True


def test_a_json_list_instead_of_an_object_is_a_permanent_error():
    with pytest.raises(AIError, match="does not fit the schema") as caught:
        ask(advisor_for(FakeGemini(gemini_reply(json.dumps([ANSWER])))))

    assert caught.value.permanent is True


def test_a_blocked_prompt_is_a_permanent_error():
    blocked = httpx2.Response(200, json={"promptFeedback": {"blockReason": "SAFETY"}, "modelVersion": MODEL})

    with pytest.raises(AIError, match="blocked") as caught:
        ask(advisor_for(FakeGemini(blocked)))

    assert caught.value.permanent is True


# --- Errors and retries --------------------------------------------------------------------------------------------


def test_a_rate_limit_is_retried_and_then_succeeds():
    fake = FakeGemini(gemini_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"), gemini_json(ANSWER))

    opinion = ask(advisor_for(fake))

    assert opinion.customer_name == "Søren Ærø"
    assert len(fake.requests) == 2


def test_server_errors_until_the_attempts_run_out_are_a_transient_error():
    fake = FakeGemini(gemini_error(500, "INTERNAL", "Internal error encountered."))

    with pytest.raises(AIError, match="500") as caught:
        ask(advisor_for(fake, max_attempts=3))

    assert caught.value.permanent is False
    assert len(fake.requests) == 3


def test_a_timeout_on_every_attempt_is_a_transient_error():
    fake = FakeGemini(read_timeout)

    with pytest.raises(AIError, match="did not answer within 7 s") as caught:
        ask(advisor_for(fake, max_attempts=2))

    assert caught.value.permanent is False
    assert len(fake.requests) == 2


def test_a_timeout_then_an_answer_succeeds():
    fake = FakeGemini(read_timeout, gemini_json(ANSWER))

    assert ask(advisor_for(fake)).is_lead is True
    assert len(fake.requests) == 2


def test_an_unreachable_gemini_is_a_transient_error():
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)

    fake = FakeGemini(refuse)

    with pytest.raises(AIError, match="Cannot reach Gemini") as caught:
        ask(advisor_for(fake, max_attempts=2))

    assert caught.value.permanent is False
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("status", "grpc_status"),
    [(400, "INVALID_ARGUMENT"), (403, "PERMISSION_DENIED"), (404, "NOT_FOUND")],
)
def test_a_refused_request_is_a_permanent_error_without_retry(status, grpc_status):
    fake = FakeGemini(gemini_error(status, grpc_status, "API key not valid. Please pass a valid API key."))

    with pytest.raises(AIError, match=f"refused the request: {status}") as caught:
        ask(advisor_for(fake))

    assert caught.value.permanent is True
    assert len(fake.requests) == 1


def test_retries_back_off_exponentially(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # tenacity waits with time.sleep
    fake = FakeGemini(gemini_error(503, "UNAVAILABLE", "The model is overloaded."))

    with pytest.raises(AIError):
        ask(advisor_for(fake, max_attempts=3, backoff_seconds=1.0))

    assert len(fake.requests) == 3
    first, second = waits
    assert 1.0 <= first <= 1.5
    assert 2.0 <= second <= 2.5


def test_an_advisor_needs_an_api_key():
    with pytest.raises(AIError, match="GEMINI_API_KEY") as caught:
        GeminiAdvisor(api_key=" ", model=MODEL, timeout_seconds=20, max_attempts=3)

    assert caught.value.permanent is True


# --- Without AI, and the choice by settings ------------------------------------------------------------------------


def test_the_none_advisor_gives_no_opinion():
    advisor = NoAdvisor()

    assert advisor.available is False
    assert advisor.opinion(subject=SUBJECT, sender=SENDER, body=BODY) is None


def test_get_advisor_picks_the_backend_from_settings(settings):
    settings.AI_BACKEND = "integrations.gemini.NoAdvisor"
    assert isinstance(get_advisor(), NoAdvisor)

    settings.AI_BACKEND = "integrations.gemini.GeminiAdvisor"
    settings.GEMINI_API_KEY = "test-key"
    settings.GEMINI_MODEL = MODEL
    settings.GEMINI_TIMEOUT_SECONDS = 12.5
    settings.GEMINI_MAX_ATTEMPTS = 4
    advisor = get_advisor()
    assert isinstance(advisor, GeminiAdvisor)
    assert advisor.available is True
    assert (advisor.model, advisor.timeout_seconds, advisor.max_attempts) == (MODEL, 12.5, 4)


def test_without_a_key_the_rules_alone_run(monkeypatch):
    for name in ("GEMINI_API_KEY", "GEMINI_MODEL", "GEMINI_TIMEOUT_SECONDS", "GEMINI_MAX_ATTEMPTS", "AI_BACKEND"):
        monkeypatch.delenv(name, raising=False)

    assert gemini_settings(environ.Env()) == {
        "GEMINI_API_KEY": "",
        "GEMINI_MODEL": "gemini-3.5-flash-lite",
        "GEMINI_TIMEOUT_SECONDS": 20.0,
        "GEMINI_MAX_ATTEMPTS": 3,
        "AI_BACKEND": "integrations.gemini.NoAdvisor",
    }


def test_with_a_key_gemini_is_the_default(monkeypatch):
    monkeypatch.delenv("AI_BACKEND", raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "a-key")
    monkeypatch.setenv("GEMINI_TIMEOUT_SECONDS", "9.5")

    values = gemini_settings(environ.Env())

    assert values["AI_BACKEND"] == "integrations.gemini.GeminiAdvisor"
    assert values["GEMINI_TIMEOUT_SECONDS"] == 9.5
