"""The customer admin as staff see it: the customers app's admin plus the views that need every app."""

from __future__ import annotations

from django.contrib import admin

from customers.admin import CustomerAdmin
from customers.models import Customer
from renos.backoffice.customer360 import Customer360Mixin
from renos.backoffice.privacy_admin import PrivacyAdminMixin

admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerBackOfficeAdmin(PrivacyAdminMixin, Customer360Mixin, CustomerAdmin):
    actions = (*CustomerAdmin.actions, *Customer360Mixin.customer360_actions, *PrivacyAdminMixin.privacy_actions)
