"""REST API of this app: serializers and views; state changes are POST actions that call a service.

Leads (`/api/leads/`), their timeline (`/api/activities/`) and the service catalogue (`/api/services/`).

- serializers.py: what goes in and out.
- filters.py: filtering, searching and sorting the lists.
- views.py: the view sets; their writes go through leads.services.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from leads.api.filters import (
    ActivityFilter,
    CreatedBoundFilter,
    DateOrDateTimeField,
    LeadFilter,
    LeadOrderingFilter,
    LeadSearchFilter,
    rank,
)
from leads.api.serializers import (
    ActivitySerializer,
    LeadSerializer,
    LeadStatusSerializer,
    LeadUpdateSerializer,
    ServiceTypeSerializer,
)
from leads.api.views import LEAD_CONFLICT, ActivityViewSet, Conflict, LeadViewSet, ServiceTypeViewSet

__all__ = [
    "LEAD_CONFLICT",
    "ActivityFilter",
    "ActivitySerializer",
    "ActivityViewSet",
    "Conflict",
    "CreatedBoundFilter",
    "DateOrDateTimeField",
    "LeadFilter",
    "LeadOrderingFilter",
    "LeadSearchFilter",
    "LeadSerializer",
    "LeadStatusSerializer",
    "LeadUpdateSerializer",
    "LeadViewSet",
    "ServiceTypeSerializer",
    "ServiceTypeViewSet",
    "rank",
    "router",
    "urlpatterns",
]

router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")
router.register("activities", ActivityViewSet, basename="activity")
router.register("services", ServiceTypeViewSet, basename="service-type")

urlpatterns = router.urls
