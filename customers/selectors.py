"""Read-only questions about customers that need no other app (the analytics on top of them live in renos/)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from customers.models import Customer

# LIMIT is a bigint in PostgreSQL: a larger N means "all of them" and must not reach the database as an overflow.
MAX_LIMIT = 2**31 - 1
TOP_FIELDS = ("name", "email", "status", "total_leads", "total_bookings", "total_revenue")


def customer_top_by_revenue(*, limit: int) -> models.QuerySet[Customer]:
    """The `limit` active customers with the highest lifetime value, highest first, in one query.

    Lifetime value is `Customer.total_revenue`: the paid invoices incl. moms, as customer_update_stats counts them
    (a credited invoice no longer counts). Customers who have paid nothing yet are left out; ties go by name.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError({"limit": _("The number of customers must be a whole number of at least 1.")})
    return (
        Customer.objects.active()
        .filter(total_revenue__gt=0)
        .order_by("-total_revenue", "name", "id")
        .only(*TOP_FIELDS)[: min(limit, MAX_LIMIT)]
    )
