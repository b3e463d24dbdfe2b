"""The staff CRM for conversations, every email and SMS in and out, and the email templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.transaction import on_commit
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.admin import PhoneSearchMixin, ReadOnlyTabularInline, adopt
from customers.phones import phone_to_e164
from messaging import services
from messaging.ingest import skipped_email_take_as_lead
from messaging.models import Conversation, EmailMessage, EmailTemplate, MailboxState, SkippedEmail, SmsMessage
from renos.pipeline import answer_lead


class EmailMessageInline(ReadOnlyTabularInline):
    model = EmailMessage
    fields = ("sent_at", "direction", "from_address", "to_address", "subject", "status", "is_ai_generated")
    readonly_fields = fields
    ordering = ("sent_at", "id")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "lead", "channel", "status", "message_count", "updated_at")
    list_filter = ("channel", "status")
    search_fields = ("subject", "gmail_thread_id", "customer__name", "customer__email", "lead__customer_name")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "lead")
    autocomplete_fields = ("customer", "lead")
    readonly_fields = ("gmail_thread_id", "closed_at", "created_at", "updated_at")
    inlines = (EmailMessageInline,)
    actions = ("close",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(message_count=Count("messages"))

    @admin.display(description=_("messages"), ordering="message_count")
    def message_count(self, obj: Conversation) -> int:
        return obj.message_count  # type: ignore[attr-defined]

    @admin.action(description=_("Close conversations"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for conversation in queryset:
            services.conversation_close(conversation=conversation)
            count += 1
        self.message_user(
            request,
            ngettext("Closed %(count)d conversation.", "Closed %(count)d conversations.", count) % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Conversation, form: forms.ModelForm, change: bool) -> None:
        closing = change and "status" in form.changed_data and obj.status == Conversation.Status.CLOSED
        if closing:
            # The service stamps closed_at; it closes only what is not closed yet.
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if closing:
            services.conversation_close(conversation=obj)


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = (
        "sent_at",
        "__str__",
        "from_address",
        "to_address",
        "direction",
        "status",
        "is_ai_generated",
        "conversation",
    )
    list_filter = ("direction", "status", "is_ai_generated")
    search_fields = ("subject", "from_address", "to_address", "body_preview", "gmail_message_id", "gmail_thread_id")
    date_hierarchy = "sent_at"
    list_select_related = ("conversation",)
    autocomplete_fields = ("conversation",)
    readonly_fields = ("gmail_message_id", "gmail_thread_id", "body_preview", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: EmailMessage, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: it writes the preview and moves the customer's last contact forward.
        data = form.cleaned_data
        message = services.email_message_create(
            conversation=data["conversation"],
            from_address=data["from_address"],
            to_address=data["to_address"],
            body=data["body"],
            direction=data["direction"],
            subject=data.get("subject", ""),
            status=data.get("status") or EmailMessage.Status.SENT,
            is_ai_generated=data.get("is_ai_generated", False),
            ai_model=data.get("ai_model", ""),
            sent_at=data.get("sent_at"),
        )
        adopt(obj, message)


class SmsMessageForm(forms.ModelForm):
    """The number in E.164, as the rest of the system stores it (fields come from the ModelAdmin)."""

    def clean_phone_number(self) -> str:
        return phone_to_e164(self.cleaned_data.get("phone_number", ""))


@admin.register(SmsMessage)
class SmsMessageAdmin(PhoneSearchMixin, admin.ModelAdmin):
    form = SmsMessageForm
    phone_search_field = "phone_number"
    list_display = ("created_at", "phone_number", "lead", "direction", "message_type", "status", "text", "error_code")
    list_filter = ("direction", "message_type", "status")
    search_fields = ("phone_number", "message_content", "twilio_message_id", "lead__customer_name")
    date_hierarchy = "created_at"
    list_select_related = ("lead",)
    autocomplete_fields = ("lead",)
    readonly_fields = ("twilio_message_id", "created_at")

    @admin.display(description=_("text"))
    def text(self, obj: SmsMessage) -> str:
        return Truncator(obj.message_content).chars(60)


class EmailTemplateForm(forms.ModelForm):
    """A broken template is refused here, not discovered when the next lead gets no reply."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        subject, content = cleaned.get("subject"), cleaned.get("content")
        if subject is not None and content is not None:
            try:
                services.email_template_check_source(subject=subject, content=content)
            except ValidationError as exc:
                self.add_error(None, exc)
        template_type, is_active = cleaned.get("template_type"), cleaned.get("is_active")
        if template_type and is_active:
            other = (
                EmailTemplate.objects.filter(template_type=template_type, is_active=True)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_active",
                    ValidationError(
                        _("%(name)s is the active template of this type; deactivate it first."),
                        params={"name": other.name},
                        code="one_active",
                    ),
                )
        return cleaned


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ("name", "template_type", "subject", "is_active", "updated_at")
    list_filter = ("template_type", "is_active")
    search_fields = ("name", "subject", "content")
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: EmailTemplate, form: forms.ModelForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.EMAIL_TEMPLATE_FIELDS}
        if change:
            services.email_template_update(template=obj, data=data)
        else:
            adopt(obj, services.email_template_create(**data))

    def delete_model(self, request: HttpRequest, obj: EmailTemplate) -> None:
        services.email_template_delete(template=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for template in queryset:
            services.email_template_delete(template=template)


class ViewOnlyAdmin(admin.ModelAdmin):
    """What the system recorded about its own work: staff read it, the pipeline writes it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ResolvedFilter(admin.SimpleListFilter):
    title = _("taken as a lead")
    parameter_name = "resolved"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


@admin.register(SkippedEmail)
class SkippedEmailAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "sender", "subject", "reason", "related_lead", "resolved_at")
    list_filter = ("reason", ResolvedFilter)
    search_fields = ("sender", "subject", "message_id", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("related_lead",)
    fields = (
        "sender",
        "subject",
        "reason",
        "detail",
        "received_at",
        "related_lead",
        "resolved_at",
        "message_id",
        "provider_id",
        "thread_id",
        "created_at",
        "raw_text",
    )
    readonly_fields = fields
    actions = ["take_as_lead"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The raw message can be large; only the page of one email needs it.
        return super().get_queryset(request).defer("raw")

    def has_lead_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("leads.add_lead")

    @admin.action(description=_("Create a lead from the email anyway"), permissions=["lead"])
    def take_as_lead(self, request: HttpRequest, queryset: QuerySet) -> None:
        for skipped in queryset:
            try:
                lead = skipped_email_take_as_lead(skipped=skipped)
            except ValidationError as exc:
                self.message_user(request, f"{skipped}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            on_commit(lambda lead_id=str(lead.pk): answer_lead.delay(lead_id=lead_id))
            self.message_user(request, _("Lead created: %(lead)s") % {"lead": lead}, messages.SUCCESS)

    @admin.display(description=_("raw message"))
    def raw_text(self, obj: SkippedEmail) -> str:
        return format_html("<pre>{}</pre>", bytes(obj.raw).decode("utf-8", errors="replace"))


@admin.register(MailboxState)
class MailboxStateAdmin(ViewOnlyAdmin):
    list_display = ("name", "last_polled_at", "error", "cursor", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("name", "cursor", "last_polled_at", "last_error", "updated_at")

    @admin.display(description=_("last error"))
    def error(self, obj: MailboxState) -> str:
        return Truncator(obj.last_error).chars(80)
