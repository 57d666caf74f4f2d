"""Reads about providers and offers. Visibility is decided here."""

from __future__ import annotations

from django.db.models import QuerySet

from providers.models import Provider


def provider_list_for_user(*, user) -> QuerySet[Provider]:
    """The providers a user is a member of (usually one)."""
    if not user.is_authenticated:
        return Provider.objects.none()
    return Provider.objects.filter(members__user=user)
