"""Needs at risk (issue 9, item 3): why the last batch left each need unmatched,
the alert when an urgent one waits too long, and an officer's proposal by hand.

The reasons are computed by the pure engine (matching/engine/reasons.py); this
module stores them, one row per unmatched need (`NeedRisk`), and acts on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matching import notifications as kinds
from matching.models import Match, MatchRun, NeedRisk, UnmatchedReason
from platform_core.geo import haversine_km
from platform_core.models import Council, MarketRule, User
from platform_core.notifications import notify_each
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record
from providers.models import Offer, Provider
from residents.models import Need


def need_risks_record(
    *, council: Council, run: MatchRun | None, reasons: Mapping[int, str], matched: Iterable[int], now: datetime
) -> None:
    """Store each unmatched need's first blocking reason; forget the needs now proposed.
    Call inside the batch's transaction. Writes only rows that are new or whose reason
    changed (the sweep runs every few seconds), then alerts officers once per urgent
    need waiting longer than the council's time."""
    NeedRisk.objects.filter(need_id__in=list(matched)).delete()
    if reasons:
        known = dict(NeedRisk.objects.filter(need_id__in=list(reasons)).values_list("need_id", "reason"))
        new = [
            NeedRisk(need_id=need_id, council=council, reason=reason, run=run, first_seen_at=now, updated_at=now)
            for need_id, reason in reasons.items()
            if need_id not in known
        ]
        NeedRisk.objects.bulk_create(new, ignore_conflicts=True)
        changed: dict[str, list[int]] = defaultdict(list)
        for need_id, reason in reasons.items():
            if need_id in known and known[need_id] != reason:
                changed[reason].append(need_id)
        for reason, ids in changed.items():
            NeedRisk.objects.filter(need_id__in=ids).update(reason=reason, run=run, updated_at=now)
    need_risks_alert(council=council, now=now)


def need_risks_alert(*, council: Council, now: datetime) -> int:
    """Tell the council's officers, once per need, of each urgent need still unmatched
    after `MarketRule.urgent_unmatched_alert_hours`. The claim is a conditional UPDATE,
    so two batches alert once."""
    rule, _ = MarketRule.objects.get_or_create(council=council)
    due = list(
        NeedRisk.objects.filter(
            council=council,
            alerted_at__isnull=True,
            need__status=Need.Status.OPEN,
            need__urgency=Need.Urgency.URGENT,
            need__posted_at__lt=now - timedelta(hours=rule.urgent_unmatched_alert_hours),
        ).select_related("need__category")
    )
    if not due:
        return 0
    officers = list(User.objects.filter(council=council, role=User.Role.OFFICER, is_active=True))
    alerted = 0
    for risk in due:
        if NeedRisk.objects.filter(pk=risk.pk, alerted_at__isnull=True).update(alerted_at=now):
            notify_each(
                kind=kinds.NEED_AT_RISK, users=officers, url=reverse("marketplace:needs_at_risk"), need=risk.need
            )
            alerted += 1
    return alerted


# --- An officer proposes an offer by hand -----------------------------------------------------------------

#: What the officer is told when a hard constraint refuses the pair (first blocking reason first).
REFUSALS = {
    "no_offer": "This offer does not provide this kind of help.",
    "not_cleared": "This provider is not cleared for this kind of help.",
    "too_far": "This need is out of the offer's reach ({distance:.1f} km away; the offer reaches {radius:.1f} km "
    "and the council allows {limit:.1f} km).",
    "no_shared_time": "The offer is not available at any of the times the resident gave.",
    "all_busy": "This offer is full: it has no capacity left.",
    "excluded": "This offer cannot be proposed for this need (the resident excluded the provider, it is their "
    "own, or it was proposed for this need before).",
}


def _inputs(need: Need, offer: Offer, free: int, excluded_providers: set[int], rule: MarketRule) -> tuple[Any, ...]:
    from matching.engine import NeedInput, OfferInput, Policy
    from matching.runner import _need_slots
    from platform_core.availability import valid_slots
    from providers.models import clearance_covers

    listed = {str(c.pk) for c in offer.categories.all() if c.is_active}
    cleared = {
        str(c.pk)
        for c in offer.categories.all()
        if c.is_active and clearance_covers(offer.provider.clearance, c.safeguarding_tier)
    }
    assert need.latitude is not None and need.longitude is not None  # checked by the caller
    need_input = NeedInput(
        id=need.pk,
        lat=need.latitude,
        lon=need.longitude,
        category=str(need.category_id),
        slots=_need_slots(need),
        excluded_providers=frozenset(excluded_providers),
    )
    offer_input = OfferInput(
        id=offer.pk,
        lat=offer.latitude,
        lon=offer.longitude,
        radius_km=float(offer.radius_km),
        categories=frozenset(listed),
        cleared_categories=frozenset(cleared),
        capacity=max(0, free),
        slots=frozenset(valid_slots(offer.weekly_slots)) or None,
        provider=offer.provider_id,
    )
    tiers = dict.fromkeys({*listed, str(need.category_id)}, 99)  # clearance decided above, once
    return need_input, offer_input, Policy(max_distance_km=float(rule.max_distance_km), safeguarding_tiers=tiers)


@transaction.atomic
def match_propose_by_officer(*, officer: User, need: Need, offer: Offer, reason: str) -> Match:
    """An officer proposes a chosen offer for an unmatched need. Every hard constraint
    and the capacity rule apply as in a batch; the provider sees an ordinary proposal;
    the officer's reason is recorded and audited."""
    from matching import selectors
    from matching.engine.reasons import unmatched_reasons
    from matching.runner import _notify

    require_officer_of(user=officer, council_id=need.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for this proposal"})
    if len(reason) > 500:
        raise ValidationError({"reason": "The reason must be 500 characters or fewer"})
    need = Need.objects.select_for_update(of=("self",)).select_related("category", "resident").get(pk=need.pk)
    if need.status != Need.Status.OPEN or need.category_id is None or need.latitude is None or need.longitude is None:
        raise ValidationError("Only a need waiting for a match can be proposed")
    lat, lon = need.latitude, need.longitude
    market = selectors.offers_active_in_council(council=need.council).filter(pk=offer.pk).first()
    if market is None or offer.council_id != need.council_id:
        raise ValidationError(
            {"offer": "This offer is not in the market (paused, closed, hidden or its provider unverified)"}
        )
    rule, _ = MarketRule.objects.get_or_create(council_id=need.council_id)
    free = market.capacity_left - int(getattr(market, "open_proposals", 0))
    if market.provider.kind == Provider.Kind.VOLUNTEER:
        held = selectors.open_proposals_by_volunteer(council_id=need.council_id).get(market.provider_id, 0)
        free = min(free, rule.max_open_proposals_volunteer - held)
    excluded_providers = selectors.providers_excluded_for_residents(resident_ids=[need.resident_id]).get(
        need.resident_id, set()
    )
    need_input, offer_input, policy = _inputs(need, market, free, excluded_providers, rule)
    before = {(need.pk, market.pk)} if Match.objects.filter(need=need, offer=market).exists() else set()
    blocked = unmatched_reasons([need_input], [offer_input], policy, excluded=before)[need.pk]
    if not (blocked == UnmatchedReason.ALL_BUSY and free > 0):
        distance = haversine_km(lat, lon, market.latitude, market.longitude)
        message = REFUSALS[blocked].format(
            distance=distance, radius=float(market.radius_km), limit=float(rule.max_distance_km)
        )
        raise ValidationError({"offer": message})
    now = timezone.now()
    distance = haversine_km(lat, lon, market.latitude, market.longitude)
    match = Match.objects.create(
        need=need,
        offer=market,
        council_id=need.council_id,
        status=Match.Status.PROPOSED,
        distance_km=round(distance, 3),
        explanation=f"{distance:.1f} km away · proposed by the council",
        proposed_at=now,
        respond_by=now + timedelta(hours=rule.response_deadline_hours),
    )
    Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(status=Need.Status.PROPOSED, updated_at=now)
    NeedRisk.objects.filter(need_id=need.pk).delete()
    audit_record(
        actor=officer,
        action="matching.manual_proposal",
        obj=match,
        council=need.council,
        reason=reason,
        data={"need_id": need.pk, "offer_id": market.pk},
    )
    _notify([match], [need], {market.pk: market}, match.respond_by)
    return match


__all__ = ["REFUSALS", "match_propose_by_officer", "need_risks_alert", "need_risks_record"]
