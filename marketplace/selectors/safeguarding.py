"""Safeguarding concerns: the officers' queue, and the concerns a person raised themself."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.models import User

from ..models import (
    SafeguardingConcern,
)
from .scope import in_council


def concern_list_for_officer(*, officer: User, status: str = "") -> QuerySet[SafeguardingConcern]:
    qs = in_council(SafeguardingConcern.objects.select_related("provider", "match"), officer)
    qs = qs.filter(status=status) if status else qs.exclude(status=SafeguardingConcern.Status.CLOSED)
    return qs.order_by("created_at", "id")


def concern_get_for_officer(*, officer: User, pk: int) -> SafeguardingConcern | None:
    qs = SafeguardingConcern.objects.select_related("provider", "match__need", "match__offer", "raised_by")
    return in_council(qs, officer).filter(pk=pk).first()


def concern_list_for_user(*, user: User) -> QuerySet[SafeguardingConcern]:
    """The concerns a person raised themself. Nobody else but officers sees a concern."""
    if not user.is_authenticated:
        return SafeguardingConcern.objects.none()
    return SafeguardingConcern.objects.filter(raised_by=user).order_by("-created_at", "-id")


def concern_get_for_user(*, user: User, pk: int) -> SafeguardingConcern | None:
    return concern_list_for_user(user=user).filter(pk=pk).first()
