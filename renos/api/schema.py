"""The error bodies of the API, for the OpenAPI schema: what renos/api/errors.py and renos/urls.py answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

MESSAGES = {"type": "array", "items": {"type": "string"}}
# Every 400: messages by field. A list field (a customer's tags) has them by position, `{"tags": {"0": [...]}}`.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"anyOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]},
}
FIELD_ERRORS_SHAPE = (
    'Messages by field, e.g. `{"customer_phone": ["123 is not a phone number."]}`; errors that concern no single '
    "field, a body that is not JSON among them, are under `non_field_errors`."
)
DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


def field_errors(description: str = "Invalid input.") -> OpenApiResponse:
    """A 400: `{"field": ["..."], "non_field_errors": ["..."]}`."""
    return OpenApiResponse(FIELD_ERRORS, description=f"{description} {FIELD_ERRORS_SHAPE}")


def not_found(description: str = "No such id (a malformed id is a 404 too).") -> OpenApiResponse:
    """A 404: `{"detail": "..."}`."""
    return OpenApiResponse(DETAIL, description=description)


def conflict(description: str) -> OpenApiResponse:
    """A 409: `{"detail": "..."}`."""
    return OpenApiResponse(DETAIL, description=description)


AUTH_ERRORS = {
    401: OpenApiResponse(DETAIL, description="No valid access token (`Authorization: Bearer …`)."),
    403: OpenApiResponse(DETAIL, description="The user is not active staff (or, for writes, not admin)."),
}
