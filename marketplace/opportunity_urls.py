"""Opportunities for providers (mounted at /opportunities/): public, and for a provider's members."""

from django.urls import path

from .views import opportunities

app_name = "opportunities"
urlpatterns = [
    path("", opportunities.opportunities_public, name="public"),
    path("provider/<int:pk>/", opportunities.opportunities_for_provider, name="provider"),
]
