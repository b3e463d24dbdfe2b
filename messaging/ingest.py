"""From an inbound email to a lead with its customer and conversation, or to a reply, a duplicate or a skip."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from customers.phones import phone_to_e164
from integrations.gemini import get_advisor
from leads.models import Activity, Lead
from leads.parsing import NotAnEmail, ParsedEmail, parse_email
from leads.services import activity_create, lead_create, lead_flag_follow_up
from messaging.models import Conversation, Direction, EmailMessage, MailboxState, SkippedEmail
from messaging.second_opinion import needs_second_opinion, second_opinion
from messaging.services import conversation_create, email_message_create

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=7)


class Outcome:
    LEAD = "lead"
    REPLY = "reply"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    ALREADY = "already"


@dataclass(frozen=True)
class IngestResult:
    outcome: str
    lead: Lead | None = None
    message: EmailMessage | None = None
    skipped: SkippedEmail | None = None


def email_ingest(
    *, raw: bytes, provider_id: str = "", provider_thread_id: str = "", force_lead: bool = False
) -> IngestResult:
    """Ingest one email in one transaction; the same email twice (also from two racing workers) is one lead.

    `force_lead` makes a lead even when the same customer has an open lead (staff overriding the duplicate check).
    What the inbox creates is left out of the audit log, which records what people change: the lead's timeline
    ("Nyt lead oprettet") and the stored email already say where it came from.
    """
    try:
        parsed = parse_email(raw)
    except NotAnEmail as exc:
        return _skip(raw=raw, parsed=None, provider_id=provider_id, thread_id=provider_thread_id, detail=str(exc))
    ai_analysis: dict[str, Any] = {}
    advisor = get_advisor()
    if (
        advisor.available
        and needs_second_opinion(parsed)
        and not (parsed.message_id and _already_ingested(parsed.message_id, force=force_lead))
    ):
        # Asked outside the transaction: a slow answer must not hold database locks.
        parsed, ai_analysis = second_opinion(parsed, advisor)
    try:
        with transaction.atomic(), disable_auditlog():
            return _ingest(
                parsed,
                raw=raw,
                provider_id=provider_id,
                thread_id=provider_thread_id,
                force=force_lead,
                ai_analysis=ai_analysis,
            )
    except IntegrityError:
        if not (parsed.message_id and _already_ingested(parsed.message_id, force=force_lead)):
            # Not this message recorded twice but another conflict (two mails of one Gmail thread at once, a service
            # deleted meanwhile): the email stays unprocessed and is ingested again at the next poll.
            raise
        # Another worker recorded this very message between our checks and our insert.
        logger.info("email %s was ingested by another worker", provider_id or "(no provider id)")
        return IngestResult(Outcome.ALREADY, lead=_lead_of_message(parsed.message_id))


def _ingest(
    parsed: ParsedEmail, *, raw: bytes, provider_id: str, thread_id: str, force: bool, ai_analysis: dict[str, Any]
) -> IngestResult:
    if parsed.message_id and _already_ingested(parsed.message_id, force=force):
        return IngestResult(Outcome.ALREADY, lead=_lead_of_message(parsed.message_id))
    if not parsed.is_lead and not force:
        conversation = _known_conversation(parsed, thread_id)
        if conversation is None:
            return _skip(raw=raw, parsed=parsed, provider_id=provider_id, thread_id=thread_id)
        message = _record_inbound(conversation, parsed, provider_id=provider_id, thread_id=thread_id)
        if conversation.lead_id:
            activity_create(
                lead=conversation.lead,
                type=Activity.Type.EMAIL,
                title="Svar modtaget fra kunden",
                description=message.body_preview,
                metadata={"email_message": str(message.pk)},
            )
        return IngestResult(Outcome.REPLY, lead=conversation.lead, message=message)

    if not force and (open_lead := _open_lead_of_same_customer(parsed)):
        return _add_to_open_lead(open_lead, parsed, raw=raw, provider_id=provider_id, thread_id=thread_id)
    return _new_lead(parsed, provider_id=provider_id, thread_id=thread_id, ai_analysis=ai_analysis, force=force)


def _new_lead(
    parsed: ParsedEmail, *, provider_id: str, thread_id: str, ai_analysis: dict[str, Any], force: bool
) -> IngestResult:
    lead = lead_create(
        source=parsed.source or Lead.Source.MANUAL,
        service_type=parsed.service_type,
        customer_name=parsed.customer_name or "",
        customer_email=parsed.customer_email or "",
        customer_phone=_safe_phone(parsed.customer_phone),
        company_name=parsed.company or "",
        address=parsed.address or "",
        city=parsed.city or "",
        postal_code=parsed.postal_code or "",
        area_m2=parsed.area_m2,
        preferred_date=parsed.preferred_date,
        notes=parsed.notes or "",
        email_content=parsed.text_body,
        email_thread_id=thread_id or parsed.thread_key or "",
        source_message_id=parsed.message_id or None,
        ai_analysis=ai_analysis,
    )
    gmail_thread = thread_id or parsed.thread_key or None
    if gmail_thread and Conversation.objects.filter(gmail_thread_id=gmail_thread).exists():
        # Gmail groups portal mails with the same subject into one thread: each lead still gets its own conversation.
        gmail_thread = None
    conversation = conversation_create(
        customer=lead.customer, lead=lead, subject=parsed.subject, gmail_thread_id=gmail_thread
    )
    recorded = _inbound_record(parsed.message_id) if force else None
    if recorded is not None:
        # Staff took an email that was added to an open lead as a lead of its own: it moves to the new conversation.
        recorded.conversation = conversation
        recorded.save(update_fields=["conversation", "updated_at"])
        message = recorded
    else:
        message = _record_inbound(conversation, parsed, provider_id=provider_id, thread_id=thread_id)
    if not lead.customer_email and not lead.customer_phone:
        lead_flag_follow_up(
            lead=lead, reason="Henvendelsen har hverken e-mail eller telefonnummer, så der kan ikke svares automatisk."
        )
    return IngestResult(Outcome.LEAD, lead=lead, message=message)


def skipped_email_take_as_lead(*, skipped: SkippedEmail) -> Lead:
    """Staff override: make a lead of an email that was skipped (not recognised, or added to an open lead)."""
    if skipped.resolved_at and skipped.related_lead_id:
        return skipped.related_lead
    if skipped.reason == SkippedEmail.Reason.UNREADABLE:
        raise ValidationError("E-mailen kunne ikke læses, så der kan ikke laves et lead ud fra den.")
    result = email_ingest(
        raw=bytes(skipped.raw), provider_id=skipped.provider_id, provider_thread_id="", force_lead=True
    )
    if result.lead is None:
        raise ValidationError("Der kunne ikke laves et lead ud fra e-mailen.")
    SkippedEmail.objects.filter(pk=skipped.pk).update(related_lead=result.lead, resolved_at=timezone.now())
    skipped.refresh_from_db()
    activity_create(
        lead=result.lead,
        type=Activity.Type.EMAIL,
        title="Lead oprettet manuelt fra sprunget e-mail",
        description=f"{skipped.get_reason_display()}: {skipped.subject}",
        metadata={"skipped_email": str(skipped.pk)},
    )
    return result.lead


def _add_to_open_lead(lead: Lead, parsed: ParsedEmail, *, raw: bytes, provider_id: str, thread_id: str) -> IngestResult:
    conversation = lead.conversations.order_by("created_at").first() or conversation_create(
        customer=lead.customer, lead=lead, subject=parsed.subject
    )
    message = _record_inbound(conversation, parsed, provider_id=provider_id, thread_id=thread_id)
    skipped = SkippedEmail.objects.create(
        provider_id=provider_id,
        message_id=parsed.message_id or None,
        thread_id=thread_id or parsed.thread_key or "",
        sender=parsed.sender,
        subject=parsed.subject[:500],
        reason=SkippedEmail.Reason.DUPLICATE,
        detail=f"Kunden har allerede et åbent lead fra {timezone.localtime(lead.created_at):%d.%m.%Y %H:%M}.",
        raw=raw,
        received_at=parsed.received_at,
        related_lead=lead,
    )
    activity_create(
        lead=lead,
        type=Activity.Type.EMAIL,
        title="Ny henvendelse fra samme kunde",
        description=(
            "Kunden har skrevet igen, mens leadet stadig er åbent. Beskeden er lagt på denne samtale i stedet for "
            "at blive et nyt lead; under Sprungne e-mails kan den alligevel oprettes som et nyt lead."
        ),
        metadata={"skipped_email": str(skipped.pk), "email_message": str(message.pk)},
    )
    return IngestResult(Outcome.DUPLICATE, lead=lead, message=message, skipped=skipped)


def _skip(
    *, raw: bytes, parsed: ParsedEmail | None, provider_id: str, thread_id: str, detail: str = ""
) -> IngestResult:
    message_id = parsed.message_id if parsed else None
    if message_id and (existing := SkippedEmail.objects.filter(message_id=message_id).first()):
        return IngestResult(Outcome.ALREADY, skipped=existing)
    reason = SkippedEmail.Reason.NOT_A_LEAD if parsed else SkippedEmail.Reason.UNREADABLE
    skipped = SkippedEmail.objects.create(
        provider_id=provider_id,
        message_id=message_id or None,
        thread_id=thread_id or (parsed.thread_key if parsed else "") or "",
        sender=parsed.sender if parsed else "",
        subject=(parsed.subject if parsed else "")[:500],
        reason=reason,
        detail=(parsed.skip_reason if parsed else detail) or detail,
        raw=raw,
        received_at=parsed.received_at if parsed else None,
    )
    logger.info("email %s skipped (skipped email %s): %s", provider_id or "-", skipped.pk, skipped.detail)
    return IngestResult(Outcome.SKIPPED, skipped=skipped)


def _record_inbound(
    conversation: Conversation, parsed: ParsedEmail, *, provider_id: str, thread_id: str
) -> EmailMessage:
    return email_message_create(
        conversation=conversation,
        from_address=parsed.reply_to or parsed.sender,
        to_address=settings.RENOS_COMPANY_EMAIL,
        subject=parsed.subject,
        body=parsed.text_body,
        direction=Direction.INBOUND,
        gmail_message_id=provider_id if thread_id else None,
        gmail_thread_id=thread_id,
        sent_at=parsed.received_at,
        rfc822_message_id=parsed.message_id or "",
    )


def _already_ingested(message_id: str, *, force: bool) -> bool:
    """Is this email a lead already (or, unless forced, a recorded reply or skip)? One query.

    Written out as SQL: every email asks this, and building the same question as a union of three querysets cost
    more than half a millisecond of Python each time, several times what the database takes to answer it.
    """
    checks = [_exists_sql(Lead, "source_message_id")]
    params = [message_id]
    if not force:
        checks += [_exists_sql(EmailMessage, "rfc822_message_id", "direction"), _exists_sql(SkippedEmail, "message_id")]
        params += [message_id, Direction.INBOUND, message_id]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {' OR '.join(checks)}", params)
        return bool(cursor.fetchone()[0])


def _exists_sql(model: type[models.Model], *fields: str) -> str:
    """EXISTS (SELECT 1 FROM <model's table> WHERE <field> = %s AND …), with the names quoted for this database."""
    quote = connection.ops.quote_name
    where = " AND ".join(f"{quote(model._meta.get_field(field).column)} = %s" for field in fields)
    return f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {where})"


def _inbound_record(message_id: str | None) -> EmailMessage | None:
    if not message_id:
        return None
    return EmailMessage.objects.filter(rfc822_message_id=message_id, direction=Direction.INBOUND).first()


def _lead_of_message(message_id: str | None) -> Lead | None:
    if not message_id:
        return None
    return Lead.objects.filter(source_message_id=message_id).first()


def _known_conversation(parsed: ParsedEmail, thread_id: str) -> Conversation | None:
    """The conversation this email answers: by the Message-IDs it refers to, else by the provider's thread."""
    referred = {value for value in (parsed.in_reply_to, parsed.thread_key) if value and value != parsed.message_id}
    if referred:
        lead = Lead.objects.filter(source_message_id__in=referred).first()
        if lead and (conversation := lead.conversations.order_by("created_at").first()):
            return conversation
        message = EmailMessage.objects.filter(rfc822_message_id__in=referred).select_related("conversation").first()
        if message:
            return message.conversation
    if thread_id:
        return Conversation.objects.filter(
            Q(gmail_thread_id=thread_id) | Q(messages__gmail_thread_id=thread_id)
        ).first()
    return None


def _open_lead_of_same_customer(parsed: ParsedEmail) -> Lead | None:
    matches = Q()
    if parsed.customer_email:
        # Leads keep their email normalised (lead_create, lead_update), so an exact match finds them, and unlike
        # iexact it can use the index on customer_email instead of reading every lead of the week.
        matches |= Q(customer_email=parsed.customer_email.strip().lower())
    if phone := _safe_phone(parsed.customer_phone):
        matches |= Q(customer_phone=phone)
    if not matches:
        return None
    since = timezone.now() - DUPLICATE_WINDOW
    recent = Lead.objects.open().filter(matches, created_at__gte=since).order_by("-created_at")
    # Most emails have no open lead: ask for the id alone (far cheaper) and load the lead only when there is one.
    lead_id = recent.values_list("pk", flat=True).first()
    return Lead.objects.get(pk=lead_id) if lead_id else None


def _safe_phone(value: Any) -> str:
    try:
        return phone_to_e164(value or "")
    except ValidationError:
        # A number the parser let through but phonenumbers refuses is left out rather than failing the lead.
        return ""


@dataclass(frozen=True)
class PollResult:
    results: list[IngestResult]
    failed: int


def inbox_poll(*, inbox: Any, mailbox: str = "inbox", limit: int = 100) -> PollResult:
    """Read what is new in the inbox and ingest it, one transaction per email.

    An email is marked processed (Gmail label, local file moved) only after its data is committed, and the cursor
    moves on only when every email of the batch was ingested, so nothing is skipped when something fails.
    """
    state, _created = MailboxState.objects.get_or_create(name=mailbox)
    batch = inbox.fetch_new(cursor=state.cursor or None, limit=limit)
    results: list[IngestResult] = []
    failed = 0
    for message in batch.messages:
        try:
            result = email_ingest(raw=message.raw, provider_id=message.id, provider_thread_id=message.thread_id)
        except Exception:
            failed += 1
            logger.exception("ingesting email %s failed; it stays unprocessed for the next poll", message.id)
            continue
        results.append(result)
        lead_id = str(result.lead.pk) if result.lead else None
        logger.info("email %s ingested: %s", message.id, result.outcome, extra={"lead_id": lead_id})
        inbox.mark_processed(message)
    update: dict[str, Any] = {"last_polled_at": timezone.now(), "last_error": ""}
    if failed:
        update["last_error"] = f"{failed} e-mail(s) kunne ikke indlæses og prøves igen ved næste hentning."
    elif batch.cursor:
        update["cursor"] = batch.cursor
    MailboxState.objects.filter(pk=state.pk).update(**update)
    return PollResult(results=results, failed=failed)
