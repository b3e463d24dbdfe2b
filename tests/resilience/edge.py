"""A fake outside world on loopback for the resilience tests, and the real adapters pointed at it.

`Edge` is an HTTP server in the test process. Each outside service has a path prefix (/twilio, /gmail, /gemini)
and a script of answers; every request is recorded, with whether it was answered. A worker in another process
reaches it through the backends below, which are the real adapters (TwilioSms on Twilio's requests client, the
Gmail sender on httplib2, Gemini on httpx) with only the host of the URL changed, read from RENOS_TEST_EDGE_URL.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httplib2
import httpx2
from django.conf import settings
from twilio.http.http_client import TwilioHttpClient

from integrations.gemini import GeminiAdvisor
from integrations.mail import GmailSender
from integrations.sms import TwilioSms

EDGE_URL_VARIABLE = "RENOS_TEST_EDGE_URL"
TWILIO_HOST = "https://api.twilio.com"
GMAIL_HOST = "https://gmail.googleapis.com"
GEMINI_HOST = "https://generativelanguage.googleapis.com"


@dataclass
class EdgeRequest:
    """One request that reached the edge."""

    service: str
    method: str
    path: str
    body: bytes
    answered: bool = False
    status: int | None = None

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8")))


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hold:
    """Keep the request open until `until` is set (or the edge is reset, or `seconds` pass), then answer `then`, or
    drop the connection without an answer when `then` is None."""

    until: threading.Event | None = None
    then: Answer | None = None
    seconds: float = 60.0


Script = Callable[[EdgeRequest], Answer | Hold]


class Edge:
    """The fake outside world: `on(service, script)` says how a service answers; `requests` is what came."""

    def __init__(self) -> None:
        self.requests: list[EdgeRequest] = []
        self._scripts: dict[str, Script] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-edge", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def on(self, service: str, script: Script) -> None:
        self._scripts[service] = script

    def seen(self, service: str, *, answered: bool | None = None) -> list[EdgeRequest]:
        with self._lock:
            return [
                request
                for request in self.requests
                if request.service == service and (answered is None or request.answered == answered)
            ]

    def reset(self) -> None:
        """Forget the scripts and the requests, and let go of every held request."""
        self._released.set()
        self._released = threading.Event()
        self._scripts.clear()
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, request: EdgeRequest) -> Answer | None:
        with self._lock:
            self.requests.append(request)
        script = self._scripts.get(request.service)
        if script is None:
            return Answer(599, {"error": f"no script for {request.service}"})
        answer = script(request)
        if isinstance(answer, Hold):
            released, deadline = self._released, time.monotonic() + answer.seconds
            while not released.is_set() and time.monotonic() < deadline:
                if answer.until is not None and answer.until.wait(0.05):
                    return answer.then
                released.wait(0.05)
            return None
        return answer


def _handler(edge: Edge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            service, _, rest = self.path.lstrip("/").partition("/")
            request = EdgeRequest(service=service, method=self.command, path="/" + rest, body=body)
            answer = edge._answer(request)
            if answer is None:
                self.close_connection = True
                return
            payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            except OSError:
                return  # the caller is gone (killed, or it gave up): not answered
            request.answered, request.status = True, answer.status

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll `condition` until it is truthy (returning it), or fail after `timeout` seconds saying `what` waited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# --- Twilio's answers -------------------------------------------------------------------------------------------


def twilio_created(request: EdgeRequest) -> Answer:
    """Twilio accepting a message: 201 with a sid made from the request's position, so each send has its own."""
    sid = f"SM{len(request.body):04d}{time.monotonic_ns():028d}"[:34]
    return Answer(201, {"sid": sid, "status": "queued", "to": request.form.get("To"), "direction": "outbound-api"})


def twilio_refused(status: int, code: int) -> Answer:
    return Answer(status, {"code": code, "message": f"error {code}", "status": status})


# --- The adapters, pointed at the edge -----------------------------------------------------------------------


def edge_url() -> str:
    return os.environ[EDGE_URL_VARIABLE].rstrip("/")


class _TwilioOnLoopback(TwilioHttpClient):
    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        return super().request(method, url.replace(TWILIO_HOST, edge_url() + "/twilio"), *args, **kwargs)


class EdgeTwilioSms:
    """SMS_BACKEND: the real TwilioSms on Twilio's own requests client, talking to the edge."""

    @classmethod
    def from_settings(cls) -> TwilioSms:
        return TwilioSms(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_PHONE_NUMBER,
            http_client=_TwilioOnLoopback(timeout=settings.TWILIO_TIMEOUT_SECONDS),
        )


class _HttpOnLoopback(httplib2.Http):
    def request(self, uri, *args, **kwargs):  # type: ignore[override]
        return super().request(uri.replace(GMAIL_HOST, edge_url() + "/gmail"), *args, **kwargs)


class EdgeGmailSender:
    """MAIL_SENDER_BACKEND: the real GmailSender on httplib2 with the configured timeout, talking to the edge."""

    @classmethod
    def from_settings(cls) -> GmailSender:
        return GmailSender(http=_HttpOnLoopback(timeout=settings.GOOGLE_HTTP_TIMEOUT), user_id="me")


class _GeminiOnLoopback(httpx2.HTTPTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url).replace(GEMINI_HOST, edge_url() + "/gemini")
        request.url = httpx2.URL(url)
        return super().handle_request(request)


class EdgeGeminiAdvisor:
    """AI_BACKEND: the real GeminiAdvisor on httpx with google-genai's retries (short waits), talking to the edge."""

    @classmethod
    def from_settings(cls) -> GeminiAdvisor:
        return GeminiAdvisor(
            api_key=settings.GEMINI_API_KEY,
            model=settings.GEMINI_MODEL,
            timeout_seconds=settings.GEMINI_TIMEOUT_SECONDS,
            max_attempts=settings.GEMINI_MAX_ATTEMPTS,
            backoff_seconds=0.05,
            transport=_GeminiOnLoopback(),
        )
