"""Set up a demo: the admin login and, on an empty database, customers with leads, mail, bookings and an invoice."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from customers.models import Customer
from invoicing.services import booking_complete_and_invoice
from leads.models import Lead
from leads.services import lead_create, lead_set_status
from messaging.models import Direction
from messaging.services import conversation_create, email_message_create

DEMO_LEADS = [
    # name, email, phone, source, service, area, address, postal code, city
    (
        "Karen Østergaard",
        "karen.oestergaard@example.org",
        "26 11 22 33",
        "leadmail",
        "fast",
        120,
        "Strandvejen 8",
        "8240",
        "Risskov",
    ),
    (
        "Mads Nielsen",
        "mads.nielsen@example.org",
        "26 45 67 89",
        "leadmail",
        "flytte",
        75,
        "Mejlgade 14, 2. tv",
        "8000",
        "Aarhus C",
    ),
    (
        "Ida Hansen",
        "ida.hansen@example.org",
        "26 50 60 70",
        "leadpoint",
        "hoved",
        90,
        "Trøjborgvej 31",
        "8200",
        "Aarhus N",
    ),
    (
        "Anne Friis",
        "anne.friis@example.org",
        "26 22 44 55",
        "booking_form",
        "flytte",
        64,
        "Frederiks Allé 7",
        "8000",
        "Aarhus C",
    ),
    ("Søren Holm", "soeren.holm@example.org", "", "booking_form", "andet", None, "", "", ""),
]


class Command(BaseCommand):
    help = "Create the admin login and, on an empty database, demo customers, leads, mail, a booking and an invoice."

    def handle(self, *args, **options) -> None:
        password_line = self._ensure_admin()
        if not Customer.objects.exists():
            self._create_demo_data()
            self.stdout.write("Demo data created: customers, leads, a conversation, a booking and an invoice.")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(self.style.SUCCESS(f"Admin: http://127.0.0.1:{port}/{settings.ADMIN_URL}"))
        self.stdout.write(self.style.SUCCESS(password_line))

    def _ensure_admin(self) -> str:
        User = get_user_model()
        chosen = os.environ.get("RENOS_ADMIN_PASSWORD", "")
        user = User.objects.filter(username="admin").first()
        if user is None:
            password = chosen or secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", settings.RENOS_COMPANY_EMAIL, password)
            suffix = "" if chosen else "  (generated: shown only this once; set RENOS_ADMIN_PASSWORD to choose one)"
            return f"Login: admin / {password}{suffix}"
        if chosen:
            user.set_password(chosen)
            user.save(update_fields=["password"])
            return f"Login: admin / {chosen}"
        return "Login: admin / the password shown when it was created (set RENOS_ADMIN_PASSWORD to change it)"

    @transaction.atomic
    def _create_demo_data(self) -> None:
        leads = []
        for index, (name, email, phone, source, service, area, address, postal, city) in enumerate(DEMO_LEADS):
            lead = lead_create(
                source=source,
                service_type=service,
                customer_name=name,
                customer_email=email,
                customer_phone=phone,
                area_m2=area,
                address=address,
                postal_code=postal,
                city=city,
                source_message_id=f"<demo-{index}@rendetalje.dk>",
                email_thread_id=f"demo-thread-{index}",
            )
            leads.append(lead)
        karen, mads, ida = leads[0], leads[1], leads[2]

        conversation = conversation_create(
            customer=karen.customer, lead=karen, subject="Fast rengøring i Risskov", gmail_thread_id="demo-thread-0"
        )
        email_message_create(
            conversation=conversation,
            from_address="kontakt@leadmail.no",
            to_address=settings.RENOS_COMPANY_EMAIL,
            subject="Karen Østergaard fra Rengøring.nu - Nettbureau AS",
            body="Behov: Fast rengøringshjælp. Hvor stort er området? 120 m². Hvor ofte? Hver 14. dag.",
            direction=Direction.INBOUND,
            gmail_message_id="demo-message-0",
        )
        for lead in (karen, mads, ida):
            lead_set_status(lead=lead, status=Lead.Status.CONTACTED)

        start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=2)
        for lead, when, status in ((mads, start, Booking.Status.SCHEDULED), (ida, start - timedelta(days=7), None)):
            lead_set_status(lead=lead, status=Lead.Status.BOOKED)
            booking = Booking.objects.create(
                lead=lead,
                customer=lead.customer,
                customer_name=lead.customer_name,
                customer_email=lead.customer_email,
                customer_phone=lead.customer_phone,
                service_type=lead.service_type,
                address=lead.address,
                city=lead.city,
                booking_date=when,
                duration_hours=lead.hours_on_site,
                cleaners=lead.cleaners,
                total_amount=lead.estimated_price,
            )
            if status is None:
                booking_complete_and_invoice(booking=booking, actual_hours=lead.estimated_hours)
