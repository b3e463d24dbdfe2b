"""Customers as a spreadsheet (CSV or Excel): the export of the changelist, and the import that goes through the
customer services' rules. Also the column widgets the other apps' exports share, so every file reads the same way:
ids as UUIDs, money as plain decimals, times in Copenhagen, choices by their labels, tags as a comma list.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet, TextChoices
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from customers import services
from customers.models import Customer
from customers.phones import phone_to_e164

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"


# --- Columns shared by every export ---------------------------------------------------------------------------------


class MoneyWidget(widgets.DecimalWidget):
    """A plain decimal ("1234.50"): a point and no thousands separator in any language; a number in Excel."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else format(Decimal(value), "f")


class LocalDateTimeWidget(widgets.DateTimeWidget):
    """Copenhagen time as staff read it ("2025-03-14 09:30"); Excel gets the same wall time (it has no time zones)."""

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, datetime):
            return ""
        local = timezone.localtime(value, COPENHAGEN)
        return local.replace(tzinfo=None) if kwargs.get("force_native_type") else local.strftime(DATETIME_FORMAT)


class PlainDateWidget(widgets.DateWidget):
    """A date as "2025-03-14"; a date cell in Excel."""

    def __init__(self) -> None:
        super().__init__(format=DATE_FORMAT)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, date):
            return ""
        return value if kwargs.get("force_native_type") else value.strftime(DATE_FORMAT)


class ChoiceWidget(widgets.Widget):
    """A choice by its label ("Active"); reading a file, the label or the stored value, in any case."""

    def __init__(self, choices: type[TextChoices]) -> None:
        super().__init__()
        self.choices = choices

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text = force_str(value if value is not None else "").strip().casefold()
        if not text:
            return None
        for choice in self.choices:
            if text in (choice.value.casefold(), force_str(choice.label).casefold()):
                return choice.value
        labels = ", ".join(force_str(choice.label) for choice in self.choices)
        raise ValueError(gettext("“%(value)s” is not one of: %(labels)s.") % {"value": value, "labels": labels})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            return force_str(self.choices(value).label)
        except ValueError:
            return force_str(value)


class YesNoWidget(widgets.Widget):
    """A flag as "Yes" or "No" in the staff's language."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return gettext("Yes") if value else gettext("No")


class IdWidget(widgets.Widget):
    """A UUID (or the UUID a foreign key points at) as its string; empty for none."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class TagsWidget(widgets.Widget):
    """Tags as a comma list ("erhverv, vip"): read as a list without blanks or repeats (in any case)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        names: list[str] = []
        for part in force_str(value if value is not None else "").split(","):
            name = part.strip()
            if name and name.casefold() not in {known.casefold() for known in names}:
                names.append(name)
        return names

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(value or ())


def column(attribute: str | None, label: Any, widget: widgets.Widget | None = None, **kwargs: Any) -> fields.Field:
    """A column with a translated header (the staff's language, when the file is written or read)."""
    return fields.Field(attribute=attribute, column_name=label, widget=widget or widgets.CharWidget(), **kwargs)


class SpreadsheetResource(resources.ModelResource):
    """Headers in the language of the request: resolved once per export or import, so columns match by text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for field in self.fields.values():
            field.column_name = force_str(field.column_name)

    def column_of(self, name: str) -> str:
        return self.fields[name].column_name


# --- Customers ------------------------------------------------------------------------------------------------------

PENDING_TAGS = "_import_tags"


class TagsField(fields.Field):
    """The customer's tags: read from the row into the instance (saved by the service), compared as sorted names."""

    def get_value(self, instance: Customer) -> list[str]:
        pending = instance.__dict__.get(PENDING_TAGS)
        if pending is not None:
            return sorted(pending)
        if instance._state.adding:
            return []
        return sorted(tag.name for tag in instance.tags.all())

    def save(self, instance: Customer, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        instance.__dict__[PENDING_TAGS] = self.clean(row, **kwargs)


IMPORTED_FIELDS = ("name", "email", "phone", "company_name", "address", "status", "notes")


class CustomerResource(SpreadsheetResource):
    """One row per customer. Importing matches a customer by id (when given), else by email (in any case)."""

    id = column("id", _("id"), IdWidget(), readonly=True)
    name = column("name", _("name"))
    email = column("email", _("email"))
    phone = column("phone", _("phone"))
    company_name = column("company_name", _("company"))
    address = column("address", _("address"))
    status = column("status", _("status"), ChoiceWidget(Customer.Status), saves_null_values=False)
    tags = TagsField(attribute="tags", column_name=_("tags"), widget=TagsWidget())
    notes = column("notes", _("notes"))
    total_leads = column("total_leads", _("leads"), widgets.IntegerWidget(), readonly=True)
    total_bookings = column("total_bookings", _("bookings"), widgets.IntegerWidget(), readonly=True)
    total_revenue = column("total_revenue", _("revenue"), MoneyWidget(), readonly=True)
    last_contact_at = column("last_contact_at", _("last contact"), LocalDateTimeWidget(), readonly=True)
    created_at = column("created_at", _("created"), LocalDateTimeWidget(), readonly=True)

    class Meta:
        model = Customer
        fields = (
            "id",
            "name",
            "email",
            "phone",
            "company_name",
            "address",
            "status",
            "tags",
            "notes",
            "total_leads",
            "total_bookings",
            "total_revenue",
            "last_contact_at",
            "created_at",
        )
        # A file exported and imported again changes nothing, and says so row by row.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Customers")

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet:
        return queryset.prefetch_related("tags")

    def get_user_visible_fields(self) -> list[fields.Field]:
        # The columns the import page says it reads: the statistics in an export are recounted, never imported.
        return [field for field in super().get_user_visible_fields() if not field.readonly or field.attribute == "id"]

    # --- Import: matched by id or email, checked and saved by the customer services ---

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Customer | None:
        raw_id = force_str(row.get(self.column_of("id")) or "").strip()
        if raw_id:
            try:
                customer_id = uuid.UUID(raw_id)
            except ValueError:
                raise ValidationError({"id": gettext("“%(id)s” is not a customer id.") % {"id": raw_id}}) from None
            customer = Customer.objects.prefetch_related("tags").filter(pk=customer_id).first()
            if customer is None:
                raise ValidationError(
                    {
                        "id": gettext("No customer has the id %(id)s; leave the id empty to add a new customer.")
                        % {"id": raw_id}
                    }
                )
            return customer
        email = force_str(row.get(self.column_of("email")) or "").strip()
        if email:
            return Customer.objects.with_email(email).prefetch_related("tags").first()
        return None

    def import_instance(self, instance: Customer, row: dict[str, Any], **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        # Stored form before comparing with the customer, so "Mette@Example.dk" or "20 11 22 33" is no change;
        # a value that cannot be read stays as typed and validate_instance reports it.
        with contextlib.suppress(ValidationError):
            instance.email = services.normalize_email(instance.email)
        with contextlib.suppress(ValidationError):
            instance.phone = phone_to_e164(instance.phone)

    def validate_instance(
        self, instance: Customer, import_validation_errors: dict[str, Any] | None = None, validate_unique: bool = True
    ) -> None:
        """The services' rules as row errors: a readable phone (stored in E.164), a valid email no other has."""
        errors: dict[str, Any] = dict(import_validation_errors or {})
        try:
            instance.email = services.normalize_email(instance.email)
        except ValidationError as exc:
            errors.setdefault("email", exc.messages)
        try:
            instance.phone = phone_to_e164(instance.phone)
        except ValidationError as exc:
            errors.setdefault("phone", exc.messages)
        if "email" not in errors and instance.email:
            other = Customer.objects.with_email(instance.email).exclude(pk=instance.pk).first()
            if other is not None:
                errors["email"] = [
                    gettext("%(name)s already has the email %(email)s.") % {"name": other.name, "email": other.email}
                ]
        try:
            instance.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Customer, is_create: bool, row: dict[str, Any], **kwargs: Any) -> None:
        tags = instance.__dict__.get(PENDING_TAGS)
        if is_create:
            saved = services.customer_create(
                **{name: getattr(instance, name) for name in IMPORTED_FIELDS if name != "status"}, tags=tags or ()
            )
            if instance.status != saved.status:
                services.customer_update(customer=saved, data={"status": instance.status})
        else:
            columns = [name for name in IMPORTED_FIELDS if self.column_of(name) in row]
            data: dict[str, Any] = {name: getattr(instance, name) for name in columns}
            if tags is not None:
                data["tags"] = tags
            saved = services.customer_update(customer=instance, data=data)
        # The row result (and the admin's log) names the customer the service saved.
        instance.pk = saved.pk
        instance._state.adding = False

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> Any:
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = _readable(result.validation_error, self)
        return result


def _readable(error: ValidationError, resource: SpreadsheetResource) -> ValidationError:
    """Errors keyed by the file's column headers (what staff see), not by model field names."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, Any] = {}
    for name, messages in error.message_dict.items():
        key = resource.column_of(name) if name in resource.fields else NON_FIELD_ERRORS
        known = renamed.setdefault(key, [])
        known.extend(message for message in messages if message not in known)
    return ValidationError(renamed)
