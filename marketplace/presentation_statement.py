"""The market position statement as a council publishes it: dated, printable,
every count of residents' needs suppressed below 5 (ADR 0017), and the same
tables as one CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from platform_core.money import pounds
from providers.models import Provider

from .presentation import Table
from .selectors.statement import StatementFigures
from .suppression import ALL, HIDDEN, shown_value, suppress_cube

MET, UNMET, RECENT = "met", "unmet", "recent"
DELIVERED, MISSED, NOT_RECORDED = "delivered", "missed", "not_recorded"
PRICE_HEADERS = [
    "Kind of help",
    "Cap",
    "Active offers",
    "Free",
    "Lowest price",
    "Mean price",
    "Highest price",
    "Above cap",
]


@dataclass
class Statement:
    council_name: str
    date_from: date
    date_to: date
    issued: datetime
    headline: list[tuple[str, int | float | str]]
    tables: list[Table]

    def csv_rows(self) -> Iterator[list]:
        """Every table in long form: section, row, column, value."""
        for table in self.tables:
            for row in table.rows:
                for header, value in zip(table.headers[1:], row[1:], strict=True):
                    yield [table.caption, row[0], header, value]


def _share(part: int | str, other: int | str) -> float | str:
    """part / (part + other) in %, only when both are shown (else it would give one back)."""
    if not isinstance(part, int) or not isinstance(other, int):
        return HIDDEN
    return round(100 * part / (part + other), 1) if part + other else "–"


def _as_date(value: date | datetime) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def statement(*, council_name: str, figures: StatementFigures, issued: datetime | None = None) -> Statement:
    market = figures.market
    filters = market.filters
    counts: dict[tuple, int] = {}
    months: dict[tuple, int] = {}
    for r in market.period_rows:
        district = r["district_code"] or "Unknown"
        month = _as_date(r["week"]).replace(day=1)
        for measure, n in ((MET, r["judged"] - r["unmet"]), (UNMET, r["unmet"]), (RECENT, r["posted"] - r["judged"])):
            counts[(district, r["category_id"], measure)] = counts.get((district, r["category_id"], measure), 0) + n
            months[(month, measure)] = months.get((month, measure), 0) + n
    districts = sorted({k[0] for k in counts})
    categories = list(market.categories)
    cube = suppress_cube([districts, categories, [MET, UNMET, RECENT]], counts)
    waiting = suppress_cube([categories], {(c,): n for c, n in market.open_by_category.items() if c in categories})
    month_list = sorted({k[0] for k in months})
    trend = suppress_cube([month_list, [MET, UNMET, RECENT]], months)
    matched_by_month: dict[date, int] = {}
    for week, n in market.matched_by_week.items():
        month = week.replace(day=1)
        matched_by_month[month] = matched_by_month.get(month, 0) + n

    demand_rows = []
    for pk, name in market.categories.items():
        free, offers = market.capacity_by_category.get(pk, (0, 0))
        met, unmet = cube.shown(ALL, pk, MET), cube.shown(ALL, pk, UNMET)
        demand_rows.append(
            [
                name,
                cube.shown(ALL, pk, ALL),
                met,
                unmet,
                cube.shown(ALL, pk, RECENT),
                _share(unmet, met),
                waiting.shown(pk),
                free,
                offers,
            ]
        )
    district_rows = []
    for code in districts:
        met, unmet = cube.shown(code, ALL, MET), cube.shown(code, ALL, UNMET)
        district_rows.append([code, cube.shown(code, ALL, ALL), unmet, _share(unmet, met)])
    caps = figures.caps
    price_rows = []
    prices = {r["servicecategory_id"]: r for r in figures.prices}
    for pk, name in market.categories.items():
        r = prices.get(pk)
        cap = caps.get(pk)
        price_rows.append(
            [
                name,
                pounds(cap) if cap is not None else "No cap",
                r["offers"] if r else 0,
                r["free"] if r else 0,
                pounds(r["lowest"]) if r and r["lowest"] is not None else "–",
                pounds(round(r["mean"])) if r and r["mean"] is not None else "–",
                pounds(r["highest"]) if r and r["highest"] is not None else "–",
                r["above_cap"] if r else 0,
            ]
        )
    trend_rows = [
        [
            f"{month:%B %Y}",
            trend.shown(month, ALL),
            shown_value(matched_by_month.get(month, 0)),
            trend.shown(month, UNMET),
        ]
        for month in month_list
    ]
    mix_rows = [
        [Provider.Kind(r["kind"]).label, r["providers"], r["verified"], r["active_offers"]] for r in market.provider_mix
    ]
    total_met, total_unmet = cube.shown(ALL, ALL, MET), cube.shown(ALL, ALL, UNMET)
    median = market.median_wait
    headline: list[tuple[str, int | float | str]] = [
        ("Needs posted", cube.shown(ALL, ALL, ALL)),
        ("Unmet after 7 days (%)", _share(total_unmet, total_met)),
        ("Median days to a match", round(median.total_seconds() / 86400, 1) if median is not None else "–"),
        ("Active offers", sum(offers for _free, offers in market.capacity_by_category.values())),
        ("Free places now", sum(free for free, _offers in market.capacity_by_category.values())),
    ]
    tables = [
        Table(
            "demand",
            "Demand and supply by kind of help",
            [
                "Kind of help",
                "Needs posted",
                "Met within 7 days",
                "Unmet after 7 days",
                "Too recent to judge",
                "Share unmet (%)",
                "Waiting now",
                "Free places now",
                "Active offers",
            ],
            demand_rows,
        ),
        Table(
            "gaps",
            "Gaps by postcode district",
            ["District", "Needs posted", "Unmet after 7 days", "Share unmet (%)"],
            district_rows,
        ),
        Table(
            "prices",
            "Prices against the council's caps (active offers now)",
            PRICE_HEADERS,
            price_rows,
        ),
        Table("supply", "Providers by kind", ["Kind", "Providers", "Verified", "Active offers"], mix_rows),
        Table(
            "trends",
            "Trends by month (weeks are counted in the month they begin)",
            ["Month", "Needs posted", "Matches confirmed", "Unmet after 7 days"],
            trend_rows,
        ),
    ]
    # Visits: planned = delivered + missed + not recorded yet (selectors.visits' definitions), by category.
    visit_counts: dict[tuple, int] = {}
    for r in figures.visits.by_category_district:
        for measure in (DELIVERED, MISSED, NOT_RECORDED):
            key = (r["category_id"], measure)
            visit_counts[key] = visit_counts.get(key, 0) + r[measure]
    visit_categories = sorted({k[0] for k in visit_counts}, key=lambda c: (c is None, c or 0))
    visits = suppress_cube([visit_categories, [DELIVERED, MISSED, NOT_RECORDED]], visit_counts)
    visit_rows = [
        [
            market.categories.get(c, "Other") if c is not None else "Other",
            visits.shown(c, ALL),
            visits.shown(c, DELIVERED),
            visits.shown(c, MISSED),
            visits.shown(c, NOT_RECORDED),
        ]
        for c in visit_categories
    ]
    if visit_rows:
        visit_rows.append(
            [
                "All kinds of help",
                visits.shown(ALL, ALL),
                visits.shown(ALL, DELIVERED),
                visits.shown(ALL, MISSED),
                visits.shown(ALL, NOT_RECORDED),
            ]
        )
    tables.append(
        Table(
            "visits",
            "Visits of ongoing help delivered against planned",
            ["Kind of help", "Planned", "Delivered", "Missed or disputed", "Not recorded yet"],
            visit_rows,
        )
    )
    return Statement(
        council_name=council_name,
        date_from=filters.date_from,
        date_to=filters.date_to,
        issued=issued or timezone.now(),
        headline=headline,
        tables=tables,
    )
