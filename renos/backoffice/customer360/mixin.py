"""Customer admin: the customer page as one screen, sending an email from a template, duplicates and merging."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.admin import new_lead_url
from customers.models import Customer
from leads.models import Lead
from messaging.templatetags.renos_format import dkk
from renos.backoffice import merge as merging
from renos.backoffice.customer360.emails import customer_email_render, customer_email_send
from renos.backoffice.customer360.forms import MergeForm, SendEmailForm
from renos.backoffice.customer360.timeline import COPENHAGEN, customer_timeline
from renos.backoffice.duplicates import duplicate_groups

CHANGE_FORM = "admin/customers/customer/change_form.html"
CHANGE_LIST = "admin/customers/customer/change_list.html"
MERGE_LIMIT = 50


def _on_top_of(response: HttpResponse, template: str) -> HttpResponse:
    """Render `template`, which extends what the response would have rendered (another mixin's template included)."""
    if isinstance(response, TemplateResponse) and not response.is_rendered:
        current = response.template_name
        if isinstance(current, str) and current != template:
            response.context_data["customer360_base"] = current
            response.template_name = template
    return response


def _uuids(raw: str) -> list[uuid.UUID]:
    ids = []
    for part in raw.split(","):
        try:
            ids.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


class Customer360Mixin:
    """Customer admin: the 360 change view, the duplicates list and the merge action."""

    customer360_actions: tuple[str, ...] = ("merge_customers",)

    # --- URLs and the change page ---------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("duplicates/", view(self.duplicates_view), name=f"{info}_duplicates"),
            path("merge/", view(self.merge_view), name=f"{info}_merge"),
            path("<path:object_id>/send-email/", view(self.send_email_view), name=f"{info}_send_email"),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Customer | None = None,
    ) -> HttpResponse:
        if obj is not None and not add:
            context["customer360"] = self.customer360_context(request, obj)
        response = super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
        return _on_top_of(response, CHANGE_FORM)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and "cl" in (response.context_data or {}):
            return _on_top_of(response, CHANGE_LIST)
        return response

    def customer360_context(self, request: HttpRequest, customer: Customer) -> dict[str, Any]:
        """Stats, the timeline and the quick actions of the customer page: a fixed number of queries."""
        timeline = customer_timeline(customer=customer)
        last_contact = customer.last_contact_at
        stats = [
            (_("Leads"), customer.total_leads),
            (_("Bookings"), customer.total_bookings),
            (_("Revenue (paid, incl. VAT)"), dkk(customer.total_revenue)),
            (
                _("Last contact"),
                f"{timezone.localtime(last_contact, COPENHAGEN):%d.%m.%Y %H:%M}" if last_contact else "–",
            ),
        ]
        return {"stats": stats, "timeline": timeline, "actions": self._quick_actions(request, customer, timeline.leads)}

    def _quick_actions(self, request: HttpRequest, customer: Customer, leads: list[Lead]) -> list[dict[str, str]]:
        actions = []
        user = request.user
        if user.has_perm("leads.add_lead"):
            actions.append({"name": "new-lead", "label": gettext("New lead"), "url": new_lead_url(customer)})
        # The newest lead not yet booked is the one to book; a customer whose leads are all booked or done books again
        # from the newest (the booking form warns about a booking the lead already has).
        unbooked = (Lead.Status.NEW, Lead.Status.CONTACTED)
        lead = next((lead for lead in leads if lead.status in unbooked), leads[0] if leads else None)
        if lead is not None and user.has_perm("bookings.add_booking"):
            actions.append(
                {
                    "name": "book",
                    "label": gettext("Book"),
                    "url": reverse("admin:bookings_booking_book", args=[lead.pk]),
                }
            )
        if self.has_change_permission(request, customer):
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_send_email", args=[customer.pk])
            actions.append({"name": "send-email", "label": gettext("Send an email"), "url": url})
        return actions

    # --- An email from a template ---------------------------------------------------------------------

    def send_email_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Choose a template (and the lead it is about), see it rendered, send it; the send happens after commit."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(gettext("No customer with this id."))
        if not self.has_change_permission(request, customer):
            raise PermissionDenied
        newest = Lead.objects.filter(customer=customer).order_by("-created_at", "-id").first()
        form = SendEmailForm(
            request.POST if request.method == "POST" else None, customer=customer, initial={"lead": newest}
        )
        preview = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                if "_send" in request.POST:
                    customer_email_send(
                        customer=customer, template=data["template"], lead=data["lead"], actor=request.user
                    )
                    message = gettext("The email to %(email)s is on its way; it shows in the timeline once sent.")
                    self.message_user(request, message % {"email": customer.email}, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(customer))
                preview = customer_email_render(customer=customer, template=data["template"], lead=data["lead"])
            except ValidationError as exc:
                form.add_error(None, exc)
        context = {
            "title": gettext("Send an email to %(customer)s") % {"customer": customer},
            "customer": customer,
            "form": form,
            "preview": preview,
        }
        return self._render(request, "admin/backoffice/customer360/send_email.html", context)

    # --- Duplicates and merging -----------------------------------------------------------------------

    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = duplicate_groups()
        merge_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_merge")
        groups = [(group, f"{merge_url}?{urlencode({'ids': ','.join(group.ids)})}") for group in report.groups]
        context = {
            "title": gettext("Possible duplicates"),
            "report": report,
            "groups": groups,
            "can_merge": self.has_change_permission(request),
        }
        return self._render(request, "admin/backoffice/customer360/duplicates.html", context)

    @admin.action(description=_("Merge the selected customers"), permissions=["change"])
    def merge_customers(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[: MERGE_LIMIT + 1]]
        if len(ids) < 2:
            self.message_user(request, gettext("Select at least two customers to merge."), messages.ERROR)
            return None
        if len(ids) > MERGE_LIMIT:
            message = gettext("Select at most %(count)d customers to merge at once.") % {"count": MERGE_LIMIT}
            self.message_user(request, message, messages.ERROR)
            return None
        merge_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_merge")
        return HttpResponseRedirect(f"{merge_url}?{urlencode({'ids': ','.join(ids)})}")

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        """Confirm a merge: pick the customer to keep, see what moves, merge through customer_merge."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        raw = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids")
        ids = _uuids(raw or "")[:MERGE_LIMIT]
        customers = list(Customer.objects.filter(pk__in=ids).order_by("created_at", "id"))
        if len(customers) < 2:
            self.message_user(
                request,
                gettext("A merge needs at least two different customers; a customer cannot be merged into itself."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        held = merging.customer_merge_preview(customers=customers)
        # Keep the one with the most history (then the oldest): the fewest rows move.
        suggested = max(customers, key=lambda c: (sum(held[c.pk].values()), -c.created_at.timestamp()))
        ids_value = ",".join(str(customer.pk) for customer in customers)
        form = MergeForm(
            request.POST if request.method == "POST" else None,
            customers=customers,
            initial={"kept": str(suggested.pk), "ids": ids_value},
        )
        if form.is_bound and form.is_valid():
            kept = next(customer for customer in customers if str(customer.pk) == form.cleaned_data["kept"])
            duplicates = [customer for customer in customers if customer.pk != kept.pk]
            try:
                merged = merging.customer_merge(kept=kept, duplicates=duplicates, actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                message = ngettext(
                    "Merged %(count)d customer into %(customer)s.",
                    "Merged %(count)d customers into %(customer)s.",
                    len(duplicates),
                ) % {"count": len(duplicates), "customer": merged}
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(merged))
        rows = [
            (customer, [(label, held[customer.pk][kind]) for kind, label in merging.MOVED_KINDS.items()])
            for customer in customers
        ]
        context = {
            "title": gettext("Merge customers"),
            "form": form,
            "rows": rows,
            "kinds": list(merging.MOVED_KINDS.values()),
        }
        return self._render(request, "admin/backoffice/customer360/merge.html", context)

    # --- Helpers --------------------------------------------------------------------------------------

    def _change_url(self, customer: Customer) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[customer.pk])

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, template, {**self.admin_site.each_context(request), "opts": self.opts, **context}
        )
