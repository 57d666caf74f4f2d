"""The verification queue: evidence waiting for the council, and evidence expiring soon."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from platform_core.models import User
from providers.models import VerificationEvidence

from .scope import in_council


def evidence_list_waiting(*, officer: User) -> QuerySet[VerificationEvidence]:
    """Evidence waiting for a decision, oldest first."""
    return (
        in_council(VerificationEvidence.objects.all(), officer, "provider__council_id")
        .filter(status=VerificationEvidence.Status.SUBMITTED)
        .select_related("provider", "member__user")
        .order_by("submitted_at", "id")
    )


def evidence_list_expiring(
    *, officer: User, days: int = 30, today: date | None = None
) -> QuerySet[VerificationEvidence]:
    today = today or timezone.localdate()
    return (
        in_council(VerificationEvidence.objects.all(), officer, "provider__council_id")
        .filter(
            status=VerificationEvidence.Status.ACCEPTED,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .select_related("provider", "member__user")
        .order_by("expires_on", "id")
    )


def evidence_get(*, officer: User, pk: int) -> VerificationEvidence | None:
    qs = VerificationEvidence.objects.select_related("provider", "submitted_by", "reviewed_by", "member__user")
    return in_council(qs, officer, "provider__council_id").filter(pk=pk).first()
