"""The Danish email templates RenOS starts with; staff edit them in the admin."""

from __future__ import annotations

from django.db import migrations

LEAD_RESPONSE = """Hej{% if first_name %} {{ first_name }}{% endif %}

Tak for din henvendelse{% if service_name %} om {{ service_name|lower }}{% endif %}.{% if estimated_hours %} Her er vores overslag over opgaven.{% endif %}
{% if estimated_hours %}
Vi regner med, at opgaven tager cirka {{ estimated_hours|timer }} arbejdstimer.{% if cleaners > 1 %} Vi sender {{ cleaners }} rengøringsassistenter, så vi er hos dig i cirka {{ hours_on_site|timer }} timer.{% else %} Der kommer én rengøringsassistent.{% endif %}

Prisoverslag: {{ estimated_price|dkk }} inkl. moms ({{ hourly_rate|dkk }} pr. arbejdstime inkl. moms).
{% else %}
Vi kender endnu ikke opgavens størrelse, så vi kontakter dig for at aftale et præcist overslag. Prisen er {{ hourly_rate|dkk }} pr. arbejdstime inkl. moms.
{% endif %}
Du betaler kun for den tid, vi faktisk bruger. Hvis det ser ud til, at vi kommer til at bruge mere end en time ud over overslaget, ringer vi til dig, inden vi fortsætter.
{% if has_phone %}
Om lidt får du en SMS med tre ledige tider. Du svarer bare med 1, 2 eller 3, så er tiden booket.
{% endif %}
Har du spørgsmål, er du altid velkommen til at ringe på {{ company_phone }} eller svare på denne mail.

Venlig hilsen
{{ company_name }}
"""

BOOKING_CONFIRMATION = """Hej{% if first_name %} {{ first_name }}{% endif %}

Tak for din booking. Vi har reserveret {{ start }} til {{ service_name|lower }}.

Adresse: {{ address }}
Forventet tid: cirka {{ estimated_hours|timer }} arbejdstimer{% if cleaners > 1 %}, {{ cleaners }} rengøringsassistenter, cirka {{ hours_on_site|timer }} timer på adressen{% endif %}
Prisoverslag: {{ estimated_price|dkk }} inkl. moms

Du betaler kun for den tid, vi faktisk bruger, og vi ringer til dig, inden vi bruger mere end en time ud over overslaget.

Skal tiden flyttes, så ring til os på {{ company_phone }} eller svar på denne mail.

Venlig hilsen
{{ company_name }}
"""

INVOICE_REMINDER = """Hej {{ customer_name }}

Vi kan ikke se, at vi har modtaget betaling for faktura nr. {{ invoice_number }} på {{ amount|dkk }} inkl. moms, som forfaldt {{ due_date }}.

Vi vil bede dig betale beløbet hurtigst muligt. {{ payment_info }}

Har du allerede betalt, kan du se bort fra denne mail. Har du spørgsmål til fakturaen, er du velkommen til at ringe på {{ company_phone }}.

Venlig hilsen
{{ company_name }}
"""

TEMPLATES = [
    ("lead_response", "Svar på ny henvendelse", "Tak for din henvendelse - {{ company_name }}", LEAD_RESPONSE),
    (
        "booking_confirmation",
        "Bekræftelse af booking",
        "Din rengøring er booket {{ start }}",
        BOOKING_CONFIRMATION,
    ),
    (
        "invoice_reminder",
        "Påmindelse om betaling",
        "Påmindelse: faktura nr. {{ invoice_number }} er forfalden",
        INVOICE_REMINDER,
    ),
]


def create_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("messaging", "EmailTemplate")
    for template_type, name, subject, content in TEMPLATES:
        if not EmailTemplate.objects.filter(template_type=template_type).exists():
            EmailTemplate.objects.create(
                template_type=template_type, name=name, subject=subject, content=content, is_active=True
            )


def remove_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("messaging", "EmailTemplate")
    EmailTemplate.objects.filter(name__in=[row[1] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create_templates, remove_templates)]
