"""Rule-based reading of lead emails (lead-emails.md): decode, classify, detect the source, extract the fields.

    parsed = parse_email(raw_bytes)   # NotAnEmail when the bytes are not an email
    parsed.is_lead, parsed.skip_reason, parsed.source, parsed.customer_email, parsed.labelled ...

Modules, in the order a message passes through them: mime (bytes → headers and bodies), html_text (HTML →
"label: value" lines), envelope (the message or a forwarded original), classify (lead or not, source),
labels (labels by meaning), fields (values by shape), services (service codes), extract (the lead's fields).
No database access here: estimates are made by the caller from the service catalogue.
"""

from __future__ import annotations

from leads.parsing.parser import parse_email
from leads.parsing.result import JSON_KEYS, NotAnEmail, ParsedEmail, to_json_dict

__all__ = ["JSON_KEYS", "NotAnEmail", "ParsedEmail", "parse_email", "to_json_dict"]
