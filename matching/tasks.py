"""Thin Celery entry points for matching. Each takes ids, loads fresh rows and
is safe to run twice (the runner holds a per-council lock and is idempotent;
expiry moves rows on with conditional updates)."""

from __future__ import annotations

from celery import shared_task

from matching import services
from matching.runner import match_council_run
from residents.models import Need


@shared_task(name="matching.tasks.match_council_task")
def match_council_task(council_id: int, trigger: str = "market_changed") -> int:
    """One batch for one council; returns how many proposals it wrote."""
    return match_council_run(council_id=council_id, trigger=trigger).matched


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
