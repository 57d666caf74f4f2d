"""The regulator's view of the market, read from the database: the figures
behind the officer's dashboard. Reads only; the daily roll-up they read is
written by `marketplace.services.analytics`, and `marketplace.presentation`
turns the figures into the page's tables and charts.

Every figure is an aggregate query over an index (Need(council, posted_at),
Need(council, status), Match(council, confirmed_at), Match(need)); the number
of queries is fixed whatever the size of the market. The median uses
PostgreSQL's `percentile_cont`; on SQLite (laptops and tests) it falls back to
Python over the durations of the period.

Needs posted, judged and unmet come from the daily roll-up `DailyMarketStat`
for settled days (every need of the day past its 7 days, so the figures are
final) and from the needs themselves for later days; the two add up to the
same numbers as the live computation (tests check it). See ADR 0006.

Definitions (also shown on the page):
- open needs: waiting for a match now (open or proposed);
- matched this week: matches confirmed since Monday 00:00;
- time to match: from the need being posted to the resident confirming a match;
- unmet after 7 days: of the needs posted in the period at least 7 days ago,
  the share with no match confirmed within 7 days of posting.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Left, StrIndex, TruncWeek
from django.utils import timezone

from matching.models import Match, NeedRisk
from platform_core.models import Council, CouncilDistrict, ServiceCategory, User
from providers.models import Offer, Provider
from residents.models import Need

from ..models import DailyMarketStat, DailyMarketStatState
from .scope import in_council

WAITING = (Need.Status.OPEN, Need.Status.PROPOSED)
UNMET_AFTER = timedelta(days=7)
# A day is rolled up only this long after its needs' 7 days are over, so a
# confirmation or a post still committing at that moment is not missed.
SETTLE_LAG = timedelta(minutes=10)
MATCH_BUCKETS = [
    ("Under 1 day", timedelta(0), timedelta(days=1)),
    ("1 to 2 days", timedelta(days=1), timedelta(days=2)),
    ("2 to 7 days", timedelta(days=2), timedelta(days=7)),
    ("7 to 14 days", timedelta(days=7), timedelta(days=14)),
    ("14 days or more", timedelta(days=14), None),
]


class Median(Aggregate):
    """PostgreSQL's ordered-set aggregate; works on intervals as well as numbers."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


@dataclass
class Period:
    """Days from date_from to date_to, both included, in local time."""

    date_from: date
    date_to: date

    @classmethod
    def default(cls, today: date | None = None) -> Self:
        """The last 12 weeks."""
        today = today or timezone.localdate()
        return cls(date_from=today - timedelta(weeks=12) + timedelta(days=1), date_to=today)

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Self:
        today = today or timezone.localdate()
        return cls(date_from=today - timedelta(days=days - 1), date_to=today)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))


@dataclass
class Filters(Period):
    category_id: int | None = None
    district: str = ""


@dataclass
class MarketFigures:
    """Everything the dashboard shows, as the database returned it."""

    filters: Filters
    categories: dict[int, str]
    # Needs of the period by district, category and week posted: posted, judged, unmet.
    period_rows: list[Mapping[str, Any]]
    open_by_category: dict[int | None, int]
    # Category -> (free capacity, active offers).
    capacity_by_category: dict[int, tuple[int, int]]
    matched_this_week: int
    median_wait: timedelta | None
    # Matches in each of MATCH_BUCKETS, in order.
    wait_buckets: list[int]
    matched_by_week: dict[date, int]
    declines: list[Mapping[str, Any]]
    provider_mix: list[Mapping[str, Any]]
    # Needs of the period that expired unmatched or wait at risk now, by the last batch's reason.
    unmet_reasons: list[Mapping[str, Any]]


def district_expr() -> Case:
    """The outcode of a need's postcode ("KT1 1AA" -> "KT1"), empty when there is none."""
    return Case(
        When(postcode__contains=" ", then=Left("postcode", StrIndex("postcode", Value(" ")) - 1)),
        default=Value(""),
        output_field=CharField(),
    )


def met_in_time() -> QuerySet[Match]:
    """A match confirmed within 7 days of the (outer) need being posted."""
    return Match.objects.filter(
        need=OuterRef("pk"),
        confirmed_at__isnull=False,
        confirmed_at__lte=ExpressionWrapper(OuterRef("posted_at") + UNMET_AFTER, output_field=DateTimeField()),
    )


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def settled_through(now: datetime) -> date:
    """The last day whose needs are all past their 7 days (plus a margin for
    transactions still committing): its posted and unmet figures are final."""
    return timezone.localtime(now - UNMET_AFTER - SETTLE_LAG).date() - timedelta(days=1)


def district_list(*, officer: User) -> list[str]:
    """The postcode districts of the officer's council, for the dashboard's filter."""
    qs = in_council(CouncilDistrict.objects.all(), officer)
    return list(qs.order_by("outcode").values_list("outcode", flat=True))


def _as_date(value: date | datetime) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _needs(council: Council, filters: Filters, *, in_period: bool = True) -> QuerySet[Need]:
    qs = Need.objects.filter(council=council)
    if in_period:
        qs = qs.filter(posted_at__gte=filters.start, posted_at__lt=filters.end)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.district:
        qs = qs.filter(postcode__startswith=f"{filters.district} ")
    return qs


def _matches(council: Council, filters: Filters) -> QuerySet[Match]:
    qs = Match.objects.filter(council=council)
    if filters.category_id:
        qs = qs.filter(need__category_id=filters.category_id)
    if filters.district:
        qs = qs.filter(need__postcode__startswith=f"{filters.district} ")
    return qs


def market_figures(*, council: Council, filters: Filters | None = None, now: datetime | None = None) -> MarketFigures:
    """All the dashboard's figures for one council: 15 queries whatever the data size or the dates."""
    filters = filters or Filters.default()
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # These aggregates are cheap but their cost estimates are not: PostgreSQL's
            # JIT then spends ~50 ms compiling each one. Off for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        median, buckets = time_to_match(council=council, filters=filters)
        return MarketFigures(
            filters=filters,
            categories={c.pk: c.name for c in ServiceCategory.objects.filter(council=council)},
            period_rows=needs_by_district_category_week(council=council, filters=filters, now=now),
            open_by_category=needs_waiting_by_category(council=council, filters=filters),
            capacity_by_category=free_capacity_by_category(council=council, filters=filters),
            matched_this_week=matched_this_week(council=council, filters=filters, now=now),
            median_wait=median,
            wait_buckets=buckets,
            matched_by_week=matched_by_week(council=council, filters=filters),
            declines=decline_reasons(council=council, filters=filters),
            provider_mix=provider_mix(council=council),
            unmet_reasons=unmet_by_reason(council=council, filters=filters),
        )


def needs_by_district_category_week(*, council: Council, filters: Filters, now: datetime) -> list[Mapping[str, Any]]:
    """Needs of the period by district, category and week posted: posted, old
    enough to judge, unmet after 7 days (three queries, whatever the dates).

    The tiles, the district ranking and the weekly trend all sum these rows.
    Settled days come from the roll-up (all judged; unmet = posted - matched
    within 7 days), the days after them from the needs.
    """
    state = DailyMarketStatState.objects.filter(pk=1).values_list("settled_through", flat=True).first()
    # Never use a day the roll-up settled later than `now` would (a past `now`).
    rolled_to = min(state, settled_through(now), filters.date_to) if state else filters.date_from - timedelta(days=1)
    rolled = DailyMarketStat.objects.filter(council=council, day__gte=filters.date_from, day__lte=rolled_to)
    if filters.category_id:
        rolled = rolled.filter(category_id=filters.category_id)
    if filters.district:
        rolled = rolled.filter(district=filters.district)
    rows: list[Mapping[str, Any]] = [
        {
            "district_code": r["district"],
            "category_id": r["category_id"],
            "week": r["week"],
            "posted": r["posted"],
            "judged": r["posted"],
            "unmet": r["posted"] - r["met"],
        }
        for r in rolled.annotate(week=TruncWeek("day"))
        .values("district", "category_id", "week")
        .annotate(posted=Sum("posted"), met=Sum("matched_within_7d"))
        .order_by()
    ]
    live_from = max(filters.start, day_start(rolled_to + timedelta(days=1)))
    judged = Q(posted_at__lte=now - UNMET_AFTER)
    rows.extend(
        _needs(council, filters)
        .filter(posted_at__gte=live_from)
        .annotate(district_code=district_expr(), week=TruncWeek("posted_at"), met=Exists(met_in_time()))
        .values("district_code", "category_id", "week")
        .annotate(
            posted=Count("id"),
            judged=Count("id", filter=judged),
            unmet=Count("id", filter=judged & Q(met=False)),
        )
        .order_by()
    )
    return rows


def needs_waiting_by_category(*, council: Council, filters: Filters) -> dict[int | None, int]:
    """Needs waiting now (open or proposed), by category."""
    return {
        r["category_id"]: r["n"]
        for r in _needs(council, filters, in_period=False)
        .filter(status__in=WAITING)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    }


def free_capacity_by_category(*, council: Council, filters: Filters) -> dict[int, tuple[int, int]]:
    """Capacity free now in active offers of providers not suspended, and how many offers, by category."""
    through = Offer.categories.through
    qs = through.objects.filter(
        offer__council=council, offer__status=Offer.Status.ACTIVE, offer__provider__is_suspended=False
    )
    if filters.category_id:
        qs = qs.filter(servicecategory_id=filters.category_id)
    return {
        r["servicecategory_id"]: (r["capacity"] or 0, r["offers"])
        for r in qs.values("servicecategory_id")
        .annotate(capacity=Sum("offer__capacity_left"), offers=Count("offer_id"))
        .order_by()
    }


def matched_this_week(*, council: Council, filters: Filters, now: datetime) -> int:
    """Matches confirmed since Monday 00:00 (local time)."""
    week_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week_start -= timedelta(days=week_start.weekday())
    return _matches(council, filters).filter(confirmed_at__gte=week_start, confirmed_at__lte=now).count()


def time_to_match(*, council: Council, filters: Filters) -> tuple[timedelta | None, list[int]]:
    """The median time from posting to a confirmed match, and the matches in each
    of MATCH_BUCKETS, for needs posted in the period.

    The two extra conditions select nothing less: a need's `posted_at` is set
    once, when it is posted, and only posted needs get matches, so a match is
    confirmed after the period starts and belongs to its need's council. They
    let PostgreSQL start from Match(council, confirmed_at) and
    Need(council, posted_at) instead of reading every match or every need.
    """
    duration = ExpressionWrapper(F("confirmed_at") - F("need__posted_at"), output_field=DurationField())
    confirmed = (
        _matches(council, filters)
        .filter(
            confirmed_at__isnull=False,
            confirmed_at__gte=filters.start,
            need__council=council,
            need__posted_at__gte=filters.start,
            need__posted_at__lt=filters.end,
        )
        .annotate(wait=duration)
    )
    if settings.USING_POSTGRES:
        bucket_aggs = {}
        for n, (_label, low, high) in enumerate(MATCH_BUCKETS):
            q = Q(wait__gte=low) if high is None else Q(wait__gte=low, wait__lt=high)
            bucket_aggs[f"b{n}"] = Count("id", filter=q)
        agg = confirmed.aggregate(median=Median("wait", output_field=DurationField()), **bucket_aggs)
        return agg["median"], [agg[f"b{n}"] for n in range(len(MATCH_BUCKETS))]
    # SQLite has no percentile aggregate: one query for the durations, and the
    # buckets counted from the same rows.
    waits = sorted(w for w in confirmed.values_list("wait", flat=True) if w is not None)
    median = statistics.median(waits) if waits else None
    buckets = [sum(1 for w in waits if w >= low and (high is None or w < high)) for _label, low, high in MATCH_BUCKETS]
    return median, buckets


def matched_by_week(*, council: Council, filters: Filters) -> dict[date, int]:
    """Matches confirmed in the period, by week (Monday) confirmed."""
    return {
        _as_date(r["week"]): r["n"]
        for r in _matches(council, filters)
        .filter(confirmed_at__gte=filters.start, confirmed_at__lt=filters.end)
        .annotate(week=TruncWeek("confirmed_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("week")
    }


def decline_reasons(*, council: Council, filters: Filters) -> list[Mapping[str, Any]]:
    """Why providers declined proposals in the period: the ten commonest reasons."""
    return list(
        _matches(council, filters)
        .filter(status=Match.Status.DECLINED, closed_at__gte=filters.start, closed_at__lt=filters.end)
        .values("close_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "close_reason")[:10]
    )


def unmet_by_reason(*, council: Council, filters: Filters) -> list[Mapping[str, Any]]:
    """Needs posted in the period that expired with no match, and those waiting at risk
    now, by the reason the last batch gave (issue 9: a need that expires unmatched
    counts as unmet by its reason). One aggregate over Need(council, status) and the
    NeedRisk row kept when a need expires; an expired need no batch judged has no
    reason (`reason` None)."""
    expired = Q(status=Need.Status.EXPIRED)
    at_risk = Q(status__in=WAITING) & Exists(NeedRisk.objects.filter(need=OuterRef("pk")))
    return list(
        _needs(council, filters)
        .filter(expired | at_risk)
        .values(reason=F("risk__reason"))
        .annotate(expired=Count("pk", filter=expired), waiting=Count("pk", filter=Q(status__in=WAITING)))
        .order_by("-expired", "-waiting", "reason")
    )


def provider_mix(*, council: Council) -> list[Mapping[str, Any]]:
    """Providers of each kind: how many, how many verified and not suspended, their active offers."""
    return list(
        Provider.objects.filter(council=council)
        .values("kind")
        .annotate(
            providers=Count("id", distinct=True),
            verified=Count(
                "id",
                distinct=True,
                filter=Q(verification_status=Provider.Verification.VERIFIED, is_suspended=False),
            ),
            active_offers=Count("offers", distinct=True, filter=Q(offers__status=Offer.Status.ACTIVE)),
        )
        .order_by("kind")
    )
