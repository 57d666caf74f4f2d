"""Reads about ongoing help: an arrangement and its visits, for its two sides.

Who may see a visit is who may see its match (`matching.selectors.match_list_for_user`):
the resident and the provider's members. Lists carry their related rows
(`select_related`), so a page of visits costs the same few queries whatever
the number of visits.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from matching.models import Arrangement, Match, Visit
from matching.permissions import party_of
from platform_core.models import AnyUser
from providers.models import Provider

_VISIT_RELATED = (
    "match",
    "match__need",
    "match__need__category",
    "match__need__resident",
    "match__offer",
    "match__offer__provider",
    "recorded_by",
)


def _visits() -> QuerySet[Visit]:
    return Visit.objects.select_related(*_VISIT_RELATED)


def arrangement_get_for_user(*, user: AnyUser, match_pk: int) -> Arrangement | None:
    """The arrangement of a match the user is a party to, or None."""
    if not user.is_authenticated:
        return None
    arrangement = (
        Arrangement.objects.select_related(
            "match", "match__need", "match__need__category", "match__need__resident", "match__offer__provider"
        )
        .filter(match_id=match_pk)
        .first()
    )
    if arrangement is None or party_of(match=arrangement.match, user=user) is None:
        return None
    return arrangement


def visit_list_for_match(*, match: Match, user: AnyUser) -> QuerySet[Visit]:
    """The visits of one match, in time order, for either side of it; none for anyone else."""
    if party_of(match=match, user=user) is None:
        return Visit.objects.none()
    return _visits().filter(match=match).order_by("starts_at", "id")


def visit_get_for_user(*, user: AnyUser, pk: int) -> Visit | None:
    """One visit of a match the user is a party to, or None."""
    if not user.is_authenticated:
        return None
    return (
        _visits()
        .filter(pk=pk)
        .filter(Q(match__need__resident__user=user) | Q(match__offer__provider__members__user=user))
        .distinct()
        .first()
    )


def visit_list_for_provider_user(*, user: AnyUser) -> QuerySet[Visit]:
    """Every visit on offers of the providers the user is a member of, in time order."""
    if not user.is_authenticated:
        return Visit.objects.none()
    providers = Provider.objects.filter(members__user=user).values("pk")
    return _visits().filter(match__offer__provider__in=providers).order_by("starts_at", "id")


def visit_list_for_resident_user(*, user: AnyUser) -> QuerySet[Visit]:
    """Every visit to the user as a resident, in time order."""
    if not user.is_authenticated:
        return Visit.objects.none()
    return _visits().filter(match__need__resident__user=user).order_by("starts_at", "id")


def volunteer_hours_for_user(*, user: AnyUser) -> QuerySet[Visit]:
    """The visits a volunteer gave, in time order: the rows of their hours export.

    Every visit done on an individual volunteer's offers (the member is the
    volunteer), and, for an organisation, the visits done that the user
    recorded themself (the one who went)."""
    if not user.is_authenticated:
        return Visit.objects.none()
    return (
        visit_list_for_provider_user(user=user)
        .filter(status=Visit.Status.DONE)
        .filter(Q(match__offer__provider__kind=Provider.Kind.VOLUNTEER) | Q(recorded_by=user))
    )
