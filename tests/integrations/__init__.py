"""Fakes for the HTTP edge of Google's APIs, shared by the Gmail inbox and sender tests."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

from googleapiclient.http import HttpMockSequence


def gmail_ok(body: dict) -> tuple[dict[str, str], str]:
    """A 200 answer of the Gmail API with a JSON body."""
    return {"status": "200", "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def gmail_error(status: int, reason: str, message: str = "") -> tuple[dict[str, str], str]:
    """An error answer shaped like Google's: {"error": {"code", "message", "errors": [{"reason"}]}}."""
    body = {
        "error": {
            "code": status,
            "message": message or reason,
            "errors": [{"domain": "global", "reason": reason, "message": message or reason}],
        }
    }
    return {"status": str(status), "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def gmail_http(*responses: tuple[dict[str, str], str]) -> HttpMockSequence:
    return HttpMockSequence(list(responses))


def raw_message(data: bytes) -> str:
    """What Gmail sends as `raw` for format=raw: base64url."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def request_path_and_query(http: HttpMockSequence, index: int) -> tuple[str, dict[str, list[str]]]:
    uri = http.request_sequence[index][0]
    parts = urlsplit(uri)
    return parts.path, parse_qs(parts.query)


def request_json(http: HttpMockSequence, index: int) -> dict:
    body = http.request_sequence[index][2]
    return json.loads(body)
