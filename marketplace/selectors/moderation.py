"""The moderation queue, one item's history, and the council's word list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from platform_core.models import User
from providers.models import Offer, Provider
from residents.models import Need

from ..models import (
    BlockedWord,
    ModerationDecision,
    ModerationFlag,
    ModerationScanState,
    TargetType,
)
from .scope import council_id_of, in_council


@dataclass
class QueueItem:
    target_type: str
    target: Need | Offer | Provider | None
    flags: list[ModerationFlag]
    pending_review: bool = False

    @property
    def key(self) -> str:
        return f"{self.target_type}-{self.target.pk if self.target else 0}"


def moderation_queue(*, officer: User, limit: int = 100) -> list[QueueItem]:
    """Offers waiting for review and everything with an open flag, oldest first,
    one row per need or offer. A fixed number of queries whatever the length."""
    council_id = council_id_of(officer)
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
    lookup: dict[str, Mapping[int, Need | Offer | Provider]] = {
        TargetType.NEED: needs,
        TargetType.OFFER: offers,
        TargetType.PROVIDER: providers,
    }
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
    state = in_council(ModerationScanState.objects.all(), officer).first()
    return state.scanned_at if state else None


def moderation_target_get(*, officer: User, target_type: str, pk: int) -> Need | Offer | None:
    """A need or an offer of the officer's council, or None (also for any other kind of target)."""
    if target_type == TargetType.NEED:
        need_qs = Need.objects.select_related("resident__user", "category")
        return in_council(need_qs, officer).filter(pk=pk).first()
    if target_type == TargetType.OFFER:
        offer_qs = Offer.objects.select_related("provider").prefetch_related("categories")
        return in_council(offer_qs, officer).filter(pk=pk).first()
    return None


def moderation_history(*, officer: User, target_type: str, pk: int) -> dict:
    council_id = council_id_of(officer)
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
    return in_council(BlockedWord.objects.all(), officer)


def blocked_word_get(*, officer: User, pk: int) -> BlockedWord | None:
    return blocked_word_list(officer=officer).filter(pk=pk).first()
