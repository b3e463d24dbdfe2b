"""Every write to leads, the timeline and the service catalogue.

- leads.py: create, update, delete and status changes along the journey
- timeline.py: activities
- follow_up.py: handing a lead to a person
- catalogue.py: the service catalogue, estimates and money
"""

from __future__ import annotations

from leads.services.catalogue import (
    SERVICE_TYPE_FIELDS,
    ServiceTypeInUseError,
    lead_estimate,
    money,
    service_type_create,
    service_type_delete,
    service_type_update,
)
from leads.services.follow_up import lead_clear_follow_up, lead_flag_follow_up, lead_record_error
from leads.services.leads import (
    ALLOWED_TRANSITIONS,
    LEAD_FIELDS,
    LEAD_UPDATE_FIELDS,
    STATUS_LABELS_DA,
    LeadInUseError,
    lead_allowed_transitions,
    lead_create,
    lead_delete,
    lead_set_status,
    lead_update,
)
from leads.services.timeline import activity_create

__all__ = [
    "ALLOWED_TRANSITIONS",
    "LEAD_FIELDS",
    "LEAD_UPDATE_FIELDS",
    "SERVICE_TYPE_FIELDS",
    "STATUS_LABELS_DA",
    "LeadInUseError",
    "ServiceTypeInUseError",
    "activity_create",
    "lead_allowed_transitions",
    "lead_clear_follow_up",
    "lead_create",
    "lead_delete",
    "lead_estimate",
    "lead_flag_follow_up",
    "lead_record_error",
    "lead_set_status",
    "lead_update",
    "money",
    "service_type_create",
    "service_type_delete",
    "service_type_update",
]
