"""Reads about residents and needs. Visibility is decided here."""

from __future__ import annotations

from residents.models import Resident


def resident_for_user(*, user) -> Resident | None:
    """The resident profile of a signed-in user, or None."""
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user).first()
