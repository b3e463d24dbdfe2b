"""Helpers for admin tests: URLs and the form data a browser would post back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.messages import get_messages
from django.db.models import Model
from django.http import HttpResponse
from django.urls import reverse


def admin_url(model: type[Model] | Model, view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def form_data(response: HttpResponse) -> dict[str, Any]:
    """The admin form on this page (with its inlines' management forms) as the browser would post it, unchanged."""
    all_forms: list[forms.BaseForm] = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        all_forms.append(inline.formset.management_form)
        all_forms.extend(inline.formset.forms)
    data: dict[str, Any] = {}
    for form in all_forms:
        for bound in form:
            data.update(_posted(bound))
    return data


def _posted(bound: forms.BoundField) -> dict[str, Any]:
    value = bound.value()
    widget = bound.field.widget
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(bound.field, forms.BooleanField):
        return {bound.html_name: "on"} if value else {}
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        return {
            f"{bound.html_name}{suffix}": sub.format_value(part) or ""
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True)
        }
    if isinstance(widget, forms.SelectMultiple):
        return {bound.html_name: [str(item) for item in value or ()]}
    if isinstance(widget, forms.widgets.ChoiceWidget):
        return {bound.html_name: "" if value is None else str(value)}
    return {bound.html_name: widget.format_value(value) or ""}


def messages_of(response: HttpResponse) -> list[tuple[str, str]]:
    """The flash messages the next page will show, as (level tag, text)."""
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]
