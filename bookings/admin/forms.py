"""The forms of the booking pages: a start time, booking a lead, cancelling, confirming and completing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.availability import COPENHAGEN


class StartForm(forms.Form):
    """A start time: the free slot whose button was pressed, or any other time typed in Copenhagen time."""

    slot = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.DateTimeField(
        label=_("Another time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Copenhagen time; it must be free and within working hours."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("slot"):
            try:
                chosen = datetime.fromisoformat(data["slot"])
                chosen.astimezone(COPENHAGEN)  # a time at the very ends of the calendar has no local time
            except (ValueError, OverflowError):
                chosen = None
            if chosen is None or timezone.is_naive(chosen):
                raise ValidationError(_("Not a time: %(slot)s."), params={"slot": data["slot"]}, code="invalid")
            data["start"] = chosen
        elif data.get("start") is None and not self.has_error("start"):
            self.add_error("start", _("Choose one of the free times or enter another time."))
        return data


class BookLeadForm(StartForm):
    notes = forms.CharField(
        label=_("Notes for the cleaners"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Shown on the timeline."),
    )


class ConfirmForm(forms.Form):
    """No fields: pressing the button is the confirmation."""


class CompleteForm(forms.Form):
    actual_hours = forms.DecimalField(
        label=_("Actual work hours"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("All cleaners together: the hours the customer pays for."),
    )
