"""The staff CRM for customers, and the small admin helpers the other apps' admins share."""

from __future__ import annotations

from typing import Any

from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from taggit.models import Tag

from customers import services
from customers.models import Customer
from customers.phones import phone_to_e164
from customers.resources import CustomerResource
from leads.models import Lead
from messaging.models import Conversation

# --- Shared by the admins of the other apps -------------------------------------------------------


def phone_from_search(term: str) -> str:
    """The search term as E.164 when it reads as a phone number ("20 11 22 33"), else ""."""
    if sum(char.isdigit() for char in term) < 8:
        return ""
    try:
        return phone_to_e164(term)
    except ValidationError:
        return ""


class PhoneSearchMixin:
    """Search also finds a phone number typed the way Danes write it, since numbers are stored in E.164."""

    phone_search_field = "phone"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        phone = phone_from_search(search_term)
        if phone:
            results = results | queryset.filter(**{self.phone_search_field: phone})
        return results, may_have_duplicates


class ReadOnlyTabularInline(admin.TabularInline):
    """Rows written by services, shown for context with a link to their own page; never edited here."""

    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def adopt(obj: Model, created: Model) -> None:
    """Turn the admin's unsaved `obj` into the row a service just created, so the log and redirect point at it."""
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False


SPREADSHEET_FORMATS = (base_formats.CSV, base_formats.XLSX)


class SpreadsheetExportMixin(ExportMixin):
    """An Export button on the changelist: CSV or Excel of the rows as they are filtered and searched right now."""

    formats = SPREADSHEET_FORMATS


class AuditHistoryMixin(AuditlogHistoryAdminMixin):
    """The History button of a change page opens the audit trail: every change to the row and who made it, whether
    in the admin, through the API or by the pipeline (Django's own history knows only admin edits)."""

    auditlog_history_per_page = 20

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(gettext("Nothing with this id."))
        return self.auditlog_history_view(request, object_id, extra_context)

    def get_paginator(self, request: HttpRequest, queryset: QuerySet, *args: Any, **kwargs: Any) -> Any:
        if queryset.model is LogEntry:
            # Each entry names its fields through its content type: one join instead of a query per entry.
            queryset = queryset.select_related("content_type")
        return super().get_paginator(request, queryset, *args, **kwargs)  # type: ignore[misc]


BULK_EXAMPLES = 10  # the rows named on the page; the count says how many there are in all


def bulk_action_page(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, form: forms.Form, *, title: Any, submit: Any
) -> HttpResponse:
    """The page between choosing a bulk action and applying it, for actions that need a value (a tag, a status).

    It posts the action and the selection back to the changelist, which calls the action again with the form filled in.
    """
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "form": form,
        "submit": submit,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "count": queryset.count(),
        "examples": list(queryset[:BULK_EXAMPLES]),
        "changelist_url": request.get_full_path(),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/bulk_action_form.html", context)


def bulk_form(form_class: type[forms.Form], request: HttpRequest) -> forms.Form:
    """The action's form, bound once the intermediate page is submitted ("apply")."""
    return form_class(request.POST if "apply" in request.POST else None)


class ConversationInline(ReadOnlyTabularInline):
    model = Conversation
    fields = ("subject", "channel", "status", "message_count", "updated_at")
    readonly_fields = fields
    ordering = ("-updated_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(message_count=Count("messages"))

    @admin.display(description=_("messages"))
    def message_count(self, obj: Conversation) -> int:
        return obj.message_count  # type: ignore[attr-defined]


# --- Customers ------------------------------------------------------------------------------------


class TagFilter(admin.SimpleListFilter):
    """The tags customers actually carry (not every tag in the project)."""

    title = _("tags")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        names = Tag.objects.filter(customers_taggedcustomer_items__isnull=False).distinct().order_by("name")
        return [(name, name) for name in names.values_list("name", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(tagged_items__tag__name=self.value())
        return queryset


class CustomerForm(forms.ModelForm):
    """Field errors (not a 500 or a nameless constraint message) for a bad phone or a taken email.

    No Meta: the ModelAdmin's fieldsets say which fields the form has, in one place.
    """

    def clean_email(self) -> str | None:
        email = services.normalize_email(self.cleaned_data.get("email"))
        existing = Customer.objects.with_email(email).exclude(pk=self.instance.pk).first() if email else None
        if existing is not None:
            raise ValidationError(
                _("%(name)s already has the email %(email)s."),
                params={"name": existing.name, "email": email},
                code="duplicate",
            )
        return email

    def clean_phone(self) -> str:
        return phone_to_e164(self.cleaned_data.get("phone", ""))


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=100, help_text=_("One tag, e.g. vip or erhverv."))

    def clean_tag(self) -> str:
        tag = self.cleaned_data["tag"].strip()
        if not tag or "," in tag:
            raise ValidationError(_("Give one tag, without commas."), code="tag")
        return tag


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Customer.Status.choices)


class LeadInline(ReadOnlyTabularInline):
    model = Lead
    fields = ("created_at", "source", "service_type", "status", "estimated_price")
    readonly_fields = fields
    ordering = ("-created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("service_type")


def new_lead_url(customer: Customer) -> str:
    """The admin's lead form filled in with this customer's contact details."""
    prefill = {
        "customer": customer.pk,
        "customer_name": customer.name,
        "customer_email": customer.email or "",
        "customer_phone": customer.phone,
        "company_name": customer.company_name,
    }
    return f"{reverse('admin:leads_lead_add')}?{urlencode(prefill)}"


@admin.register(Customer)
class CustomerAdmin(AuditHistoryMixin, ImportExportMixin, PhoneSearchMixin, admin.ModelAdmin):
    form = CustomerForm
    # CSV or Excel, out as filtered and in through the customer services (a dry run shows every row first).
    resource_classes = (CustomerResource,)
    formats = SPREADSHEET_FORMATS
    list_display = (
        "name",
        "email",
        "phone",
        "company_name",
        "status",
        "tag_list",
        "total_leads",
        "total_bookings",
        "total_revenue",
        "last_contact_at",
        "created_at",
    )
    list_filter = ("status", TagFilter)
    search_fields = ("name", "email", "phone", "company_name")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "new_lead",
        "total_leads",
        "total_bookings",
        "total_revenue",
        "last_contact_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("name", "email", "phone", "company_name", "address", "status", "tags", "notes", "new_lead")},
        ),
        (_("Statistics"), {"fields": ("total_leads", "total_bookings", "total_revenue", "last_contact_at")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    add_fieldsets = ((None, {"fields": ("name", "email", "phone", "company_name", "address", "tags", "notes")}),)
    inlines = (LeadInline, ConversationInline)
    actions = ("recompute_stats", "soft_delete", "add_tag", "remove_tag", "set_status")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("tags")

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        return self.fieldsets if obj is not None else self.add_fieldsets

    def save_model(self, request: HttpRequest, obj: Customer, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            editable = (*services.EDITABLE_FIELDS, "tags")
            services.customer_update(
                customer=obj, data={name: data[name] for name in form.changed_data if name in editable}
            )
            return
        customer = services.customer_create(
            **{name: data[name] for name in ("name", "email", "phone", "address", "company_name", "notes", "tags")}
        )
        adopt(obj, customer)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting is soft (the "Deactivate" action): invoices and the history must keep their customer.
        return False

    @admin.display(description=_("new lead"))
    def new_lead(self, obj: Customer) -> str:
        """A lead form filled in with this customer, for the customer who calls in."""
        return format_html('<a href="{}">{}</a>', new_lead_url(obj), _("Add a lead for this customer"))

    @admin.display(description=_("tags"))
    def tag_list(self, obj: Customer) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    @admin.action(description=_("Recompute statistics"), permissions=["change"])
    def recompute_stats(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for customer in queryset:
            services.customer_update_stats(customer=customer)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Recomputed the statistics of %(count)d customer.",
                "Recomputed the statistics of %(count)d customers.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate (soft delete)"), permissions=["change"])
    def soft_delete(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for customer in queryset:
            if customer.status != Customer.Status.ACTIVE:
                # A blocked customer stays blocked: deactivating would quietly lift the block.
                self.message_user(
                    request,
                    gettext("%(customer)s is already %(status)s; left as it is.")
                    % {"customer": customer, "status": customer.get_status_display()},
                    messages.WARNING,
                )
                continue
            services.customer_delete(customer=customer)
            count += 1
        if count:
            self.message_user(
                request,
                ngettext("Deactivated %(count)d customer.", "Deactivated %(count)d customers.", count)
                % {"count": count},
                messages.SUCCESS,
            )

    @admin.action(description=_("Add a tag"), permissions=["change"])
    def add_tag(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = bulk_form(TagForm, request)
        if not form.is_valid():
            return bulk_action_page(self, request, queryset, form, title=_("Add a tag"), submit=_("Add the tag"))
        tag = form.cleaned_data["tag"]
        count = 0
        for customer in queryset.prefetch_related("tags"):
            names = [existing.name for existing in customer.tags.all()]
            if tag.casefold() not in {name.casefold() for name in names}:
                services.customer_update(customer=customer, data={"tags": [*names, tag]})
                count += 1
        self.message_user(
            request,
            ngettext("Tagged %(count)d customer “%(tag)s”.", "Tagged %(count)d customers “%(tag)s”.", count)
            % {"count": count, "tag": tag},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Remove a tag"), permissions=["change"])
    def remove_tag(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = bulk_form(TagForm, request)
        if not form.is_valid():
            return bulk_action_page(self, request, queryset, form, title=_("Remove a tag"), submit=_("Remove the tag"))
        tag = form.cleaned_data["tag"]
        count = 0
        for customer in queryset.prefetch_related("tags"):
            names = [existing.name for existing in customer.tags.all()]
            kept = [name for name in names if name.casefold() != tag.casefold()]
            if kept != names:
                services.customer_update(customer=customer, data={"tags": kept})
                count += 1
        self.message_user(
            request,
            ngettext(
                "Removed the tag “%(tag)s” from %(count)d customer.",
                "Removed the tag “%(tag)s” from %(count)d customers.",
                count,
            )
            % {"count": count, "tag": tag},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Set the status"), permissions=["change"])
    def set_status(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = bulk_form(StatusForm, request)
        if not form.is_valid():
            title = _("Set the status")
            return bulk_action_page(self, request, queryset, form, title=title, submit=title)
        status = form.cleaned_data["status"]
        count = 0
        for customer in queryset.exclude(status=status):
            services.customer_update(customer=customer, data={"status": status})
            count += 1
        self.message_user(
            request,
            ngettext("Set %(count)d customer to %(status)s.", "Set %(count)d customers to %(status)s.", count)
            % {"count": count, "status": Customer.Status(status).label},
            messages.SUCCESS,
        )
        return None
