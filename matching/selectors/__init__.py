"""Reads about matches. Who may see what is decided here, once, for pages and API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from matching.models import LIVE_STATUSES, Exclusion, Match, Message
from matching.permissions import is_provider_side, is_resident_side, party_of
from platform_core.models import AnyUser, Council, SafeguardingTier, User
from providers.models import Offer, Provider, ProviderMember
from providers.selectors import (
    Attendance,
    attendance_for,
    member_checks_for,
    offer_list_in_market,
    provider_list_for_user,
)
from providers.services.verification import MemberChecks
from residents.models import Need, is_placeholder_email
from residents.permissions import acts_for_any_resident, managed_residents_q
from residents.selectors import need_list_open_for_matching, resident_contact_route_describe

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


def _providers_of(user: User) -> list[int]:
    """The providers a user is a member of (`User.provider_ids`: read once per request,
    the header asks it too). Provider-side lists filter the match's own `provider`
    column on these ids and read their page from its indexes (issue 11): no join
    through offers or members, no DISTINCT, no sort of the provider's history."""
    return user.provider_ids


def _needs_of(user: User, *, officers: bool = False) -> QuerySet:
    """The user's own needs and those of residents they referred (ADR 0021), as a
    subquery on the match's `need_id`. With officers=True, also those of residents an
    officer is assisting: only for the doors that asked for the officer's second
    factor (the match pages and API, `platform_core.middleware.ACTING_PREFIXES`)."""
    return Need.objects.filter(managed_residents_q(user=user, prefix="resident__", officers=officers)).values("pk")


def match_list_for_provider_user(*, user: AnyUser) -> QuerySet[Match]:
    """Matches on offers of every provider the user is a member of."""
    if not isinstance(user, User):
        return Match.objects.none()
    return _base().filter(provider_id__in=_providers_of(user))


def match_list_for_resident_user(*, user: AnyUser) -> QuerySet[Match]:
    """Matches on the user's own needs, whatever their status."""
    if not isinstance(user, User):
        return Match.objects.none()
    return _base().filter(need_id__in=_needs_of(user))


def match_list_for_user(*, user: AnyUser, officers: bool = False) -> QuerySet[Match]:
    """Every match the user is a party to, either side (two index scans OR-ed, no join to decide).
    officers=True: an officer's assisted residents' matches too (see `_needs_of`)."""
    if not isinstance(user, User):
        return Match.objects.none()
    return _base().filter(Q(provider_id__in=_providers_of(user)) | Q(need_id__in=_needs_of(user, officers=officers)))


def match_list_for_user_newest_first(*, user: AnyUser) -> QuerySet[Match]:
    """`match_list_for_user`, newest first, with a side the user does not have left
    out: a provider member who acts for no resident gets their provider's rows
    alone, read in order from `match_provider_recent_idx` and cut after a page
    (with both sides OR-ed PostgreSQL scans every need and sorts the provider's
    whole history: 122 ms for 20,000 matches). One or two index lookups more."""
    if not isinstance(user, User):
        return Match.objects.none()
    if not _providers_of(user):
        matches = match_list_for_resident_user(user=user)
    elif not acts_for_any_resident(user=user):
        matches = match_list_for_provider_user(user=user)
    else:
        matches = match_list_for_user(user=user)
    return matches.order_by("-proposed_at", "-id")


# What a side's dashboard shows first, and in what order; everything else is history.
CURRENT_STATUSES = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.CONFIRMED)
PAST_STATUSES = (Match.Status.COMPLETED, Match.Status.DECLINED, Match.Status.EXPIRED, Match.Status.CANCELLED)


def match_list_current(*, matches: QuerySet[Match]) -> QuerySet[Match]:
    """The live matches of one side, those waiting longest for an answer first."""
    return matches.filter(status__in=CURRENT_STATUSES).order_by("respond_by", "id")


def match_list_past(*, matches: QuerySet[Match]) -> QuerySet[Match]:
    """The finished matches of one side (history), newest first."""
    return matches.filter(status__in=PAST_STATUSES).order_by("-proposed_at", "-id")


def assisting_purpose(*, user: AnyUser, match: Match) -> str | None:
    """For an officer acting for the match's resident on the phone line: why, in the
    words they gave when they started (the purpose of the page's audited reads,
    ADR 0015); None for anyone else."""
    if not (user.is_authenticated and user.is_officer):
        return None
    from residents.models import AssistedAccess

    access = (
        AssistedAccess.objects.filter(officer=user, resident_id=match.need.resident_id, ends_at__gt=timezone.now())
        .order_by("-started_at")
        .first()
    )
    return f"Assisted digital for resident {match.need.resident_id}: {access.reason if access else ''}"


def match_get_for_user(*, user: AnyUser, pk: int, officers: bool = False) -> Match | None:
    """One match the user is a party to, or None for anyone else (shown as 404: no hint it exists)."""
    return match_list_for_user(user=user, officers=officers).filter(pk=pk).first()


def match_count_to_answer_for_provider_user(*, user: AnyUser) -> int:
    """Proposals of the user's providers that wait for their answer.

    One index-only count on the live rows of the match's `provider` column
    (`match_provider_live_idx`), none for someone in no provider: the provider's
    history is never touched (issue 11)."""
    if not isinstance(user, User) or not _providers_of(user):
        return 0
    return Match.objects.filter(provider_id__in=_providers_of(user), status=Match.Status.PROPOSED).count()


def match_counts_for_resident_user(*, user: AnyUser, need_ids: Iterable[int] = ()) -> dict:
    """On the user's own needs: helpers who said yes and wait for the resident to
    confirm (`to_confirm`), proposals the provider has not answered (`waiting`), and
    which of `need_ids` have a helper waiting for confirmation (`accepted`, a set).

    One query over the matches still waiting on someone (proposed or accepted), read
    through the index of live matches per need: a resident's finished matches are
    never counted, so the cost does not grow with their history (issue 11)."""
    if not isinstance(user, User):
        return {"to_confirm": 0, "waiting": 0, "accepted": set()}
    S = Match.Status
    rows = list(
        Match.objects.filter(need__resident__user=user, status__in=(S.PROPOSED, S.ACCEPTED)).values_list(
            "need_id", "status"
        )
    )
    wanted = set(need_ids)
    return {
        "to_confirm": sum(1 for _, status in rows if status == S.ACCEPTED),
        "waiting": sum(1 for _, status in rows if status == S.PROPOSED),
        "accepted": {need_id for need_id, status in rows if status == S.ACCEPTED and need_id in wanted},
    }


def match_live_for_needs(*, user: AnyUser, need_ids: Iterable[int]) -> dict[int, Match]:
    """The live match of each of the user's needs among `need_ids`, their own or a
    referred resident's (one query)."""
    if not isinstance(user, User):
        return {}
    # Officers too: these links show only on pages that checked an officer's second factor.
    rows = Match.objects.filter(need_id__in=_needs_of(user, officers=True), status__in=LIVE_STATUSES).filter(
        need_id__in=list(need_ids)
    )
    return {m.need_id: m for m in rows.only("pk", "need_id", "status")}


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
    # How the resident wants to be contacted ("Call via the referrer: ..."), for the provider.
    contact_route: str = ""


def contact_details_visible(*, match: Match) -> bool:
    """Exact details are shared only while confirmed and with the resident's consent;
    they are hidden again after completion (or any other exit)."""
    return match.status == Match.Status.CONFIRMED and match.consent_recorded_at is not None


def match_contact_details_for(*, match: Match, user: AnyUser) -> ContactDetails | None:
    """The other party's contact details, or None when the user may not see them."""
    if not contact_details_visible(match=match):
        return None
    if is_provider_side(match=match, user=user):
        resident = match.need.resident
        need = match.need
        address = [line for line in (resident.address_line_1, resident.address_line_2, resident.town) if line]
        postcode = resident.postcode
        if not need.use_home_address and need.postcode:
            address, postcode = [], need.postcode
        return ContactDetails(
            name=resident.preferred_name or resident.user.full_name or "The resident",
            phone=resident.phone,
            # A referred resident who has not claimed their account has no e-mail address of theirs.
            email="" if is_placeholder_email(resident.user.email) else resident.user.email,
            contact_route=resident_contact_route_describe(resident=resident),
            address=address,
            postcode=postcode,
            vulnerability_notes=resident.vulnerability_notes,
            accessibility="\n".join(x for x in (resident.accessibility_needs, need.accessibility) if x),
        )
    if is_resident_side(match=match, user=user):
        provider = match.offer.provider
        return ContactDetails(
            name=provider.name,
            phone=provider.phone,
            email=provider.email,
            address=[],
            postcode=provider.postcode,
        )
    return None


def message_list_for_match(*, match: Match, user: AnyUser) -> QuerySet[Message]:
    """The conversation of a match, for its parties while it is confirmed; empty
    for anyone else and once the match has ended."""
    if match.status != Match.Status.CONFIRMED or party_of(match=match, user=user) is None:
        return Message.objects.none()
    return match.messages.select_related("sender").order_by("created_at", "id")


# --- What the runner loads -------------------------------------------------------------------------


def needs_open_for_matching(*, council: Council) -> QuerySet[Need]:
    """Open needs of a council with what the engine needs to place them."""
    return (
        need_list_open_for_matching(council=council)
        .filter(category__isnull=False, latitude__isnull=False, longitude__isnull=False)
        .select_related("category", "resident")
    )


def offers_in_market(*, council: Council) -> QuerySet[Offer]:
    """Offers in the market, with the number of open proposals each holds (a
    proposal reserves one unit of capacity until it is answered)."""
    return (
        offer_list_in_market(council=council)
        .select_related("provider")
        .prefetch_related("categories")
        .annotate(open_proposals=Count("matches", filter=Q(matches__status=Match.Status.PROPOSED), distinct=True))
    )


def offers_active_in_council(*, council: Council) -> QuerySet[Offer]:
    """Active offers of verified, unsuspended providers, full ones too, with their open
    proposals counted: the runner judges "all busy" against them (and gives the engine
    only those with capacity left); an officer choosing a full one is told it is full."""
    return (
        Offer.objects.filter(
            council=council,
            status=Offer.Status.ACTIVE,
            provider__verification_status=Provider.Verification.VERIFIED,
            provider__is_suspended=False,
        )
        .select_related("provider")
        .prefetch_related("categories")
        .annotate(open_proposals=Count("matches", filter=Q(matches__status=Match.Status.PROPOSED), distinct=True))
    )


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


def providers_excluded_for_residents(*, resident_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each resident, the providers the engine must never propose to them
    (resident id -> provider ids): those they excluded (issue 9) and those they are
    a member of themselves (never their own offer)."""
    ids = list(resident_ids)
    out: dict[int, set[int]] = defaultdict(set)
    for resident_id, provider_id in Exclusion.objects.filter(resident_id__in=ids).values_list(
        "resident_id", "provider_id"
    ):
        out[resident_id].add(provider_id)
    own = ProviderMember.objects.filter(user__resident__in=ids).values_list("user__resident__id", "provider_id")
    for resident_id, provider_id in own:
        out[resident_id].add(provider_id)
    return dict(out)


def continuity_offers_for_residents(*, resident_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(resident, category) -> the offer that last completed help for them, when it may
    count as continuity: the last match with that provider completed without a
    safeguarding concern, and its review (if any) was 4 or 5 (issue 9). A helper the
    resident reviewed badly, or one whose last visit ended otherwise, never comes back as
    "helped you before"."""
    S = Match.Status
    rows = (
        Match.objects.filter(need__resident_id__in=list(resident_ids), status__in=(S.COMPLETED, S.CANCELLED))
        .filter(Q(status=S.COMPLETED) | Q(accepted_at__isnull=False))
        .order_by("closed_at", "pk")
        .values_list(
            "need__resident_id",
            "need__category_id",
            "offer_id",
            "offer__provider_id",
            "status",
            "concern_raised_at",
            "review__rating",
        )
    )
    last_completed: dict[tuple[int, int], tuple[int, int]] = {}
    last_with_provider_good: dict[tuple[int, int], bool] = {}
    for resident_id, category_id, offer_id, provider_id, status, concern_at, rating in rows:
        good = status == S.COMPLETED and concern_at is None and (rating is None or rating >= 4)
        last_with_provider_good[(resident_id, provider_id)] = good
        if status == S.COMPLETED:
            last_completed[(resident_id, category_id)] = (offer_id, provider_id)
    return {
        key: offer_id
        for key, (offer_id, provider_id) in last_completed.items()
        if last_with_provider_good.get((key[0], provider_id))
    }


# --- Exclusions (issue 9): the resident's own, and an officer's view of them --------------------------


def exclusion_list_for_resident_user(*, user: AnyUser) -> QuerySet[Exclusion]:
    """The providers the signed-in resident asked never to be matched with again."""
    if not user.is_authenticated:
        return Exclusion.objects.none()
    return Exclusion.objects.filter(resident__user=user).select_related("provider")


def exclusion_get_for_user(*, user: AnyUser, pk: int) -> Exclusion | None:
    """One of the resident's own exclusions, or None for anyone else (the provider above all)."""
    return exclusion_list_for_resident_user(user=user).select_related("resident").filter(pk=pk).first()


def exclusion_list_for_officer(*, officer: AnyUser, resident_id: int) -> QuerySet[Exclusion]:
    """A resident's exclusions for an officer of their council (the page that shows
    them is audited, ADR 0015); nothing for anyone else."""
    council_id = getattr(officer, "council_id", None)
    if not (officer.is_authenticated and getattr(officer, "is_officer", False)) or council_id is None:
        return Exclusion.objects.none()
    return Exclusion.objects.filter(resident_id=resident_id, resident__council_id=council_id).select_related(
        "provider", "created_by"
    )


def provider_ids_for_user(*, user: AnyUser) -> set[int]:
    """Ids of the providers the user is a member of (one query, for list pages)."""
    return set(provider_list_for_user(user=user).values_list("pk", flat=True))


@dataclass(frozen=True)
class Helper:
    """The member who will attend, as a party to the match sees them: a first name
    and the checks the council holds for them today (ADR 0023). Never their
    surname, e-mail or phone."""

    first_name: str
    checks: MemberChecks


HELPER_STATUSES = (Match.Status.ACCEPTED, Match.Status.CONFIRMED, Match.Status.COMPLETED)


def match_helper_for(*, match: Match, user: AnyUser) -> Helper | None:
    """Who will attend this match, for its parties once the provider has accepted
    naming someone; None otherwise (two queries)."""
    if match.attending_member_id is None or match.status not in HELPER_STATUSES:
        return None
    if party_of(match=match, user=user) is None:
        return None
    member = ProviderMember.objects.select_related("user").filter(pk=match.attending_member_id).first()
    if member is None:
        return None
    names = member.user.full_name.split()
    return Helper(first_name=names[0] if names else "", checks=member_checks_for(members=[member])[member.pk])


def match_attendance(*, match: Match) -> Attendance:
    """Whom the provider may name to attend this match: the rule is the providers'
    (`attendance_for`), the tier is the need's category's."""
    category = match.need.category
    tier = category.safeguarding_tier if category is not None else SafeguardingTier.OPEN
    return attendance_for(provider=match.offer.provider, tier=tier)
