"""The analytics roll-up: settled days of needs, counted once into
`DailyMarketStat`, so the dashboard's reads (`marketplace.selectors.analytics`)
cost the same for 12 weeks or 3 years. See ADR 0006."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from residents.models import Need

from ..models import DailyMarketStat, DailyMarketStatState
from ..selectors.analytics import SETTLE_LAG, day_start, district_expr, met_in_time, settled_through

# The refresh rebuilds everything this often (deletions leave no `updated_at` to follow).
FULL_REFRESH_EVERY = timedelta(hours=24)


def _day_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _stat_rows(needs: QuerySet[Need]) -> list[DailyMarketStat]:
    """Needs grouped by council, local day posted, category and district, with
    how many had a match confirmed within 7 days of posting."""
    grouped = (
        needs.annotate(day=TruncDate("posted_at"), district_code=district_expr(), met=Exists(met_in_time()))
        .values("council_id", "day", "category_id", "district_code")
        .annotate(posted=Count("id"), matched=Count("id", filter=Q(met=True)))
        .order_by()
    )
    return [
        DailyMarketStat(
            council_id=r["council_id"],
            day=r["day"],
            category_id=r["category_id"],
            district=r["district_code"],
            posted=r["posted"],
            matched_within_7d=r["matched"],
        )
        for r in grouped.iterator(chunk_size=5000)
    ]


def market_stats_refresh(*, now: datetime | None = None, full: bool = False) -> int:
    """Bring the roll-up up to date for every council; returns the rows written.

    Adds the days settled since the last run and recomputes the settled days
    of needs edited since then (a category or postcode can change while a need
    waits). Rebuilds everything with `full=True`, and on its own once a day,
    which also catches needs or matches deleted outside the services. Safe to
    run twice or concurrently: it holds the state row's lock, deletes the days
    it recomputes and writes them again in one transaction.
    """
    now = now or timezone.now()
    DailyMarketStatState.objects.get_or_create(pk=1)  # get_or_create survives a concurrent first run
    with transaction.atomic():
        state = DailyMarketStatState.objects.select_for_update().get(pk=1)
        settle_to = settled_through(now)
        done = state.settled_through
        full = (
            full
            or done is None
            or state.needs_seen_until is None
            or state.full_refresh_at is None
            or now - state.full_refresh_at >= FULL_REFRESH_EVERY
        )
        if full:
            DailyMarketStat.objects.all().delete()
            needs = Need.objects.filter(posted_at__lt=day_start(settle_to + timedelta(days=1)))
        else:
            assert done is not None and state.needs_seen_until is not None  # else `full` above
            settle_to = max(settle_to, done)  # a run with an earlier clock never forgets days
            # Days already rolled up whose needs changed since the last run: their
            # rows are recomputed for every council (a need may even change council).
            days = set(
                Need.objects.filter(
                    updated_at__gte=state.needs_seen_until,
                    posted_at__lt=day_start(done + timedelta(days=1)),
                )
                .annotate(day=TruncDate("posted_at"))
                .values_list("day", flat=True)
                .order_by()  # no default ordering columns in the DISTINCT
                .distinct()
            )
            days.update(done + timedelta(days=n) for n in range(1, (settle_to - done).days + 1))  # newly settled
            ranges = _day_ranges(days)
            if ranges:
                in_days = Q()
                in_ranges = Q()
                for first, last in ranges:
                    in_days |= Q(day__gte=first, day__lte=last)
                    in_ranges |= Q(posted_at__gte=day_start(first), posted_at__lt=day_start(last + timedelta(days=1)))
                DailyMarketStat.objects.filter(in_days).delete()
                needs = Need.objects.filter(in_ranges)
            else:
                needs = Need.objects.none()
        rows = _stat_rows(needs)
        DailyMarketStat.objects.bulk_create(rows, batch_size=5000)
        state.settled_through = settle_to
        state.needs_seen_until = now - SETTLE_LAG
        state.refreshed_at = now
        if full:
            state.full_refresh_at = now
        state.save(update_fields=["settled_through", "needs_seen_until", "refreshed_at", "full_refresh_at"])
    return len(rows)
