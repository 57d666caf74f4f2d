"""Thin Celery entry points for matching. Each takes ids, loads fresh rows and
is safe to run twice (the runner holds a per-council lock and is idempotent;
expiry moves rows on with conditional updates)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from matching import services
from matching.runner import match_council_run
from residents.models import Need

logger = logging.getLogger(__name__)


TAIL = "debounce_tail"


@shared_task(name="matching.tasks.match_council_task")
def match_council_task(council_id: int, trigger: str = "market_changed") -> int:
    """One batch for one council; returns how many proposals it wrote.

    platform_core.services.market_changed publishes this at most once per
    debounce window and drops the posts that follow within it. So a run asked
    for by a post is followed by one "tail" run when the window closes, which
    picks those posts up in seconds instead of at the next beat sweep.
    """
    matched = match_council_run(council_id=council_id, trigger=trigger).matched
    if trigger != TAIL:
        _publish_tail(council_id)
    return matched


def _publish_tail(council_id: int) -> None:
    try:
        match_council_task.apply_async(
            args=[council_id],
            kwargs={"trigger": TAIL},
            countdown=settings.MATCHING_DEBOUNCE_SECONDS,
            retry=False,
        )
    except Exception:  # the broker is down: the beat sweep catches up
        logger.warning("Could not schedule the tail run for council %s", council_id, exc_info=True)


@shared_task(name="matching.tasks.match_sweep_task")
def match_sweep_task() -> int:
    """Every council with open needs gets a batch: what makes a lost "market
    changed" message (or a Redis outage) a delay, never a lost need.

    Runs the batches inline: each holds its own lock, and a sweep that falls
    behind is simply followed by the next one.
    """
    council_ids = Need.objects.filter(status=Need.Status.OPEN).values_list("council_id", flat=True).distinct()
    total = 0
    for council_id in sorted(set(council_ids)):
        total += match_council_run(council_id=council_id, trigger="sweep").matched
    return total


@shared_task(name="matching.tasks.match_expire_overdue_task")
def match_expire_overdue_task() -> int:
    """Expire unanswered proposals; the needs go back to the pool (cascade)."""
    return services.match_expire_overdue()
