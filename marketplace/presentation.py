"""How the console shows figures: the analytics dashboard's tiles, tables and
server-drawn SVG charts, and CSV downloads. Shapes what selectors read; no
queries of its own beyond calling them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone

from matching.models import UnmatchedReason

# csv_response moved to platform_core.exports (every app streams CSV one way); kept importable from here.
from platform_core.exports import csv_response  # noqa: F401
from platform_core.models import Council
from providers.models import Provider

from .selectors.analytics import MATCH_BUCKETS, Filters, MarketFigures, market_figures
from .selectors.visits import VisitFigures, visit_figures

CHART_COLOURS = ["#1d70b8", "#f47738", "#00703c"]  # GOV.UK blue, orange, green


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


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(delta) -> float | None:
    return round(delta.total_seconds() / 86400, 1) if delta is not None else None


def _as_date(value) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


#: How long the live dashboard of one council and filter is reused (issue 11): an
#: officer reloading, or three officers looking at once, cost one computation a minute.
LIVE_SECONDS = 60


def dashboard_live(*, council: Council, filters: Filters) -> Dashboard:
    """The dashboard as of now, its figures computed at most once a minute per
    council and filter (the settled days come from the roll-up anyway; this
    caches the live part and the small queries around it). The figures are
    cached, not the tiles and tables, so each reader gets them in their language."""
    key = "analytics:live:v2:" + hashlib.sha256(f"{council.pk}:{filters!r}".encode()).hexdigest()[:32]
    cached = cache.get(key)
    if cached is None:
        figures = market_figures(council=council, filters=filters)
        f = figures.filters
        visits = visit_figures(council=council, period=f, category_id=f.category_id, district=f.district)
        cached = (figures, visits)
        cache.set(key, cached, LIVE_SECONDS)
    figures, visits = cached
    return dashboard_from(figures, visits=visits)


def dashboard(*, council: Council, filters: Filters | None = None, now: datetime | None = None) -> Dashboard:
    """The officer's dashboard for one council (a fixed number of queries, whatever the data size)."""
    figures = market_figures(council=council, filters=filters, now=now)
    f = figures.filters
    visits = visit_figures(council=council, period=f, now=now, category_id=f.category_id, district=f.district)
    return dashboard_from(figures, visits=visits)


def visit_tables(visits: VisitFigures, categories: dict[int, str]) -> list[Table]:
    """Visits of ongoing help: delivered against planned by category and district, and missed by provider."""
    area_rows = [
        [
            f"{categories.get(r['category_id'], 'Other')}, {r['district'] or 'Unknown'}",
            r["planned"],
            r["delivered"],
            r["missed"],
            r["not_recorded"],
            _pct(r["delivered"], r["planned"]),
        ]
        for r in visits.by_category_district
    ]
    provider_rows = [
        [r["provider"], r["planned"], r["delivered"], r["missed"], r["disputed"], r["rate"]]
        for r in sorted(visits.by_provider, key=lambda r: (-(r["rate"] or 0), r["provider"]))
    ]
    return [
        Table(
            "visits_by_area",
            "Visits of ongoing help delivered against planned, by category and district",
            ["Category and district", "Planned", "Delivered", "Missed", "Not recorded yet", "Delivered (%)"],
            area_rows,
            series=[1, 2],
        ),
        Table(
            "missed_by_provider",
            "Missed visits by provider",
            ["Provider", "Planned", "Delivered", "Missed", "Of which the resident disputed", "Missed-visit rate (%)"],
            provider_rows,
            series=[2, 3],
            ranked=True,
        ),
    ]


def dashboard_from(figures: MarketFigures, *, visits: VisitFigures | None = None) -> Dashboard:
    """Tiles and tables from the figures the selectors read."""
    filters = figures.filters
    posted_by_category: dict[int | None, int] = {}
    district_rows: dict[str, list[int]] = {}
    needs_weekly: dict[date, dict] = {}
    for r in figures.period_rows:
        posted_by_category[r["category_id"]] = posted_by_category.get(r["category_id"], 0) + r["posted"]
        d = district_rows.setdefault(r["district_code"] or "Unknown", [0, 0, 0])
        d[0] += r["posted"]
        d[1] += r["judged"]
        d[2] += r["unmet"]
        week = needs_weekly.setdefault(_as_date(r["week"]), {"posted": 0, "unmet": 0})
        week["posted"] += r["posted"]
        week["unmet"] += r["unmet"]
    posted = sum(r["posted"] for r in figures.period_rows)
    judged_n = sum(r["judged"] for r in figures.period_rows)
    unmet_n = sum(r["unmet"] for r in figures.period_rows)

    shown_categories = [
        (pk, name) for pk, name in figures.categories.items() if not filters.category_id or pk == filters.category_id
    ]
    demand_rows = [
        [
            name,
            figures.open_by_category.get(pk, 0),
            figures.capacity_by_category.get(pk, (0, 0))[0],
            posted_by_category.get(pk, 0),
            figures.capacity_by_category.get(pk, (0, 0))[1],
        ]
        for pk, name in shown_categories
    ]
    unmet_rows = sorted(
        ([code, v[2], v[1], _pct(v[2], v[1])] for code, v in district_rows.items()),
        key=lambda row: (-row[1], row[0]),
    )
    ttm_rows = [[label, count] for (label, _low, _high), count in zip(MATCH_BUCKETS, figures.wait_buckets, strict=True)]
    matched_weekly = figures.matched_by_week
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
    decline_rows = [[r["close_reason"] or "No reason given", r["n"]] for r in figures.declines]
    reason_labels = dict(UnmatchedReason.choices)
    unmet_reason_rows = [
        [reason_labels.get(r["reason"], "No reason recorded (no batch judged it)"), r["expired"], r["waiting"]]
        for r in figures.unmet_reasons
    ]
    mix_rows = [
        [Provider.Kind(r["kind"]).label, r["providers"], r["verified"], r["active_offers"]]
        for r in figures.provider_mix
    ]

    tiles = {
        "open_needs": sum(figures.open_by_category.values()),
        "matched_this_week": figures.matched_this_week,
        "median_days_to_match": _days(figures.median_wait),
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
        Table(
            "unmet_reason",
            "Unmet needs by reason",
            ["Why no helper was found", "Expired unmatched", "Waiting now, at risk"],
            unmet_reason_rows,
            series=[1, 2],
            ranked=True,
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
    if visits is not None:
        tables.extend(visit_tables(visits, figures.categories))
        tiles["visits"] = visits.totals
    return Dashboard(filters=filters, tiles=tiles, tables=tables)
