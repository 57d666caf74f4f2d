"""Reads for referrers and officers acting for residents. Who sees which
resident is decided by `residents.permissions.managed_residents_q`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from platform_core.models import AnyUser

from ..models import ConsentRecord, Need, Referrer, Resident
from ..permissions import managed_residents_q


def referrer_list_for(*, user: AnyUser) -> QuerySet[Referrer]:
    """The person's requests to be a referrer, with their councils, newest first."""
    if not user.is_authenticated:
        return Referrer.objects.none()
    return Referrer.objects.filter(user=user).select_related("council")


def is_approved_referrer(*, user: AnyUser) -> bool:
    return bool(user.is_authenticated and Referrer.objects.filter(user=user, status=Referrer.Status.APPROVED).exists())


def referred_resident_list_for(*, user: AnyUser) -> QuerySet[Resident]:
    """The residents the user acts for (referred by them, or assisted on the phone
    line), not their own profile, with each one's needs: three queries in all."""
    if not user.is_authenticated:
        return Resident.objects.none()
    needs = Need.objects.select_related("category").order_by("-created_at", "-id")
    return (
        Resident.objects.filter(managed_residents_q(user=user), user__is_active=True)
        .exclude(user=user)
        .select_related("user", "council", "referral")
        .prefetch_related(Prefetch("needs", queryset=needs))
        .order_by("-created_at", "-id")
    )


def consent_list_for(*, resident: Resident) -> QuerySet[ConsentRecord]:
    """A resident's consent records (call with a resident from a selector that checked who asks)."""
    return ConsentRecord.objects.filter(resident=resident).select_related("recorded_by")


# --- For officers (the console) ---------------------------------------------------------


def referrer_list_for_officer(*, officer: AnyUser, status: str = Referrer.Status.PENDING) -> QuerySet[Referrer]:
    """Requests to refer residents to the officer's council, oldest first."""
    if not (officer.is_authenticated and officer.is_officer):
        return Referrer.objects.none()
    return (
        Referrer.objects.filter(council_id=officer.council_id, status=status)
        .select_related("user", "decided_by")
        .order_by("created_at", "id")
    )


def referrer_get_for_officer(*, officer: AnyUser, pk: int) -> Referrer | None:
    if not (officer.is_authenticated and officer.is_officer):
        return None
    return Referrer.objects.filter(council_id=officer.council_id, pk=pk).select_related("user", "decided_by").first()
