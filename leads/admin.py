"""The staff CRM for leads: the daily list, status changes through the service, and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from customers.admin import (
    AuditHistoryMixin,
    ConversationInline,
    PhoneSearchMixin,
    ReadOnlyTabularInline,
    SpreadsheetExportMixin,
    adopt,
)
from customers.phones import phone_to_e164
from customers.services import customer_link_lead, customer_update_stats
from leads import services
from leads.models import Activity, Lead, ServiceType
from leads.resources import LeadResource
from messaging.models import Direction, EmailMessage, SmsMessage
from renos.pipeline import answer_lead

EMAIL_HISTORY_LIMIT = 20


class ActivityInline(ReadOnlyTabularInline):
    """The timeline of a lead, booking or invoice (Activity has one foreign key to each)."""

    model = Activity
    fields = ("created_at", "type", "title", "description", "status")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    show_change_link = False


class SmsMessageInline(ReadOnlyTabularInline):
    model = SmsMessage
    fields = ("created_at", "direction", "message_type", "status", "phone_number", "message_content")
    readonly_fields = fields
    ordering = ("-created_at", "-id")


class SmsReplyFilter(admin.SimpleListFilter):
    """Leads not booked whose customer sent the last SMS, in the last two weeks: nobody has answered it yet."""

    title = _("SMS reply")
    parameter_name = "sms_reply"
    WINDOW = timedelta(days=14)

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("unanswered", _("Unanswered, not booked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "unanswered":
            return queryset.filter(self.unanswered_condition())
        return queryset

    @classmethod
    def unanswered_condition(cls, now: datetime | None = None) -> Q:
        """A Q on Lead, so the dashboard counts exactly what this filter lists."""
        since = (now or timezone.now()) - cls.WINDOW
        answer = SmsMessage.objects.filter(
            lead=OuterRef("lead"), direction=Direction.OUTBOUND, created_at__gt=OuterRef("created_at")
        )
        unanswered = SmsMessage.objects.filter(
            lead=OuterRef("pk"), direction=Direction.INBOUND, created_at__gte=since
        ).exclude(Exists(answer))
        return Q(status__in=(Lead.Status.NEW, Lead.Status.CONTACTED)) & Q(Exists(unanswered))


class LeadForm(forms.ModelForm):
    """Refuses a status the lead cannot move to, before anything is saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "status" in self.fields and not self.instance._state.adding:
            allowed = services.ALLOWED_TRANSITIONS[self.instance.status]
            if allowed:
                self.fields["status"].help_text = gettext("Next: %(allowed)s.") % {"allowed": _labels(allowed)}
            else:
                self.fields["status"].help_text = gettext("This is the last status.")

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        # The instance still holds the stored status: the form writes to it only after cleaning.
        current = self.instance.status
        if self.instance._state.adding or status == current:
            return status
        allowed = services.ALLOWED_TRANSITIONS[current]
        if status not in allowed:
            params = {"current": Lead.Status(current).label, "new": Lead.Status(status).label}
            if allowed:
                raise ValidationError(
                    _("A lead cannot go from %(current)s to %(new)s. Next can be: %(allowed)s."),
                    params={**params, "allowed": _labels(allowed)},
                    code="invalid_transition",
                )
            raise ValidationError(
                _("A lead cannot go from %(current)s to %(new)s: %(current)s is the last status."),
                params=params,
                code="invalid_transition",
            )
        return status

    def clean_customer_email(self) -> str:
        return (self.cleaned_data.get("customer_email") or "").strip().lower()

    def clean_customer_phone(self) -> str:
        return phone_to_e164(self.cleaned_data.get("customer_phone", ""))


def _labels(statuses: tuple[str, ...]) -> str:
    return ", ".join(str(Lead.Status(status).label) for status in statuses)


STATUS_ACTIONS = {
    Lead.Status.CONTACTED: _("Mark as contacted"),
    Lead.Status.BOOKED: _("Mark as booked"),
    Lead.Status.COMPLETED: _("Mark as completed"),
    Lead.Status.INVOICED: _("Mark as invoiced"),
}


def _status_action(status: str, description: Any) -> Callable[..., None]:
    def action(modeladmin: LeadAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        modeladmin.set_status(request, queryset, status)

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


ADD_FIELDSETS = (
    (None, {"fields": ("customer", "customer_name", "customer_email", "customer_phone", "company_name")}),
    (
        _("Job"),
        {
            "fields": ("source", "service_type", "address", "city", "postal_code", "area_m2", "preferred_date"),
        },
    ),
    (
        _("Estimate"),
        {
            "fields": ("estimated_hours",),
            "description": _("Leave empty to estimate from the service and the area; the price follows the hours."),
        },
    ),
    (_("Status"), {"fields": ("priority", "notes", "email_content")}),
)

CHANGE_FIELDSETS = (
    (None, {"fields": ("customer", "customer_name", "customer_email", "customer_phone", "company_name")}),
    (
        _("Job"),
        {
            "fields": (
                "source",
                "service_type",
                "address",
                "city",
                "postal_code",
                "area_m2",
                "preferred_date",
                "estimated_hours",
                "estimated_price",
            ),
            "description": _("The price follows the hours; a new service or area estimates both again."),
        },
    ),
    (_("Status"), {"fields": ("status", "priority", "notes")}),
    (_("Follow-up"), {"fields": ("needs_follow_up", "follow_up_reason", "last_error")}),
    (_("Messages"), {"fields": ("response_sent", "sms_sent", "email_history", "email_thread_id", "source_message_id")}),
    (_("The inquiry as received"), {"fields": ("email_content", "ai_analysis"), "classes": ("collapse",)}),
    (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
)


@admin.register(Lead)
class LeadAdmin(AuditHistoryMixin, SpreadsheetExportMixin, PhoneSearchMixin, admin.ModelAdmin):
    form = LeadForm
    resource_classes = (LeadResource,)
    # The change page has a "Book" button that opens the booking admin's form for this lead.
    change_form_template = "admin/bookings/lead_change_form.html"
    phone_search_field = "customer_phone"
    list_display = (
        "display_name",
        "source",
        "service_type",
        "status",
        "priority",
        "estimated_price",
        "needs_follow_up",
        "created_at",
    )
    list_filter = (
        "status",
        "needs_follow_up",
        SmsReplyFilter,
        "source",
        "service_type",
        "priority",
        "response_sent",
        "sms_sent",
    )
    search_fields = ("customer_name", "customer_email", "customer_phone", "company_name", "city", "postal_code")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_select_related = ("service_type",)
    autocomplete_fields = ("customer",)
    show_full_result_count = False
    # The flags and ids record what the pipeline did (ticking a box sends no email); the price follows the hours.
    readonly_fields = (
        "estimated_price",
        "needs_follow_up",
        "follow_up_reason",
        "last_error",
        "response_sent",
        "sms_sent",
        "email_history",
        "email_thread_id",
        "source_message_id",
        "ai_analysis",
        "created_at",
        "updated_at",
    )
    inlines = (ActivityInline, ConversationInline, SmsMessageInline)
    actions = [
        *(_status_action(status, description) for status, description in STATUS_ACTIONS.items()),
        "clear_follow_up",
        "retry_answer",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Lead | None = None) -> Any:
        return CHANGE_FIELDSETS if obj is not None else ADD_FIELDSETS

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"source": Lead.Source.MANUAL, **super().get_changeform_initial_data(request)}

    @admin.display(description=_("name"), ordering="customer_name")
    def display_name(self, obj: Lead) -> str:
        return obj.customer_name or obj.customer_email or obj.customer_phone or gettext("unknown")

    @admin.display(description=_("emails"))
    def email_history(self, obj: Lead) -> str:
        emails = list(
            EmailMessage.objects.filter(conversation__lead=obj).order_by("-sent_at", "-id")[:EMAIL_HISTORY_LIMIT]
        )
        if not emails:
            return "-"
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>',
            (
                (
                    date_format(timezone.localtime(email.sent_at), "SHORT_DATETIME_FORMAT"),
                    email.get_direction_display(),
                    email.from_address,
                    reverse("admin:messaging_emailmessage_change", args=[email.pk]),
                    email.subject or email.body_preview or "-",
                )
                for email in emails
            ),
        )
        return format_html("<table>{}</table>", rows)

    def save_model(self, request: HttpRequest, obj: Lead, form: forms.ModelForm, change: bool) -> None:
        if not change:
            self._create(obj, form)
            return
        # A fresh copy: the form has already written the new values onto `obj`, and lead_update
        # compares with the stored ones to know whether to price the lead again.
        lead = Lead.objects.get(pk=obj.pk)
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.LEAD_UPDATE_FIELDS}
        if data:
            services.lead_update(lead=lead, data=data)
        if "customer" in form.changed_data:
            self._link_customer(lead, form.cleaned_data["customer"])
        if "status" in form.changed_data:
            try:
                services.lead_set_status(lead=lead, status=form.cleaned_data["status"])
            except ValidationError as exc:  # moved by someone else since the form was opened
                self.message_user(request, f"{lead}: {' '.join(exc.messages)}", messages.ERROR)
        adopt(obj, lead)

    def _link_customer(self, lead: Lead, customer: Any) -> None:
        if customer is not None:
            customer_link_lead(customer=customer, lead=lead)
            return
        previous = lead.customer
        lead.customer = None
        lead.save(update_fields=["customer", "updated_at"])
        if previous is not None:
            customer_update_stats(customer=previous)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, list[Any]]:
        # Bookings would go with the lead (they cascade); lead_delete refuses, so the page says so up front.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        bookings = Booking.objects.filter(lead__in=objs)
        protected = [*protected, *(f"{Booking._meta.verbose_name.capitalize()}: {booking}" for booking in bookings)]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Lead) -> None:
        services.lead_delete(lead=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for lead in queryset:
            services.lead_delete(lead=lead)

    def _create(self, obj: Lead, form: forms.ModelForm) -> None:
        """Through `lead_create`, so the lead is priced, linked to its customer and starts its timeline."""
        data = form.cleaned_data
        lead = services.lead_create(
            source=data.get("source") or Lead.Source.MANUAL,
            service_type=data.get("service_type"),
            estimated_hours=data.get("estimated_hours"),
            customer=data.get("customer"),
            **{name: data[name] for name in services.LEAD_FIELDS if name in data},
        )
        adopt(obj, lead)

    @admin.action(description=_("Clear follow-up (a person has taken over)"), permissions=["change"])
    def clear_follow_up(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for lead in queryset.filter(needs_follow_up=True):
            services.lead_clear_follow_up(lead=lead)
            count += 1
        self.message_user(
            request,
            ngettext("Cleared the follow-up of %(count)d lead.", "Cleared the follow-up of %(count)d leads.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Retry the automatic answer"), permissions=["change"])
    def retry_answer(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for lead in queryset.filter(response_sent=False).exclude(customer_email=""):
            services.lead_clear_follow_up(lead=lead)
            transaction.on_commit(lambda lead_id=str(lead.pk): answer_lead.delay(lead_id=lead_id))
            count += 1
        self.message_user(
            request,
            ngettext("Queued the answer to %(count)d lead.", "Queued the answers to %(count)d leads.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        label = Lead.Status(status).label
        moved = 0
        for lead in queryset:
            if lead.status == status:
                self.message_user(
                    request, gettext("%(lead)s is already %(status)s.") % {"lead": lead, "status": label}, messages.INFO
                )
                continue
            try:
                services.lead_set_status(lead=lead, status=status)
            except ValidationError as exc:
                self.message_user(
                    request,
                    gettext("%(lead)s was not changed: %(error)s") % {"lead": lead, "error": " ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d lead marked as %(status)s.", "%(count)d leads marked as %(status)s.", moved)
                % {"count": moved, "status": label},
                messages.SUCCESS,
            )


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "m2_per_hour", "default_hours", "billy_product_number", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    readonly_fields = ("created_at", "updated_at")
    prepopulated_fields = {"code": ("name",)}

    def get_readonly_fields(self, request: HttpRequest, obj: ServiceType | None = None) -> Any:
        if obj is not None:
            # Leads and bookings point at the code; renaming it would orphan them.
            return ("code", *self.readonly_fields)
        return self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: ServiceType | None = None) -> dict[str, Any]:
        return self.prepopulated_fields if obj is None else {}

    def save_model(self, request: HttpRequest, obj: ServiceType, form: forms.ModelForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.SERVICE_TYPE_FIELDS if name in form.cleaned_data}
        if change:
            services.service_type_update(service_type=obj, data=data)
        else:
            adopt(obj, services.service_type_create(**data))

    def delete_model(self, request: HttpRequest, obj: ServiceType) -> None:
        services.service_type_delete(service_type=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for service_type in queryset:
            services.service_type_delete(service_type=service_type)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The timeline is history: entries are added (a note from a phone call), never rewritten."""

    list_display = ("created_at", "title", "type", "status", "customer", "lead", "booking", "invoice")
    list_filter = ("type", "status")
    search_fields = ("title", "description", "customer")
    date_hierarchy = "created_at"
    list_select_related = ("lead", "booking", "invoice")
    autocomplete_fields = ("lead", "booking", "invoice")
    fields = ("lead", "booking", "invoice", "type", "title", "description", "status")
    readonly_fields = ("customer", "metadata", "created_at")

    def get_fields(self, request: HttpRequest, obj: Activity | None = None) -> Any:
        if obj is not None:
            return (*self.fields, *self.readonly_fields)
        return self.fields

    def has_change_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Activity, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        activity = services.activity_create(
            title=data["title"],
            type=data["type"],
            description=data.get("description", ""),
            status=data.get("status") or Activity.Status.INFO,
            lead=data.get("lead"),
            booking=data.get("booking"),
            invoice=data.get("invoice"),
            metadata={"by": request.user.get_username()},
        )
        adopt(obj, activity)
