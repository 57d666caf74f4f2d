"""Reads about residents and needs. Visibility is decided here: a resident sees
their own profile and needs, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.models import AnyUser, Council, ServiceCategory, User

from .models import Need, Resident


def resident_for_user(*, user: AnyUser) -> Resident | None:
    """The resident profile of a signed-in user, or None."""
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user).first()


def need_list_for(*, user: User) -> QuerySet[Need]:
    """The needs a signed-in resident posted (drafts included), newest first."""
    if not user.is_authenticated or not user.can_be_resident:
        return Need.objects.none()
    return Need.objects.filter(resident__user=user).select_related("category")


def need_get_for(*, user: User, reference: str) -> Need | None:
    """One of the user's own needs by reference, or None (which callers show as 404)."""
    return need_list_for(user=user).select_related("resident", "council").filter(reference=reference).first()


def need_draft_latest_for(*, user: User) -> Need | None:
    """The draft the resident touched last: the dashboard offers to continue it."""
    return need_list_for(user=user).filter(status=Need.Status.DRAFT).order_by("-updated_at", "-id").first()


def need_list_open_for_matching(*, council: Council) -> QuerySet[Need]:
    """Every open need of a council, for the matching engine (not for display)."""
    return Need.objects.filter(council=council, status=Need.Status.OPEN).select_related("category")


def category_for_council(*, council: Council, slug: str) -> ServiceCategory | None:
    """Resolve a category slug sent to the API; whether it may be used is the services' rule."""
    return ServiceCategory.objects.filter(council=council, slug=slug).first()
