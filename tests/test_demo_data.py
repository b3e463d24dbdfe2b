"""`make run` loads demo data: the admin login and a small business to look at, once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead


@pytest.mark.django_db
def test_demo_data_makes_an_admin_and_a_business_once(capsys, monkeypatch):
    monkeypatch.setenv("RENOS_ADMIN_PASSWORD", "demo-kodeord-123")
    call_command("demo_data")
    call_command("demo_data")

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-kodeord-123")
    assert Customer.objects.count() == 5 and Lead.objects.count() == 5
    assert Booking.objects.count() == 2
    invoice = Invoice.objects.get()
    assert invoice.invoice_number and invoice.lines.count() == 1 and invoice.lead.status == Lead.Status.INVOICED
    out = capsys.readouterr().out
    assert "Login: admin / demo-kodeord-123" in out and "/admin/" in out


@pytest.mark.django_db
def test_a_generated_password_is_shown_once(capsys, monkeypatch):
    monkeypatch.delenv("RENOS_ADMIN_PASSWORD", raising=False)
    call_command("demo_data")
    first = capsys.readouterr().out
    call_command("demo_data")
    second = capsys.readouterr().out
    password = first.split("Login: admin / ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert password not in second
