"""The inbound edges: they verify the caller, store what came, and hand over to the journey.

Gmail's Cloud Pub/Sub push lives here now; Twilio's SMS and status callbacks join it with booking by SMS.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.pubsub import PubSubError, parse_push_body, verify_push
from renos import pipeline

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def gmail_push(request: HttpRequest) -> HttpResponse:
    """Gmail says the inbox changed: verify Google's OIDC token, then read the inbox at once.

    A request that is not signed by the configured service account for the configured audience is a 403 and
    starts nothing. The body only says that something changed; the poll reads what.
    """
    if not (settings.PUBSUB_PUSH_AUDIENCE and settings.PUBSUB_PUSH_SERVICE_ACCOUNT):
        logger.warning("Gmail push refused: PUBSUB_PUSH_AUDIENCE and PUBSUB_PUSH_SERVICE_ACCOUNT are not set")
        return HttpResponse(status=403)
    try:
        verify_push(
            request.headers.get("Authorization"),
            audience=settings.PUBSUB_PUSH_AUDIENCE,
            service_account_email=settings.PUBSUB_PUSH_SERVICE_ACCOUNT,
        )
    except PubSubError as exc:
        logger.warning("Gmail push refused: %s", exc)
        return HttpResponse(status=403)
    try:
        notice = parse_push_body(request.body)
    except PubSubError as exc:
        # Acknowledge a body we cannot read (Pub/Sub would redeliver it forever); the poll catches up anyway.
        logger.warning("Gmail push with an unreadable body: %s", exc)
        notice = {}
    logger.info("Gmail push for history %s", notice.get("history_id"))
    pipeline.poll_inbox.delay()
    return HttpResponse(status=204)
