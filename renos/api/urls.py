"""The API: auth, each app's resources, the OpenAPI schema and its docs."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from renos.api.auth import LoginView, LogoutView, RefreshView, VerifyView

urlpatterns = [
    path("auth/token/", LoginView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("auth/token/verify/", VerifyView.as_view(), name="token-verify"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Before the customers router: these two routes must never be taken for one of its customer routes.
    path("", include("renos.api.privacy")),
    path("", include("customers.api")),
    path("", include("leads.api")),
    path("", include("messaging.api")),
    path("", include("bookings.api")),
    path("", include("invoicing.api")),
    path("", include("renos.api.dashboard")),
    path("", include("renos.api.analytics")),
]
