"""Reads about matches. Who may see what is decided here, once, for pages and API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from matching.models import LIVE_STATUSES, Match, MatchRun, Message
from providers.models import Offer, Provider
from residents.models import Need

_MATCH_RELATED = (
    "need",
    "need__category",
    "need__resident",
    "offer",
    "offer__provider",
    "council",
)


def _base() -> QuerySet[Match]:
    return Match.objects.select_related(*_MATCH_RELATED).select_related("review")


def match_list_for_provider_user(*, user) -> QuerySet[Match]:
    """Matches on offers of every provider the user is a member of."""
    if not user.is_authenticated:
        return Match.objects.none()
    return _base().filter(offer__provider__members__user=user).distinct()


def match_list_for_resident_user(*, user) -> QuerySet[Match]:
    """Matches on the user's own needs, whatever their status."""
    if not user.is_authenticated:
        return Match.objects.none()
    return _base().filter(need__resident__user=user)


def match_list_for_user(*, user) -> QuerySet[Match]:
    """Every match the user is a party to, either side."""
    if not user.is_authenticated:
        return Match.objects.none()
    return _base().filter(Q(offer__provider__members__user=user) | Q(need__resident__user=user)).distinct()


def match_get_for_user(*, user, pk: int) -> Match:
    """One match the user is a party to; 404 for anyone else (no hint it exists)."""
    match = match_list_for_user(user=user).filter(pk=pk).first()
    if match is None:
        raise Http404("No such match.")
    return match


def user_is_provider_side(*, match: Match, user) -> bool:
    return user.is_authenticated and match.offer.provider.members.filter(user=user).exists()


def user_is_resident_side(*, match: Match, user) -> bool:
    return user.is_authenticated and match.need.resident.user_id == user.pk


@dataclass(frozen=True)
class ContactDetails:
    """What one party may see of the other once a match is confirmed."""

    name: str
    phone: str
    email: str
    address: list[str]
    postcode: str
    vulnerability_notes: str = ""
    accessibility: str = ""


def contact_details_visible(*, match: Match) -> bool:
    """Exact details are shared only while confirmed and with the resident's consent;
    they are hidden again after completion (or any other exit)."""
    return match.status == Match.Status.CONFIRMED and match.consent_recorded_at is not None


def match_contact_details_for(*, match: Match, user) -> ContactDetails | None:
    """The other party's contact details, or None when the user may not see them."""
    if not contact_details_visible(match=match):
        return None
    if user_is_provider_side(match=match, user=user):
        resident = match.need.resident
        need = match.need
        address = [line for line in (resident.address_line_1, resident.address_line_2, resident.town) if line]
        postcode = resident.postcode
        if not need.use_home_address and need.postcode:
            address, postcode = [], need.postcode
        return ContactDetails(
            name=resident.preferred_name or resident.user.full_name or "The resident",
            phone=resident.phone,
            email=resident.user.email,
            address=address,
            postcode=postcode,
            vulnerability_notes=resident.vulnerability_notes,
            accessibility="\n".join(x for x in (resident.accessibility_needs, need.accessibility) if x),
        )
    if user_is_resident_side(match=match, user=user):
        provider = match.offer.provider
        return ContactDetails(
            name=provider.name,
            phone=provider.phone,
            email=provider.email,
            address=[],
            postcode=provider.postcode,
        )
    return None


def message_list_for_match(*, match: Match, user) -> QuerySet[Message]:
    """The conversation of a match the user is a party to (the caller checked that)."""
    return match.messages.select_related("sender").order_by("created_at", "id")


def match_run_list_for_council(*, council_id: int) -> QuerySet[MatchRun]:
    return MatchRun.objects.filter(council_id=council_id).order_by("-started_at", "-id")


# --- What the runner loads -------------------------------------------------------------------------


def needs_open_for_matching(*, council_id: int) -> QuerySet[Need]:
    """Open needs of a council, as the engine needs them."""
    try:
        from residents.selectors import need_list_open_for_matching
    except ImportError:  # TODO(matching): drop once residents.selectors ships it.
        qs = Need.objects.filter(council_id=council_id, status=Need.Status.OPEN)
    else:
        qs = need_list_open_for_matching(council=council_id_to_council(council_id))
    return qs.filter(
        status=Need.Status.OPEN, category__isnull=False, latitude__isnull=False, longitude__isnull=False
    ).select_related("category", "resident")


def offers_in_market(*, council_id: int) -> QuerySet[Offer]:
    """Active offers of verified, unsuspended providers with capacity left, with the
    number of open proposals each holds (a proposal reserves one unit until answered)."""
    try:
        from providers.selectors import offer_list_in_market
    except ImportError:  # TODO(matching): drop once providers.selectors ships it.
        qs = Offer.objects.filter(council_id=council_id)
    else:
        qs = offer_list_in_market(council=council_id_to_council(council_id))
    # Re-stated here on purpose: these are the engine's hard constraints, so they
    # hold even if the market selector is loosened for a directory page.
    return (
        qs.filter(
            status=Offer.Status.ACTIVE,
            capacity_left__gt=0,
            provider__is_suspended=False,
            provider__verification_status=Provider.Verification.VERIFIED,
        )
        .select_related("provider")
        .prefetch_related("categories")
        .annotate(open_proposals=Count("matches", filter=Q(matches__status=Match.Status.PROPOSED), distinct=True))
    )


def council_id_to_council(council_id: int):
    from platform_core.models import Council

    return Council.objects.get(pk=council_id)


def open_proposals_by_volunteer(*, council_id: int) -> dict[int, int]:
    """Open proposals held by each individual volunteer of a council (provider id -> count)."""
    rows = (
        Match.objects.filter(
            council_id=council_id,
            status=Match.Status.PROPOSED,
            offer__provider__kind=Provider.Kind.VOLUNTEER,
        )
        .values("offer__provider_id")
        .annotate(n=Count("id"))
    )
    return {r["offer__provider_id"]: r["n"] for r in rows}


def live_match_count_for_offer(*, offer_id: int) -> int:
    return Match.objects.filter(offer_id=offer_id, status__in=LIVE_STATUSES).count()
