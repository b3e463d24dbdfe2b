"""RequestIdMiddleware: one id per HTTP request, on every log line it causes and in the `X-Request-ID` answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from renos.observability import context
from renos.observability.scrub import contains_personal_data

HEADER = "X-Request-ID"
# What a proxy or load balancer sends (a UUID, a hex trace id, Heroku's and AWS's forms); anything else, including
# an id that looks like an email address or a phone number, is replaced so it never reaches the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{7,127}")


def request_id_from(header: str | None) -> str:
    """The incoming id when it is sane, else a new UUID."""
    if header and SANE_REQUEST_ID.fullmatch(header) and not contains_personal_data(header):
        return header
    return str(uuid.uuid4())


class RequestIdMiddleware:
    """First in MIDDLEWARE: everything after it (and its log lines) runs with the request's id.

    The id stays set until the response is closed, not just until the middleware returns: Django logs a 4xx or 5xx
    answer ("Not Found: /x") after the middleware chain, and gunicorn writes its access line before closing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = request_id_from(request.headers.get(HEADER))
        request.request_id = value  # type: ignore[attr-defined]
        context.request_id.set(value)
        try:
            response = self.get_response(request)
        except BaseException:
            context.request_id.set(None)
            raise
        response[HEADER] = value
        return response


def _forget_request_id(**_: object) -> None:
    context.request_id.set(None)


# Sent when the server (or the test client) closes the response: the thread's next work has no request id.
request_finished.connect(_forget_request_id, dispatch_uid="renos.observability.forget_request_id")
