"""The inbound edges: they verify the caller, store what came, and hand over to the journey.

Gmail's Cloud Pub/Sub push, and Twilio's incoming SMS and delivery-status callbacks.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.pubsub import PubSubError, parse_push_body, verify_push
from integrations.sms import public_url, twilio_signature_valid, twiml_message
from messaging.sms import SmsNotRecordedYet, sms_apply_delivery_report, sms_record_inbound
from renos import pipeline
from renos.api.throttling import webhook_rate_limited

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
@webhook_rate_limited
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
    logger.info("Gmail push received", extra={"history_id": notice.get("history_id")})
    pipeline.poll_inbox.delay()
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
@webhook_rate_limited
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """An SMS from a customer: verify Twilio's signature, store it on its lead, and let the journey answer it.

    A forged or unsigned request is a 403 and nothing is stored. The reply to the customer is sent by the task,
    through the SMS adapter, so it is recorded like every other SMS; the TwiML answer here is empty.
    """
    if not _signed_by_twilio(request):
        return HttpResponse(status=403)
    sms, created = sms_record_inbound(
        from_number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        sid=request.POST.get("MessageSid", ""),
    )
    if created:
        sms_id = str(sms.pk)
        transaction.on_commit(lambda: pipeline.handle_sms_reply.delay(sms_id=sms_id))
    return HttpResponse(twiml_message(None), content_type="text/xml")


@csrf_exempt
@require_POST
@webhook_rate_limited
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio tells how an SMS fared; a booking offer that could not be delivered sends the lead to a person.

    A callback can overtake the commit that stores the message's sid: it is then applied again shortly, by a task.
    """
    if not _signed_by_twilio(request):
        return HttpResponse(status=403)
    report = {
        "sid": request.POST.get("MessageSid", ""),
        "status": request.POST.get("MessageStatus", ""),
        "error_code": request.POST.get("ErrorCode", ""),
    }
    try:
        sms_apply_delivery_report(**report)
    except SmsNotRecordedYet:
        if report["sid"]:
            pipeline.apply_delivery_report.delay(**report)
    return HttpResponse(status=204)


def _signed_by_twilio(request: HttpRequest) -> bool:
    # The public URL from settings, not the Host header: behind a proxy the two differ and the signature breaks.
    url = public_url(request.get_full_path())
    valid = twilio_signature_valid(url=url, params=request.POST, signature=request.headers.get("X-Twilio-Signature"))
    if not valid:
        # The path only: a query string may carry a phone number.
        logger.warning("Twilio webhook refused: bad or missing signature for %s", request.path)
    return valid
