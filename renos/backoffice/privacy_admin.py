"""GDPR in the admin: export a customer's personal data, erase a customer."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import EmailMessage, SmsMessage
from renos.privacy import customer_erase, customer_personal_data_export

ERASE_PERMISSION = "customers.erase_personal_data"


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Why, e.g. “The customer asked by email on 3 March”. Kept on the timeline; the customer's own details "
            "are blanked out of it."
        ),
    )


class PrivacyAdminMixin:
    """Customer admin: the personal-data export and erase actions, and both on each customer's page."""

    privacy_actions: tuple[str, ...] = ("export_personal_data", "erase_personal_data")

    # --- Permissions and the customer page ---------------------------------------------------------------------

    def has_erase_personal_data_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        """Superusers, and staff given the dedicated permission: an erase cannot be undone."""
        return request.user.is_active and request.user.has_perm(ERASE_PERMISSION)

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if obj is None:
            return fieldsets
        fields = ["privacy_export"]
        if self.has_erase_personal_data_permission(request, obj):
            fields.append("privacy_erase")
        if obj.anonymised_at:
            fields.append("anonymised_at")
        return (*fieldsets, (_("Personal data (GDPR)"), {"fields": tuple(fields), "classes": ("collapse",)}))

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        readonly = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return (*readonly, "privacy_export", "privacy_erase", "anonymised_at")

    @admin.display(description=_("export"))
    def privacy_export(self, obj: Customer) -> str:
        url = reverse("admin:customers_customer_privacy_export", args=[quote(obj.pk)])
        return format_html('<a href="{}">{}</a>', url, _("Download everything about this customer (JSON)"))

    @admin.display(description=_("erase"))
    def privacy_erase(self, obj: Customer) -> str:
        url = reverse("admin:customers_customer_privacy_erase", args=[quote(obj.pk)])
        label = _("Erase again (only new data is touched)") if obj.anonymised_at else _("Erase personal data…")
        return format_html('<a href="{}" class="deletelink">{}</a>', url, label)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view  # type: ignore[attr-defined]
        urls = [
            path(
                "<path:object_id>/privacy/export/",
                view(self.privacy_export_view),
                name="customers_customer_privacy_export",
            ),
            path(
                "<path:object_id>/privacy/erase/",
                view(self.privacy_erase_view),
                name="customers_customer_privacy_erase",
            ),
        ]
        # First: the admin's own "<path:object_id>/" route would otherwise take these for a customer's page.
        return urls + super().get_urls()  # type: ignore[misc]

    # --- Export ------------------------------------------------------------------------------------------------

    @admin.action(description=_("Export personal data (JSON)"), permissions=["view"])
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse:
        customers = list(queryset.order_by("name", "pk"))
        if len(customers) == 1:
            return _download(customer_personal_data_export(customer=customers[0]), customers[0])
        data = {"customers": [customer_personal_data_export(customer=customer) for customer in customers]}
        return _download(data, None)

    def privacy_export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        customer = self._customer_or_404(request, object_id)
        if not self.has_view_permission(request, customer):  # type: ignore[attr-defined]
            raise PermissionDenied
        return _download(customer_personal_data_export(customer=customer), customer)

    # --- Erase -------------------------------------------------------------------------------------------------

    @admin.action(description=_("Erase personal data"), permissions=["erase_personal_data"])
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        form = EraseForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            self._erase(request, list(queryset), form.cleaned_data["reason"])
            return None
        return self._erase_page(request, queryset, form, selected=True)

    def privacy_erase_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        customer = self._customer_or_404(request, object_id)
        if not self.has_erase_personal_data_permission(request, customer):
            raise PermissionDenied
        form = EraseForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            self._erase(request, [customer], form.cleaned_data["reason"])
            return HttpResponseRedirect(reverse("admin:customers_customer_change", args=[quote(customer.pk)]))
        return self._erase_page(request, Customer.objects.filter(pk=customer.pk), form, selected=False)

    def _erase(self, request: HttpRequest, customers: list[Customer], reason: str) -> None:
        erased = 0
        for customer in customers:
            try:
                customer_erase(customer=customer, actor=request.user, reason=reason)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]
                continue
            erased += 1
        if erased:
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "Erased the personal data of %(count)d customer. The invoices are kept.",
                    "Erased the personal data of %(count)d customers. The invoices are kept.",
                    erased,
                )
                % {"count": erased},
                messages.SUCCESS,
            )

    def _erase_page(
        self, request: HttpRequest, queryset: QuerySet[Customer], form: EraseForm, *, selected: bool
    ) -> TemplateResponse:
        customers = list(with_erase_counts(queryset).order_by("name", "pk"))
        opts = self.model._meta  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": gettext("Erase personal data"),
            "opts": opts,
            "customers": customers,
            "blocked": [customer for customer in customers if customer.open_booking_count],
            "form": form,
            "selected": selected,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/privacy/erase_confirmation.html", context)

    def _customer_or_404(self, request: HttpRequest, object_id: str) -> Customer:
        customer = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if customer is None:
            raise Http404(gettext("No customer with this id."))
        return customer


def with_erase_counts(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """What the confirmation page shows per customer, counted in the same query as the customers."""
    now = timezone.now()
    open_bookings = Q(status=Booking.Status.IN_PROGRESS) | Q(status=Booking.Status.SCHEDULED, booking_date__gte=now)
    return queryset.annotate(
        lead_count=_count(Lead.objects.filter(customer=OuterRef("pk"))),
        email_count=_count(EmailMessage.objects.filter(conversation__customer=OuterRef("pk"))),
        sms_count=_count(SmsMessage.objects.filter(lead__customer=OuterRef("pk"))),
        booking_count=_count(Booking.objects.filter(customer=OuterRef("pk"))),
        open_booking_count=_count(Booking.objects.filter(open_bookings, customer=OuterRef("pk"))),
        invoice_count=_count(Invoice.objects.filter(customer=OuterRef("pk"))),
    )


class _Count(Subquery):
    """How many rows the queryset has, as a subquery of the outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def _count(queryset: QuerySet) -> _Count:
    return _Count(queryset.order_by().values("pk"))


def _download(data: dict[str, Any], customer: Customer | None) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d")
    filename = f"persondata-{customer.pk}-{stamp}.json" if customer else f"persondata-{stamp}.json"
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
