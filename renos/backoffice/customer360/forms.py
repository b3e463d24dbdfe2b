"""The forms of the customer page's own views: an email from a template, and choosing the customer a merge keeps."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from leads.models import Lead
from messaging.models import EmailTemplate

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: EmailTemplate) -> str:
        label = f"{obj.name} ({obj.get_template_type_display()})"
        inactive = _("inactive")
        return label if obj.is_active else f"{label} – {inactive}"


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Lead) -> str:
        created = timezone.localtime(obj.created_at, COPENHAGEN)
        service = obj.service_type.name if obj.service_type else "-"
        return f"{created:%d.%m.%Y} · {service} · {obj.get_status_display()}"


class SendEmailForm(forms.Form):
    template = TemplateChoiceField(
        queryset=EmailTemplate.objects.order_by("template_type", "-is_active", "name"), label=_("Template")
    )
    lead = LeadChoiceField(
        queryset=Lead.objects.none(),
        required=False,
        label=_("Lead"),
        empty_label=_("No lead: only the customer's own details"),
        help_text=_("The lead the email is about: its service, estimate and address fill in the template."),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leads = Lead.objects.filter(customer=customer).select_related("service_type").order_by("-created_at", "-id")
        self.fields["lead"].queryset = leads


class MergeForm(forms.Form):
    kept = forms.ChoiceField(
        label=_("Customer to keep"),
        widget=forms.RadioSelect,
        help_text=_("The others are merged into this customer and then removed."),
    )
    ids = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, customers: list[Customer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kept"].choices = [
            (str(customer.pk), f"{customer.name} · {customer.email or '-'} · {customer.phone or '-'}")
            for customer in customers
        ]
