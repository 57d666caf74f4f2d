"""Where help is missing: unmet needs and the supply that reaches them, counted
by hexagonal cell of ~500 m (`platform_core.geo.HexGrid`), by category, in
the database. Reads only; `marketplace.presentation_map` suppresses small
counts and draws the map. ADR 0017.

A fixed number of queries whatever the size of the market (seven): the grid's
anchor, the council's cells (from the loaded postcode points of its districts,
so the map has the council's shape), needs grouped by cell and category,
offers grouped by cell, reach and category, and offers grouped by cell and
reach. No row of a resident is read into Python: only counts per cell.

Definitions (also shown on the page):
- expired unmatched: needs that expired in the period without a match (their
  time passed while they were still waiting);
- still waiting: needs posted in the period that are waiting for a match now
  (open, or proposed to a provider who has not yet been confirmed);
- offers reaching a cell: active offers of providers not suspended whose
  service area (radius, capped by the council's furthest distance) covers the
  centre of the cell, measured from the centre of the offer's own cell (so
  within ~0.5 km); spare places: their capacity left now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Subquery, Sum

from platform_core.geo import HexGrid
from platform_core.models import Council, CouncilDistrict, MarketRule, OutcodeCentroid, Postcode, ServiceCategory
from providers.models import Offer
from residents.models import Need

from .analytics import Period

Cell = tuple[int, int]
WAITING = (Need.Status.OPEN, Need.Status.PROPOSED)


@dataclass
class MapFigures:
    grid: HexGrid
    period: Period
    categories: dict[int, str]
    # Every cell of the council (from its postcode points), with its commonest district.
    cells: dict[Cell, str]
    # (cell, category id) -> (expired unmatched, still waiting)
    unmet: dict[tuple[Cell, int], tuple[int, int]]
    # (cell, reach in km, category id) -> (offers, spare places); category None: any category.
    supply: dict[tuple[Cell, float, int | None], tuple[int, int]] = field(default_factory=dict)


def grid_for(council: Council) -> HexGrid:
    """The council's grid, anchored at the mean of its district centroids."""
    centre = OutcodeCentroid.objects.filter(
        outcode__in=Subquery(CouncilDistrict.objects.filter(council=council).values("outcode"))
    ).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    return HexGrid.around(centre["lat"], centre["lon"])


def _rows_by_cell(grid: HexGrid, qs: QuerySet, group: list[str], sums: list[str]) -> list[dict]:
    """Run `qs` (points already grouped by their columns lat and lon) with its
    cell added in SQL, summed again by cell and `group`: no point leaves the database."""
    inner, params = qs.query.sql_with_params()
    keys = ", ".join(f"w.{name}" for name in group)
    totals = ", ".join(f"SUM(w.{name}) AS {name}" for name in sums)
    # Built from our own query's SQL (its values stay parameters) and column names written here.
    sql = f"SELECT w.q, w.r, {keys}, {totals} FROM ({grid.with_cells_sql(inner)}) w GROUP BY w.q, w.r, {keys}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def council_cells(*, council: Council, grid: HexGrid) -> dict[Cell, str]:
    """The council's cells, each with the district most of its postcodes are in."""
    points = (
        Postcode.objects.filter(outcode__in=Subquery(CouncilDistrict.objects.filter(council=council).values("outcode")))
        .values(lat=F("latitude"), lon=F("longitude"), district=F("outcode"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    best: dict[Cell, tuple[int, str]] = {}
    for row in _rows_by_cell(grid, points, ["district"], ["n"]):
        cell = (row["q"], row["r"])
        if cell not in best or (row["n"], row["district"]) > best[cell]:
            best[cell] = (row["n"], row["district"])
    return {cell: outcode for cell, (_n, outcode) in best.items()}


def unmet_by_cell_category(
    *, council: Council, grid: HexGrid, period: Period
) -> dict[tuple[Cell, int], tuple[int, int]]:
    """Needs with no match, by cell and category: expired in the period, and
    posted in the period and still waiting now."""
    expired = Q(status=Need.Status.EXPIRED, closed_at__gte=period.start, closed_at__lt=period.end)
    waiting = Q(status__in=WAITING, posted_at__gte=period.start, posted_at__lt=period.end)
    points = (
        Need.objects.filter(expired | waiting, council=council, category__isnull=False, latitude__isnull=False)
        .values(lat=F("latitude"), lon=F("longitude"), cat=F("category_id"))
        .annotate(expired=Count("pk", filter=expired), waiting=Count("pk", filter=waiting))
        .order_by()
    )
    return {
        ((row["q"], row["r"]), row["cat"]): (int(row["expired"]), int(row["waiting"]))
        for row in _rows_by_cell(grid, points, ["cat"], ["expired", "waiting"])
    }


def _reach(radius: Decimal | float | None, max_distance: float) -> float:
    return min(float(radius or 0), max_distance)


def supply_by_cell(
    *, council: Council, grid: HexGrid, max_distance_km: float
) -> dict[tuple[Cell, float, int | None], tuple[int, int]]:
    """Offers in the market now by the cell of their base and their reach:
    for each category they serve, and once each whatever their categories."""
    through = Offer.categories.through
    live = {"offer__council": council, "offer__status": Offer.Status.ACTIVE, "offer__provider__is_suspended": False}
    out: dict[tuple[Cell, float, int | None], tuple[int, int]] = {}

    def add(key: tuple[Cell, float, int | None], offers: int, places: int) -> None:
        n, p = out.get(key, (0, 0))
        out[key] = (n + offers, p + places)

    by_category = (
        through.objects.filter(**live)
        .values(
            lat=F("offer__latitude"),
            lon=F("offer__longitude"),
            radius=F("offer__radius_km"),
            cat=F("servicecategory_id"),
        )
        .annotate(offers=Count("offer_id"), places=Sum("offer__capacity_left"))
        .order_by()
    )
    any_category = (
        Offer.objects.filter(council=council, status=Offer.Status.ACTIVE, provider__is_suspended=False)
        .values(lat=F("latitude"), lon=F("longitude"), radius=F("radius_km"))
        .annotate(offers=Count("pk"), places=Sum("capacity_left"))
        .order_by()
    )
    for row in _rows_by_cell(grid, by_category, ["radius", "cat"], ["offers", "places"]):
        key = ((row["q"], row["r"]), _reach(row["radius"], max_distance_km), row["cat"])
        add(key, int(row["offers"]), int(row["places"] or 0))
    for row in _rows_by_cell(grid, any_category, ["radius"], ["offers", "places"]):
        add(
            ((row["q"], row["r"]), _reach(row["radius"], max_distance_km), None),
            int(row["offers"]),
            int(row["places"] or 0),
        )
    return out


def map_figures(*, council: Council, period: Period) -> MapFigures:
    """Everything the map shows for one council: seven queries whatever the data size."""
    grid = grid_for(council)
    rule = MarketRule.objects.filter(council=council).first() or MarketRule(council=council)
    return MapFigures(
        grid=grid,
        period=period,
        categories={c.pk: c.name for c in ServiceCategory.objects.filter(council=council)},
        cells=council_cells(council=council, grid=grid),
        unmet=unmet_by_cell_category(council=council, grid=grid, period=period),
        supply=supply_by_cell(council=council, grid=grid, max_distance_km=float(rule.max_distance_km)),
    )
