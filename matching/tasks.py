"""Thin Celery entry points for matching. Each takes ids, loads fresh rows and
is safe to run twice (the runner holds a per-council lock and is idempotent;
expiry moves rows on with conditional updates)."""

from __future__ import annotations

import logging
import time

from celery import shared_task

from matching import services
from matching.models import MatchRun
from matching.runner import match_council_run
from platform_core.services import market_change_claim, market_changed
from residents.models import Need

logger = logging.getLogger(__name__)


#: A run that finds another run for its council holding the lock waits for it
#: (briefly, in process) rather than giving up: the change that queued it may
#: have landed after the other run loaded its rows.
LOCK_WAIT_SECONDS = 0.5
LOCK_ATTEMPTS = 20


@shared_task(name="matching.tasks.match_council_task")
def match_council_task(council_id: int, trigger: str = "market_changed") -> int:
    """One batch for one council; returns how many proposals it wrote.

    Queued by platform_core.services.market_changed (coalesced per council).
    """
    market_change_claim(council_id=council_id)
    for _ in range(LOCK_ATTEMPTS):
        run = match_council_run(council_id=council_id, trigger=trigger)
        if run.status != MatchRun.Status.SKIPPED:
            return run.matched
        if trigger == "sweep":
            return 0  # the run holding the lock loads every change a sweep would
        time.sleep(LOCK_WAIT_SECONDS)
    logger.info("Council %s stayed locked; the beat sweep will pick its changes up", council_id)
    return 0


@shared_task(name="matching.tasks.match_sweep_task")
def match_sweep_task() -> int:
    """Every council with open needs gets a batch: what makes a lost "market
    changed" message (or a Redis outage) a delay, never a lost need.

    Fans out: one ``match_council_task`` per council, coalesced with the
    "market changed" nudges through the same queued flag, so the councils'
    batches spread over every free worker process instead of queuing behind
    one another in this one (ADR 0005; each still holds its council's lock).
    Returns how many councils were nudged.
    """
    council_ids = Need.objects.filter(status=Need.Status.OPEN).values_list("council_id", flat=True).distinct()
    councils = sorted(set(council_ids))
    for council_id in councils:
        market_changed(council_id=council_id, trigger="sweep")
    return len(councils)


@shared_task(name="matching.tasks.match_expire_overdue_task")
def match_expire_overdue_task() -> int:
    """Expire unanswered proposals; the needs go back to the pool (cascade)."""
    return services.match_expire_overdue()


@shared_task(name="matching.tasks.visit_reminders_send_task")
def visit_reminders_send_task() -> int:
    """The beat's reminder of tomorrow's confirmed visits (each sent once)."""
    return services.visit_reminders_send()
