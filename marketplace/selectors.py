"""Reads for the officer console. Every one takes the acting user and scopes to
their council, so an officer of one council gets nothing of another's: lists
are empty and single objects None, which the views show as 404. Anyone who is
not an officer gets nothing at all. Selectors never write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone

from platform_core.models import AuditEvent, MarketRule, ServiceCategory, User
from providers.models import Offer, Provider, VerificationEvidence
from residents.models import Need, Resident

from .models import (
    BlockedWord,
    ModerationDecision,
    ModerationFlag,
    ModerationScanState,
    SafeguardingConcern,
    TargetType,
)

M = TypeVar("M", bound=Model)


def _council_id(officer: User) -> int | None:
    """The council an officer works for; None for anyone else (who then sees nothing)."""
    if not (officer.is_authenticated and officer.is_officer):
        return None
    return officer.council_id


def _in_council(qs: QuerySet[M], officer: User, field: str = "council_id") -> QuerySet[M]:
    council_id = _council_id(officer)
    return qs.none() if council_id is None else qs.filter(**{field: council_id})


# --- Verification -----------------------------------------------------------------


def evidence_list_waiting(*, officer: User) -> QuerySet[VerificationEvidence]:
    """Evidence waiting for a decision, oldest first."""
    return (
        _in_council(VerificationEvidence.objects.all(), officer, "provider__council_id")
        .filter(status=VerificationEvidence.Status.SUBMITTED)
        .select_related("provider")
        .order_by("submitted_at", "id")
    )


def evidence_list_expiring(
    *, officer: User, days: int = 30, today: date | None = None
) -> QuerySet[VerificationEvidence]:
    today = today or timezone.localdate()
    return (
        _in_council(VerificationEvidence.objects.all(), officer, "provider__council_id")
        .filter(
            status=VerificationEvidence.Status.ACCEPTED,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .select_related("provider")
        .order_by("expires_on", "id")
    )


def evidence_get(*, officer: User, pk: int) -> VerificationEvidence | None:
    qs = VerificationEvidence.objects.select_related("provider", "submitted_by", "reviewed_by")
    return _in_council(qs, officer, "provider__council_id").filter(pk=pk).first()


# --- Moderation -----------------------------------------------------------------------


@dataclass
class QueueItem:
    target_type: str
    target: Need | Offer | None
    flags: list[ModerationFlag]
    pending_review: bool = False

    @property
    def key(self) -> str:
        return f"{self.target_type}-{self.target.pk if self.target else 0}"


def moderation_queue(*, officer: User, limit: int = 100) -> list[QueueItem]:
    """Offers waiting for review and everything with an open flag, oldest first,
    one row per need or offer. A fixed number of queries whatever the length."""
    council_id = _council_id(officer)
    if council_id is None:
        return []
    flags = list(
        ModerationFlag.objects.filter(council_id=council_id, status=ModerationFlag.Status.OPEN).order_by(
            "created_at", "id"
        )[: limit * 5]
    )
    by_target: dict[tuple[str, int], list[ModerationFlag]] = {}
    for flag in flags:
        by_target.setdefault((flag.target_type, flag.target_id), []).append(flag)
    pending = list(
        Offer.objects.filter(council_id=council_id, status=Offer.Status.PENDING_REVIEW)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        by_target.setdefault((TargetType.OFFER, pk), [])
    need_ids = [pk for (t, pk) in by_target if t == TargetType.NEED]
    offer_ids = [pk for (t, pk) in by_target if t == TargetType.OFFER]
    provider_ids = [pk for (t, pk) in by_target if t == TargetType.PROVIDER]
    needs = Need.objects.filter(council_id=council_id, pk__in=need_ids).select_related("category").in_bulk()
    offers = Offer.objects.filter(council_id=council_id, pk__in=offer_ids).select_related("provider").in_bulk()
    providers = Provider.objects.filter(council_id=council_id, pk__in=provider_ids).in_bulk()
    lookup = {TargetType.NEED: needs, TargetType.OFFER: offers, TargetType.PROVIDER: providers}
    pending_set = set(pending)
    items = []
    for (target_type, pk), item_flags in by_target.items():
        target = lookup[target_type].get(pk)
        if target is None:
            continue
        items.append(
            QueueItem(
                target_type=target_type,
                target=target,
                flags=item_flags,
                pending_review=target_type == TargetType.OFFER and pk in pending_set,
            )
        )
    return items[:limit]


def moderation_scanned_at(*, officer: User) -> datetime | None:
    """When the automatic check last read the council's needs and offers (None: never)."""
    state = _in_council(ModerationScanState.objects.all(), officer).first()
    return state.scanned_at if state else None


def moderation_target_get(*, officer: User, target_type: str, pk: int) -> Need | Offer | None:
    """A need or an offer of the officer's council, or None (also for any other kind of target)."""
    if target_type == TargetType.NEED:
        need_qs = Need.objects.select_related("resident__user", "category")
        return _in_council(need_qs, officer).filter(pk=pk).first()
    if target_type == TargetType.OFFER:
        offer_qs = Offer.objects.select_related("provider").prefetch_related("categories")
        return _in_council(offer_qs, officer).filter(pk=pk).first()
    return None


def moderation_history(*, officer: User, target_type: str, pk: int) -> dict:
    council_id = _council_id(officer)
    if council_id is None:
        return {"flags": [], "decisions": []}
    return {
        "flags": list(ModerationFlag.objects.filter(council_id=council_id, target_type=target_type, target_id=pk)),
        "decisions": list(
            ModerationDecision.objects.filter(
                council_id=council_id, target_type=target_type, target_id=pk
            ).select_related("officer")
        ),
    }


def blocked_word_list(*, officer: User) -> QuerySet[BlockedWord]:
    return _in_council(BlockedWord.objects.all(), officer)


def blocked_word_get(*, officer: User, pk: int) -> BlockedWord | None:
    return blocked_word_list(officer=officer).filter(pk=pk).first()


# --- Safeguarding --------------------------------------------------------------------


def concern_list_for_officer(*, officer: User, status: str = "") -> QuerySet[SafeguardingConcern]:
    qs = _in_council(SafeguardingConcern.objects.select_related("provider", "match"), officer)
    qs = qs.filter(status=status) if status else qs.exclude(status=SafeguardingConcern.Status.CLOSED)
    return qs.order_by("created_at", "id")


def concern_get_for_officer(*, officer: User, pk: int) -> SafeguardingConcern | None:
    qs = SafeguardingConcern.objects.select_related("provider", "match__need", "match__offer", "raised_by")
    return _in_council(qs, officer).filter(pk=pk).first()


def concern_list_for_user(*, user: User) -> QuerySet[SafeguardingConcern]:
    """The concerns a person raised themself. Nobody else but officers sees a concern."""
    if not user.is_authenticated:
        return SafeguardingConcern.objects.none()
    return SafeguardingConcern.objects.filter(raised_by=user).order_by("-created_at", "-id")


def concern_get_for_user(*, user: User, pk: int) -> SafeguardingConcern | None:
    return concern_list_for_user(user=user).filter(pk=pk).first()


# --- Providers and people ------------------------------------------------------------


def provider_search(*, officer: User, q: str = "", status: str = "") -> QuerySet[Provider]:
    qs = _in_council(Provider.objects.all(), officer).annotate(
        offer_count=Count("offers", filter=Q(offers__status=Offer.Status.ACTIVE))
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(postcode__istartswith=q))
    if status == "suspended":
        qs = qs.filter(is_suspended=True)
    elif status:
        qs = qs.filter(verification_status=status)
    return qs.order_by("name", "id")


def provider_get(*, officer: User, pk: int) -> Provider | None:
    return _in_council(Provider.objects.all(), officer).filter(pk=pk).first()


def provider_detail(*, officer: User, provider: Provider) -> dict:
    if _council_id(officer) != provider.council_id:
        return {"members": [], "evidence": [], "offers": []}
    return {
        "members": list(provider.members.select_related("user")),
        "evidence": list(provider.evidence.order_by("-submitted_at")),
        "offers": list(provider.offers.prefetch_related("categories").order_by("-created_at")[:50]),
    }


def resident_search(*, officer: User, q: str = "") -> QuerySet[Resident]:
    """Search by name, e-mail, postcode or need reference. Shows no personal
    data beyond what finds the person; the detail page is audited."""
    qs = _in_council(Resident.objects.select_related("user"), officer)
    q = (q or "").strip()
    if not q:
        return qs.none()
    return (
        qs.filter(
            Q(user__full_name__icontains=q)
            | Q(preferred_name__icontains=q)
            | Q(user__email__iexact=q)
            | Q(postcode__iexact=q)
            | Q(needs__reference__iexact=q)
        )
        .distinct()
        .order_by("id")
    )


def resident_get(*, officer: User, pk: int) -> Resident | None:
    return _in_council(Resident.objects.select_related("user"), officer).filter(pk=pk).first()


def resident_needs(*, officer: User, resident: Resident) -> QuerySet[Need]:
    return _in_council(Need.objects.filter(resident=resident), officer).select_related("category")


# --- Regulation -------------------------------------------------------------------------


def category_list(*, officer: User) -> QuerySet[ServiceCategory]:
    return _in_council(ServiceCategory.objects.all(), officer).order_by("position", "name")


def category_get(*, officer: User, pk: int) -> ServiceCategory | None:
    return category_list(officer=officer).filter(pk=pk).first()


def market_rule_get(*, officer: User) -> MarketRule | None:
    """The council's market rules; a council that never saved any has the
    defaults (an unsaved row: reading the rules never writes them)."""
    council_id = _council_id(officer)
    if council_id is None:
        return None
    return MarketRule.objects.filter(council_id=council_id).first() or MarketRule(council_id=council_id)


# --- Audit --------------------------------------------------------------------------------


def audit_list(
    *,
    officer: User,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = _in_council(AuditEvent.objects.all(), officer)
    if actor:
        qs = qs.filter(actor_email__icontains=actor.strip())
    if action:
        qs = qs.filter(action__istartswith=action.strip())
    if object_type:
        qs = qs.filter(object_type__iexact=object_type.strip())
    if object_id:
        qs = qs.filter(object_id=object_id.strip())
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def console_counts(*, officer: User) -> dict[str, int]:
    """The numbers on the console's home page: what is waiting in each queue."""
    council_id = _council_id(officer)
    if council_id is None:
        return {"evidence": 0, "flags": 0, "pending_offers": 0, "concerns": 0}
    return {
        "evidence": VerificationEvidence.objects.filter(
            provider__council_id=council_id, status=VerificationEvidence.Status.SUBMITTED
        ).count(),
        "flags": ModerationFlag.objects.filter(council_id=council_id, status=ModerationFlag.Status.OPEN)
        .values("target_type", "target_id")
        .distinct()
        .count(),
        "pending_offers": Offer.objects.filter(council_id=council_id, status=Offer.Status.PENDING_REVIEW).count(),
        "concerns": SafeguardingConcern.objects.filter(council_id=council_id)
        .exclude(status=SafeguardingConcern.Status.CLOSED)
        .count(),
    }
