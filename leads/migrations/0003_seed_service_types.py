"""The service catalogue as Rendetalje prices it (lead-emails.md, "Price and time")."""

from __future__ import annotations

from decimal import Decimal

from django.db import migrations

SERVICES = [
    # code, name, m² per work hour, work hours when no area is known
    ("fast", "Fast rengøring", "35", "3"),
    ("hoved", "Hovedrengøring", "12", "6"),
    ("flytte", "Flytterengøring", "8", "8"),
    ("erhverv", "Erhvervsrengøring", "35", "4"),
    ("vinduer", "Vinduespudsning", "60", "2"),
    ("haandvaerker", "Rengøring efter håndværkere", "10", "6"),
    ("andet", "Anden rengøring", "20", "3"),
]


def create_services(apps, schema_editor):
    ServiceType = apps.get_model("leads", "ServiceType")
    for code, name, m2_per_hour, default_hours in SERVICES:
        ServiceType.objects.update_or_create(
            code=code,
            defaults={"name": name, "m2_per_hour": Decimal(m2_per_hour), "default_hours": Decimal(default_hours)},
        )


def remove_services(apps, schema_editor):
    apps.get_model("leads", "ServiceType").objects.filter(code__in=[row[0] for row in SERVICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_activity_booking_invoice")]

    operations = [migrations.RunPython(create_services, remove_services)]
