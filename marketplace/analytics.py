"""The regulator's view of the market, computed by the database.

Every figure is an aggregate query over an index (Need(council, posted_at),
Need(council, status), Match(council, confirmed_at), Match(need)); the number
of queries is fixed whatever the size of the market. The median uses
PostgreSQL's `percentile_cont`; on SQLite (laptops and tests) it falls back to
Python over the durations of the period.

Needs posted, judged and unmet come from the daily roll-up `DailyMarketStat`
for settled days (every need of the day past its 7 days, so the figures are
final) and from the needs themselves for later days; the two add up to the
same numbers as the live computation (tests check it). `market_stats_refresh`
keeps the roll-up current; see ADR 0006.

Definitions (also shown on the page):
- open needs: waiting for a match now (open or proposed);
- matched this week: matches confirmed since Monday 00:00;
- time to match: from the need being posted to the resident confirming a match;
- unmet after 7 days: of the needs posted in the period at least 7 days ago,
  the share with no match confirmed within 7 days of posting.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

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
    Sum,
    Value,
    When,
)
from django.db.models.functions import Left, StrIndex, TruncDate, TruncWeek
from django.utils import timezone

from matching.models import Match
from platform_core.models import Council, ServiceCategory
from providers.models import Offer, Provider
from residents.models import Need

from .models import DailyMarketStat, DailyMarketStatState

CHART_COLOURS = ["#1d70b8", "#f47738", "#00703c"]  # GOV.UK blue, orange, green
WAITING = (Need.Status.OPEN, Need.Status.PROPOSED)
UNMET_AFTER = timedelta(days=7)
# A day is rolled up only this long after its needs' 7 days are over, so a
# confirmation or a post still committing at that moment is not missed.
SETTLE_LAG = timedelta(minutes=10)
# The refresh rebuilds everything this often (deletions leave no `updated_at` to follow).
FULL_REFRESH_EVERY = timedelta(hours=24)
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
class Filters:
    date_from: date
    date_to: date
    category_id: int | None = None
    district: str = ""

    @classmethod
    def default(cls, today: date | None = None) -> Filters:
        today = today or timezone.localdate()
        return cls(date_from=today - timedelta(weeks=12) + timedelta(days=1), date_to=today)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list]
    # Which columns the chart draws as bars (indexes into each row), and their names.
    series: list[int] = field(default_factory=lambda: [1])
    ranked: bool = False

    def chart(self) -> dict:
        """Geometry for the server-side SVG bar chart: bars scaled to the
        largest value, one group of bars per row, one colour per series."""
        bar_h, gap, label_w, bars_w = 14, 8, 190, 380
        peak = max([row[i] or 0 for row in self.rows for i in self.series] + [0]) or 1
        group_h = bar_h * len(self.series) + gap
        rows = []
        for r, row in enumerate(self.rows):
            bars = []
            for n, i in enumerate(self.series):
                value = row[i] or 0
                bars.append(
                    {
                        "name": self.headers[i],
                        "value": row[i],
                        "y": r * group_h + n * bar_h,
                        "width": round(bars_w * value / peak, 1),
                        "colour": CHART_COLOURS[n % len(CHART_COLOURS)],
                    }
                )
            rows.append({"label": str(row[0])[:32], "y": r * group_h, "bars": bars, "text_y": r * group_h + bar_h - 3})
        return {
            "rows": rows,
            "height": max(len(self.rows) * group_h, group_h),
            "width": label_w + bars_w + 60,
            "label_w": label_w,
            "bar_h": bar_h - 2,
            "legend": [
                {"name": self.headers[i], "colour": CHART_COLOURS[n % len(CHART_COLOURS)]}
                for n, i in enumerate(self.series)
            ],
        }


@dataclass
class Dashboard:
    filters: Filters
    tiles: dict
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _district_expr():
    return Case(
        When(postcode__contains=" ", then=Left("postcode", StrIndex("postcode", Value(" ")) - 1)),
        default=Value(""),
        output_field=CharField(),
    )


def _met_in_time():
    """A match confirmed within 7 days of the (outer) need being posted."""
    return Match.objects.filter(
        need=OuterRef("pk"),
        confirmed_at__isnull=False,
        confirmed_at__lte=ExpressionWrapper(OuterRef("posted_at") + UNMET_AFTER, output_field=DateTimeField()),
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def settled_through(now: datetime) -> date:
    """The last day whose needs are all past their 7 days (plus a margin for
    transactions still committing): its posted and unmet figures are final."""
    return timezone.localtime(now - UNMET_AFTER - SETTLE_LAG).date() - timedelta(days=1)


def _needs(council: Council, filters: Filters, *, in_period: bool = True):
    qs = Need.objects.filter(council=council)
    if in_period:
        qs = qs.filter(posted_at__gte=filters.start, posted_at__lt=filters.end)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.district:
        qs = qs.filter(postcode__startswith=f"{filters.district} ")
    return qs


def _matches(council: Council, filters: Filters):
    qs = Match.objects.filter(council=council)
    if filters.category_id:
        qs = qs.filter(need__category_id=filters.category_id)
    if filters.district:
        qs = qs.filter(need__postcode__startswith=f"{filters.district} ")
    return qs


def _as_date(value) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds() / 86400, 1) if delta is not None else None


def dashboard(*, council: Council, filters: Filters | None = None, now: datetime | None = None) -> Dashboard:
    """All tiles and tables for one council (a fixed number of queries, whatever the data size)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # These aggregates are cheap but their cost estimates are not: PostgreSQL's
            # JIT then spends ~50 ms compiling each one. Off for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return _dashboard(council=council, filters=filters, now=now)


def _dashboard(*, council: Council, filters: Filters | None, now: datetime | None) -> Dashboard:
    filters = filters or Filters.default()
    now = now or timezone.now()
    categories = {c.pk: c.name for c in ServiceCategory.objects.filter(council=council)}  # 1

    # 2-4. Needs of the period by district, category and week posted: posted,
    # old enough to judge, unmet after 7 days. The tiles, the district ranking
    # and the weekly trend all sum these rows. Settled days come from the
    # roll-up (all judged; unmet = posted - matched within 7 days), the days
    # after them from the needs. Both queries run whatever the dates, so the
    # number of queries never changes.
    state = DailyMarketStatState.objects.filter(pk=1).values_list("settled_through", flat=True).first()  # 2
    # Never use a day the roll-up settled later than `now` would (a past `now`).
    rolled_to = min(state, settled_through(now), filters.date_to) if state else filters.date_from - timedelta(days=1)
    rolled = DailyMarketStat.objects.filter(council=council, day__gte=filters.date_from, day__lte=rolled_to)
    if filters.category_id:
        rolled = rolled.filter(category_id=filters.category_id)
    if filters.district:
        rolled = rolled.filter(district=filters.district)
    period_rows = [
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
    ]  # 3
    live_from = max(filters.start, _day_start(rolled_to + timedelta(days=1)))
    judged = Q(posted_at__lte=now - UNMET_AFTER)
    period_rows += list(
        _needs(council, filters)
        .filter(posted_at__gte=live_from)
        .annotate(district_code=_district_expr(), week=TruncWeek("posted_at"), met=Exists(_met_in_time()))
        .values("district_code", "category_id", "week")
        .annotate(
            posted=Count("id"),
            judged=Count("id", filter=judged),
            unmet=Count("id", filter=judged & Q(met=False)),
        )
        .order_by()
    )  # 4
    posted = sum(r["posted"] for r in period_rows)
    judged_n = sum(r["judged"] for r in period_rows)
    unmet_n = sum(r["unmet"] for r in period_rows)

    # 5. Waiting now, by category.
    open_by_category = {
        r["category_id"]: r["n"]
        for r in _needs(council, filters, in_period=False)
        .filter(status__in=WAITING)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    }

    # 6. Capacity free now in active offers of providers not suspended, by category.
    through = Offer.categories.through
    capacity_qs = through.objects.filter(
        offer__council=council, offer__status=Offer.Status.ACTIVE, offer__provider__is_suspended=False
    )
    if filters.category_id:
        capacity_qs = capacity_qs.filter(servicecategory_id=filters.category_id)
    capacity_by_category = {
        r["servicecategory_id"]: (r["capacity"] or 0, r["offers"])
        for r in capacity_qs.values("servicecategory_id")
        .annotate(capacity=Sum("offer__capacity_left"), offers=Count("offer_id"))
        .order_by()
    }

    # 7. Matched this week.
    week_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week_start -= timedelta(days=week_start.weekday())
    matched_week = _matches(council, filters).filter(confirmed_at__gte=week_start, confirmed_at__lte=now).count()

    # 8. Time from post to confirmed, for needs posted in the period. The two
    # extra conditions select nothing less: a need's `posted_at` is set once,
    # when it is posted, and only posted needs get matches, so a match is
    # confirmed after the period starts and belongs to its need's council. They
    # let PostgreSQL start from Match(council, confirmed_at) and
    # Need(council, posted_at) instead of reading every match or every need.
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
    bucket_aggs = {}
    for n, (_label, low, high) in enumerate(MATCH_BUCKETS):
        q = Q(wait__gte=low) if high is None else Q(wait__gte=low, wait__lt=high)
        bucket_aggs[f"b{n}"] = Count("id", filter=q)
    if settings.USING_POSTGRES:
        agg = confirmed.aggregate(median=Median("wait", output_field=DurationField()), **bucket_aggs)
        median = agg["median"]
    else:
        # SQLite has no percentile aggregate: one query for the durations, and
        # the buckets counted from the same rows.
        waits = sorted(w for w in confirmed.values_list("wait", flat=True) if w is not None)
        median = statistics.median(waits) if waits else None
        agg = {}
        for n, (_label, low, high) in enumerate(MATCH_BUCKETS):
            agg[f"b{n}"] = sum(1 for w in waits if w >= low and (high is None or w < high))

    # 9. Weekly trend: posted and unmet by week posted (from queries 3-4), matched by week confirmed.
    needs_weekly: dict[date, dict] = {}
    for r in period_rows:
        week = _as_date(r["week"])
        bucket = needs_weekly.setdefault(week, {"posted": 0, "unmet": 0})
        bucket["posted"] += r["posted"]
        bucket["unmet"] += r["unmet"]
    matched_weekly = {
        _as_date(r["week"]): r["n"]
        for r in _matches(council, filters)
        .filter(confirmed_at__gte=filters.start, confirmed_at__lt=filters.end)
        .annotate(week=TruncWeek("confirmed_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("week")
    }

    # 10. Why providers declined, in the period.
    declines = list(
        _matches(council, filters)
        .filter(status=Match.Status.DECLINED, closed_at__gte=filters.start, closed_at__lt=filters.end)
        .values("close_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "close_reason")[:10]
    )

    # 11. Provider mix.
    mix = list(
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

    # --- Shape the tables -------------------------------------------------------------
    posted_by_category: dict[int | None, int] = {}
    district_rows: dict[str, list[int]] = {}
    for r in period_rows:
        posted_by_category[r["category_id"]] = posted_by_category.get(r["category_id"], 0) + r["posted"]
        d = district_rows.setdefault(r["district_code"] or "Unknown", [0, 0, 0])
        d[0] += r["posted"]
        d[1] += r["judged"]
        d[2] += r["unmet"]

    shown_categories = [
        (pk, name) for pk, name in categories.items() if not filters.category_id or pk == filters.category_id
    ]
    demand_rows = [
        [
            name,
            open_by_category.get(pk, 0),
            capacity_by_category.get(pk, (0, 0))[0],
            posted_by_category.get(pk, 0),
            capacity_by_category.get(pk, (0, 0))[1],
        ]
        for pk, name in shown_categories
    ]
    unmet_rows = sorted(
        ([code, v[2], v[1], _pct(v[2], v[1])] for code, v in district_rows.items()),
        key=lambda row: (-row[1], row[0]),
    )
    ttm_rows = [[label, agg[f"b{n}"]] for n, (label, _low, _high) in enumerate(MATCH_BUCKETS)]
    weeks = sorted(set(needs_weekly) | set(matched_weekly))
    trend_rows = [
        [
            f"{week:%-d %b %Y}",
            needs_weekly.get(week, {}).get("posted", 0),
            matched_weekly.get(week, 0),
            needs_weekly.get(week, {}).get("unmet", 0),
        ]
        for week in weeks
    ]
    decline_rows = [[r["close_reason"] or "No reason given", r["n"]] for r in declines]
    mix_rows = [[Provider.Kind(r["kind"]).label, r["providers"], r["verified"], r["active_offers"]] for r in mix]

    tiles = {
        "open_needs": sum(open_by_category.values()),
        "matched_this_week": matched_week,
        "median_days_to_match": _days(median),
        "unmet_share": _pct(unmet_n, judged_n),
        "unmet": unmet_n,
        "judged": judged_n,
        "posted": posted,
        "capacity_by_category": [(row[0], row[2]) for row in demand_rows],
    }
    tables = [
        Table(
            "demand_supply",
            "Demand and supply by category",
            ["Category", "Open needs", "Free capacity", "Needs posted in period", "Active offers"],
            demand_rows,
            series=[1, 2],
        ),
        Table(
            "unmet_district",
            "Needs unmet after 7 days, by postcode district",
            ["District", "Unmet after 7 days", "Needs posted 7+ days ago", "Share unmet (%)"],
            unmet_rows,
            ranked=True,
        ),
        Table("time_to_match", "Time from posting to a confirmed match", ["Time to match", "Matches"], ttm_rows),
        Table(
            "weekly_trend",
            "Needs posted, matched and unmet each week",
            ["Week beginning", "Posted", "Matched", "Unmet after 7 days"],
            trend_rows,
            series=[1, 2, 3],
        ),
        Table("decline_reasons", "Why providers declined proposals", ["Reason", "Declines"], decline_rows),
        Table(
            "provider_mix",
            "Providers by kind",
            ["Kind", "Providers", "Verified and not suspended", "Active offers"],
            mix_rows,
            series=[1, 3],
        ),
    ]
    return Dashboard(filters=filters, tiles=tiles, tables=tables)


# --- The daily roll-up ----------------------------------------------------------------------------


def _day_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _stat_rows(needs) -> list[DailyMarketStat]:
    """Needs grouped by council, local day posted, category and district, with
    how many had a match confirmed within 7 days of posting."""
    grouped = (
        needs.annotate(day=TruncDate("posted_at"), district_code=_district_expr(), met=Exists(_met_in_time()))
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
            needs = Need.objects.filter(posted_at__lt=_day_start(settle_to + timedelta(days=1)))
        else:
            settle_to = max(settle_to, done)  # a run with an earlier clock never forgets days
            # Days already rolled up whose needs changed since the last run: their
            # rows are recomputed for every council (a need may even change council).
            days = set(
                Need.objects.filter(
                    updated_at__gte=state.needs_seen_until,
                    posted_at__lt=_day_start(done + timedelta(days=1)),
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
                    in_ranges |= Q(posted_at__gte=_day_start(first), posted_at__lt=_day_start(last + timedelta(days=1)))
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
        state.save()
    return len(rows)
