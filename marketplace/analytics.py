"""The regulator's view of the market, computed by the database.

Every figure is an aggregate query over the existing indexes (Need(council,
posted_at), Need(council, status), Match(council, status), Match(need)); the
number of queries is fixed whatever the size of the market. The median uses
PostgreSQL's `percentile_cont`; on SQLite (laptops and tests) it falls back to
Python over the durations of the period.

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
from django.db.models.functions import Left, StrIndex, TruncWeek
from django.utils import timezone

from matching.models import Match
from platform_core.models import Council, ServiceCategory
from providers.models import Offer, Provider
from residents.models import Need

CHART_COLOURS = ["#1d70b8", "#f47738", "#00703c"]  # GOV.UK blue, orange, green
WAITING = (Need.Status.OPEN, Need.Status.PROPOSED)
UNMET_AFTER = timedelta(days=7)
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

    # 2. Needs of the period by district and category: posted, old enough to
    # judge, unmet after 7 days. Totals and the district ranking come from here.
    met_in_time = Match.objects.filter(
        need=OuterRef("pk"),
        confirmed_at__isnull=False,
        confirmed_at__lte=ExpressionWrapper(OuterRef("posted_at") + UNMET_AFTER, output_field=DateTimeField()),
    )
    judged = Q(posted_at__lte=now - UNMET_AFTER)
    # One pass over the period's needs, grouped by district, category and week
    # posted: the tiles, the district ranking and the weekly trend all sum it.
    period_rows = list(
        _needs(council, filters)
        .annotate(district_code=_district_expr(), week=TruncWeek("posted_at"), met=Exists(met_in_time))
        .values("district_code", "category_id", "week")
        .annotate(
            posted=Count("id"),
            judged=Count("id", filter=judged),
            unmet=Count("id", filter=judged & Q(met=False)),
        )
        .order_by()
    )
    posted = sum(r["posted"] for r in period_rows)
    judged_n = sum(r["judged"] for r in period_rows)
    unmet_n = sum(r["unmet"] for r in period_rows)

    # 3. Waiting now, by category.
    open_by_category = {
        r["category_id"]: r["n"]
        for r in _needs(council, filters, in_period=False)
        .filter(status__in=WAITING)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    }

    # 4. Capacity free now in active offers of providers not suspended, by category.
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

    # 5. Matched this week.
    week_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week_start -= timedelta(days=week_start.weekday())
    matched_week = _matches(council, filters).filter(confirmed_at__gte=week_start, confirmed_at__lte=now).count()

    # 6. Time from post to confirmed, for needs posted in the period.
    duration = ExpressionWrapper(F("confirmed_at") - F("need__posted_at"), output_field=DurationField())
    confirmed = (
        _matches(council, filters)
        .filter(confirmed_at__isnull=False, need__posted_at__gte=filters.start, need__posted_at__lt=filters.end)
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

    # 7. Weekly trend: posted and unmet by week posted (from query 2), matched by week confirmed.
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

    # 9. Why providers declined, in the period.
    declines = list(
        _matches(council, filters)
        .filter(status=Match.Status.DECLINED, closed_at__gte=filters.start, closed_at__lt=filters.end)
        .values("close_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "close_reason")[:10]
    )

    # 10. Provider mix.
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
