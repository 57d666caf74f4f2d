"""One matching batch for one council: rows -> engine -> proposals.

`match_council_run` is what the Celery task calls. It holds the council's lock
for the whole batch, so two workers never match the same shard at once, and
writes every proposal of the batch in one transaction, so a crash leaves none
half-written. Running it twice proposes nothing new: proposed needs are no
longer open, and every (need, offer) pair ever proposed is excluded.
See docs/decisions/0005-matching-triggering-and-locks.md.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from matching import selectors
from matching.models import Match, MatchRun
from matching.notifications import MATCH_PROPOSED
from matching.services import risks
from platform_core.availability import slot_label, slots_for_window, valid_slots
from platform_core.models import Council, MarketRule, tier_rank
from platform_core.notifications import notify_each
from providers.models import Provider, ProviderMember, clearance_covers
from residents.models import Need

logger = logging.getLogger(__name__)

#: First half of the two-int advisory lock key: "matching" for these locks, so
#: they never collide with another feature's advisory locks on the same council id.
LOCK_NAMESPACE = zlib.crc32(b"convene.matching") & 0x7FFFFFFF
CACHE_LOCK_SECONDS = 300


def worker_name() -> str:
    """This process as MatchRun.worker records it (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


@contextmanager
def council_lock(council_id: int) -> Iterator[bool]:
    """Hold the council's matching lock for the current transaction; yields False if busy.

    PostgreSQL: a transaction-scoped advisory lock, released by COMMIT or
    ROLLBACK, so a crashed worker can never leave it held. Call inside
    `transaction.atomic()`. SQLite serialises writers anyway; a cache key keeps
    two local workers from solving the same batch twice.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, int(council_id)])
            acquired = bool(cursor.fetchone()[0])
        yield acquired
        return
    key = f"matching:lock:{council_id}"
    try:
        acquired = cache.add(key, 1, timeout=CACHE_LOCK_SECONDS)
    except Exception:  # noqa: BLE001 - no cache: SQLite's single writer is the lock
        acquired = True
    try:
        yield acquired
    finally:
        if acquired:
            try:
                cache.delete(key)
            except Exception:  # noqa: BLE001, S110
                pass


def _need_slots(need: Need) -> frozenset[int] | None:
    if need.timing == Need.Timing.WEEKLY:
        return frozenset(valid_slots(need.weekly_slots)) or None
    if need.window_start and need.window_end and need.window_end > need.window_start:
        return frozenset(slots_for_window(timezone.localtime(need.window_start), timezone.localtime(need.window_end)))
    return None


def _shared_slots(assignment, need_input, offer_input) -> tuple[int, ...]:
    """The day-parts that suit both sides; "any time" on one side means the other's."""
    if getattr(assignment, "shared_slots", ()):
        return tuple(assignment.shared_slots)
    return tuple(sorted(need_input.slots or offer_input.slots or ()))


def _explanation(*, distance_km: float, shared_slots, rating, terms: dict) -> str:
    """Stored in English whoever runs the batch; pages show it in the reader's
    language (matching/templatetags/match_words.py knows these shapes)."""
    parts = [f"{distance_km:.1f} km away"]
    if shared_slots:
        with translation.override(settings.LANGUAGE_CODE):
            parts.append(f"available {slot_label(int(sorted(shared_slots)[0]))}")
    if rating is not None:
        parts.append(f"rated {float(rating):.1f}")
    else:
        parts.append("new provider")
    if terms.get("continuity", 0) > 0:
        parts.append("helped you before")
    return " · ".join(parts)


def _policy(rule: MarketRule, categories: dict[int, str]):
    from matching.engine import Policy
    from matching.engine.types import DEFAULT_WEIGHTS

    # MarketRule.weights uses the engine's term names (one vocabulary, issue 13);
    # a key the engine does not know is ignored rather than failing the batch.
    weights = {key: float(value) for key, value in (rule.weights or {}).items() if key in DEFAULT_WEIGHTS}
    return Policy(
        max_distance_km=float(rule.max_distance_km),
        weights=weights,
        safeguarding_tiers={str(cid): tier_rank(tier) for cid, tier in categories.items()},
    )


@dataclass(frozen=True)
class CategoryChange:
    """A change to one category that a what-if applies to the batch it builds
    (`matching.simulation`): the tier that gates it, and its price cap, whose
    saving hides every offer of the category priced above it (ADR 0006)."""

    category_id: int
    safeguarding_tier: str
    price_cap_pence: int | None


def _load(council: Council, now: datetime, *, rule: MarketRule | None = None, change: CategoryChange | None = None):
    """Read the batch: open needs, offers with free capacity, excluded pairs.

    The real run reads the council's rules (creating the default row once). A
    what-if passes the proposed rules (an unsaved row) and category change,
    and then nothing is written: the batch is built exactly as the real run
    would build it once the change is saved.
    """
    from matching.engine import NeedInput, OfferInput

    council_id = council.pk
    if rule is None:
        rule, _ = MarketRule.objects.get_or_create(council_id=council_id)

    def tier_of(category) -> str:
        return change.safeguarding_tier if change and category.pk == change.category_id else category.safeguarding_tier

    needs = list(selectors.needs_open_for_matching(council=council))
    # Full offers too: they never reach the engine, but "all busy" is judged against them.
    offers = list(selectors.offers_active_in_council(council=council))

    resident_ids = {n.resident_id for n in needs}
    # Continuity: the offer that last completed help for this resident in this
    # category, only if that helper's last visit went well (issue 9).
    previous = selectors.continuity_offers_for_residents(resident_ids=resident_ids)
    # Never these providers for these residents: their exclusions and their own providers.
    excluded_providers = selectors.providers_excluded_for_residents(resident_ids=resident_ids)

    need_inputs = []
    for need in needs:
        prefs = set(need.preferences or [])
        if need.language:
            prefs.add(f"lang:{need.language.strip().lower()}")
        waited = (now - (need.posted_at or need.created_at)).total_seconds() / 3600
        need_inputs.append(
            NeedInput(
                id=need.pk,
                lat=need.latitude,
                lon=need.longitude,
                category=str(need.category_id),
                urgency=(int(need.urgency) - 1) / 2,
                waited_hours=max(0.0, waited),
                slots=_need_slots(need),
                preferences=frozenset(prefs),
                previous_offer_id=previous.get((need.resident_id, need.category_id)),
                excluded_providers=frozenset(excluded_providers.get(need.resident_id, ())),
            )
        )

    volunteer_open = selectors.open_proposals_by_volunteer(council_id=council_id)
    categories: dict[int, str] = {}
    offer_inputs = []
    # Every offer in the market, full and uncleared ones too: what the unmatched
    # reasons are judged against (no offer, none cleared, ..., all busy).
    reason_offers = []
    offer_by_id = {}
    for offer in offers:
        provider = offer.provider
        free = offer.capacity_left - offer.open_proposals
        if provider.kind == Provider.Kind.VOLUNTEER:
            free = min(free, rule.max_open_proposals_volunteer - volunteer_open.get(provider.pk, 0))
        clearance = tier_rank(provider.clearance)
        cleared = set()
        over_cap = False
        listed = set()
        for category in offer.categories.all():
            categories[category.pk] = tier_of(category)
            if category.is_active:
                listed.add(str(category.pk))
            if category.is_active and clearance_covers(provider.clearance, tier_of(category)):
                cleared.add(str(category.pk))
            if change and category.pk == change.category_id and change.price_cap_pence is not None:
                over_cap = over_cap or offer.price_pence > change.price_cap_pence  # the cap would hide it
        if listed:
            reason_offers.append(
                OfferInput(
                    id=offer.pk,
                    lat=offer.latitude,
                    lon=offer.longitude,
                    radius_km=float(offer.radius_km),
                    categories=frozenset(listed),
                    # Clearance decided here, once (clearance_covers); see _reasons_policy.
                    cleared_categories=frozenset(cleared),
                    capacity=max(0, free),
                    slots=frozenset(valid_slots(offer.weekly_slots)) or None,
                    provider=provider.pk,
                )
            )
        if free <= 0 or not cleared or over_cap:
            continue
        tags = set(offer.preferences_met or []) | {f"lang:{str(x).strip().lower()}" for x in offer.languages or []}
        offer_inputs.append(
            OfferInput(
                id=offer.pk,
                lat=offer.latitude,
                lon=offer.longitude,
                radius_km=float(offer.radius_km),
                categories=frozenset(cleared),
                capacity=free,
                rating=float(provider.rating_average) if provider.rating_average is not None else None,
                slots=frozenset(valid_slots(offer.weekly_slots)) or None,
                price=offer.price_pence / 100,
                tags=frozenset(tags),
                load=offer.capacity - offer.capacity_left + offer.open_proposals,
                clearance_tier=clearance,
                provider=provider.pk,
            )
        )
        offer_by_id[offer.pk] = offer
    for need in needs:
        categories.setdefault(need.category_id, tier_of(need.category))

    excluded = set(Match.objects.filter(need_id__in=[n.pk for n in needs]).values_list("need_id", "offer_id"))
    policy = _policy(rule, categories)
    return rule, needs, need_inputs, offer_inputs, offer_by_id, excluded, volunteer_open, policy, reason_offers


def _apply_volunteer_cap(assignments, offer_by_id, rule: MarketRule, volunteer_open: dict[int, int]) -> list:
    """A volunteer with several offers may still hold only `max_open_proposals_volunteer`
    open proposals in total: keep their best-scoring ones; the rest wait for a later batch."""
    kept = []
    held: dict[int, int] = defaultdict(int)
    for a in sorted(assignments, key=lambda a: -a.score):
        provider = offer_by_id[a.offer_id].provider
        if provider.kind == Provider.Kind.VOLUNTEER:
            if volunteer_open.get(provider.pk, 0) + held[provider.pk] >= rule.max_open_proposals_volunteer:
                continue
            held[provider.pk] += 1
        kept.append(a)
    return kept


def match_council_run(*, council_id: int, trigger: str = "sweep", solver: str = "optimal") -> MatchRun:
    """Run one batch for a council and write its proposals. Safe to run twice or concurrently."""
    council = Council.objects.get(pk=council_id)
    started = timezone.now()
    clock = time.perf_counter()
    try:
        with transaction.atomic(), council_lock(council_id) as acquired:
            if not acquired:
                if trigger == "sweep":
                    return MatchRun(council=council, status=MatchRun.Status.SKIPPED, trigger=trigger)
                return MatchRun.objects.create(
                    council=council,
                    started_at=started,
                    finished_at=timezone.now(),
                    status=MatchRun.Status.SKIPPED,
                    trigger=trigger,
                    solver=solver,
                    worker=worker_name(),
                )
            return _run_locked(council, started, clock, trigger, solver)
    except Exception as exc:
        logger.exception("Matching run for council %s failed", council_id)
        MatchRun.objects.create(
            council=council,
            started_at=started,
            finished_at=timezone.now(),
            status=MatchRun.Status.FAILED,
            trigger=trigger,
            solver=solver,
            seconds=time.perf_counter() - clock,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            worker=worker_name(),
        )
        raise


def _reasons_policy(policy):
    """The policy for judging reasons: every category gated, so an offer serves exactly
    the categories the runner found it cleared for (`cleared_categories`)."""
    from dataclasses import replace

    return replace(policy, safeguarding_tiers=dict.fromkeys(policy.safeguarding_tiers, 99))


def _run_locked(council: Council, started: datetime, clock: float, trigger: str, solver: str) -> MatchRun:
    """The batch itself. Precondition: inside the transaction holding the council's lock."""
    from matching.engine import solve
    from matching.engine.reasons import unmatched_reasons

    now = timezone.now()
    rule, needs, need_inputs, offer_inputs, offer_by_id, excluded, volunteer_open, policy, reason_offers = _load(
        council, now
    )
    run = MatchRun(council=council, started_at=started, trigger=trigger, solver=solver, worker=worker_name())
    run.needs, run.offers = len(need_inputs), len(offer_inputs)
    assignments = []
    if need_inputs and offer_inputs:
        # A Celery prefork child is daemonic and may not fork a pool: shard in-process there.
        processes = 1 if multiprocessing.current_process().daemon else None
        result = solve(need_inputs, offer_inputs, policy, excluded=excluded, solver=solver, processes=processes)
        assignments = _apply_volunteer_cap(result.assignments, offer_by_id, rule, volunteer_open)
        run.candidate_pairs = int(result.candidate_pairs)
        run.shards = max(1, int(result.shards))
        run.certified = result.certified
        run.grown_pairs = int(result.grown_pairs)

    # Lock the needs still open (in primary-key order, so two writers never
    # deadlock); a need cancelled since we read it is skipped, not proposed.
    by_need = {a.need_id: a for a in assignments}
    still_open = set(
        Need.objects.select_for_update()
        .filter(pk__in=sorted(by_need), status=Need.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assignments = [by_need[pk] for pk in sorted(still_open)]
    run.matched = len(assignments)
    run.objective = float(sum(a.score for a in assignments))
    run.status = MatchRun.Status.FINISHED
    run.seconds = time.perf_counter() - clock
    run.finished_at = timezone.now()
    # Why each need left unmatched, first blocking reason (issue 9): cheap, after the solve.
    reasons = unmatched_reasons(
        need_inputs,
        reason_offers,
        _reasons_policy(policy),
        matched_need_ids=still_open,
        used_by_offer=Counter(a.offer_id for a in assignments),
        excluded=excluded,
    )
    run.unmatched_reasons = dict(Counter(reasons.values()))
    if not assignments and trigger == "sweep":
        # The beat sweeps every few seconds; an empty sweep is not worth a row (its reasons are).
        risks.need_risks_record(council=council, run=None, reasons=reasons, matched=still_open, now=now)
        return run
    run.save()
    risks.need_risks_record(council=council, run=run, reasons=reasons, matched=still_open, now=now)
    if not assignments:
        return run

    respond_by = now + timedelta(hours=rule.response_deadline_hours)
    need_input = {x.id: x for x in need_inputs}
    offer_input = {x.id: x for x in offer_inputs}
    # Rows the engine produced from constraint-checked input; the unique
    # constraints (one live match per need, each pair once) back them.
    matches = Match.objects.bulk_create(
        [
            Match(
                need_id=a.need_id,
                offer_id=a.offer_id,
                council=council,
                run=run,
                status=Match.Status.PROPOSED,
                score=round(float(a.score), 4),
                distance_km=round(float(a.distance_km), 3),
                terms={k: round(float(v), 4) for k, v in a.terms.items()},
                explanation=_explanation(
                    distance_km=a.distance_km,
                    shared_slots=_shared_slots(a, need_input[a.need_id], offer_input[a.offer_id]),
                    rating=offer_by_id[a.offer_id].provider.rating_average,
                    terms=a.terms,
                ),
                proposed_at=now,
                respond_by=respond_by,
            )
            for a in assignments
        ]
    )
    Need.objects.filter(pk__in=still_open, status=Need.Status.OPEN).update(status=Need.Status.PROPOSED, updated_at=now)
    _notify(matches, needs, offer_by_id, respond_by)
    return run


def _notify(matches: list[Match], needs: list[Need], offer_by_id: dict, respond_by: datetime) -> None:
    need_by_id = {n.pk: n for n in needs}
    members: dict[int, list] = defaultdict(list)
    provider_ids = {offer_by_id[m.offer_id].provider_id for m in matches}
    for member in ProviderMember.objects.filter(provider_id__in=provider_ids).select_related("user"):
        members[member.provider_id].append(member.user)
    for match in matches:
        # The kind reads the need, its category and the deadline from the match: give it the loaded rows.
        match.need = need_by_id[match.need_id]
        match.offer = offer_by_id[match.offer_id]
        match.respond_by = respond_by
        url = reverse("matching:detail", args=[match.pk])
        notify_each(kind=MATCH_PROPOSED, users=members[match.offer.provider_id], url=url, match=match)
