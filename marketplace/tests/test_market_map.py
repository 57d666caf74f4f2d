"""Where help is missing: the hexagon map, its table and CSV; small counts never shown."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.geo import HexGrid
from platform_core.models import Postcode
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..presentation_map import market_map
from ..selectors.market_map import Period, grid_for, map_figures
from ..suppression import ALL, HIDDEN, suppress_cube

pytestmark = pytest.mark.django_db

POINTS = {
    "KT1 1EU": (51.40772, -0.305939),
    "KT2 5AU": (51.418947, -0.305625),
    "KT3 4PH": (51.399512, -0.259079),
    "KT9 1AA": (51.363283, -0.309002),
}


def _needs(council, category, postcode, n, *, status=Need.Status.OPEN, days_ago=3):
    resident = ResidentFactory(
        council=council, postcode=postcode, latitude=POINTS[postcode][0], longitude=POINTS[postcode][1]
    )
    now = timezone.now()
    for _ in range(n):
        NeedFactory(
            resident=resident,
            category=category,
            status=status,
            posted_at=now - timedelta(days=days_ago + 5),
            closed_at=now - timedelta(days=days_ago) if status == Need.Status.EXPIRED else None,
        )


@pytest.fixture
def unmet_market(council, kingston_postcodes):
    shopping = ServiceCategoryFactory(council=council, name="Shopping")
    lifts = ServiceCategoryFactory(council=council, name="Lifts")
    _needs(council, shopping, "KT1 1EU", 7, status=Need.Status.EXPIRED)
    _needs(council, shopping, "KT1 1EU", 6)
    _needs(council, lifts, "KT1 1EU", 2)  # a small count: never shown
    _needs(council, shopping, "KT9 1AA", 9)
    _needs(council, lifts, "KT3 4PH", 3, status=Need.Status.EXPIRED)
    _needs(council, shopping, "KT3 4PH", 8)
    _needs(council, shopping, "KT2 5AU", 5, status=Need.Status.MATCHED)  # met: not counted
    provider = ProviderFactory(council=council)
    for _ in range(6):
        OfferFactory(provider=provider, categories=[shopping], capacity=3, capacity_left=2, radius_km=3)
    return {"shopping": shopping, "lifts": lifts}


def test_the_cell_computed_in_the_database_is_the_cell_computed_in_python(council, kingston_postcodes):
    from django.db import connection

    grid = grid_for(council)
    inner = "SELECT latitude AS lat, longitude AS lon FROM platform_core_postcode"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT lat, lon, q, r FROM ({grid.with_cells_sql(inner)}) w")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == Postcode.objects.count() > 0
    for lat, lon, q, r in rows:
        assert (q, r) == grid.cell_of(lat, lon)
    # Points around one centre fall in the centre's cell and its six neighbours, as in Python.
    centre = grid.cell_of(51.40772, -0.305939)
    for dlat in (-0.004, 0, 0.004):
        for dlon in (-0.006, 0, 0.006):
            q, r = grid.cell_of(51.40772 + dlat, -0.305939 + dlon)
            assert abs(q - centre[0]) + abs(r - centre[1]) + abs(-q - r + centre[0] + centre[1]) <= 2


def test_cells_are_about_500_metres_and_a_point_is_inside_its_cell():
    grid = HexGrid(51.4, -0.3)
    cell = grid.cell_of(51.40772, -0.305939)
    x, y = grid.to_km(51.40772, -0.305939)
    cx, cy = grid.centre_km(*cell)
    assert ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 <= 0.5
    assert round(grid.distance_km((0, 0), (1, 0)), 3) == round(0.5 * 3**0.5, 3)


def test_suppression_hides_small_counts_and_every_figure_that_would_reveal_one():
    counts = {("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 8, ("b", "y"): 12}
    cube = suppress_cube([["a", "b"], ["x", "y"]], counts)
    assert cube.get("a", "x") is None
    # Row a: 3 + 10 = 13 shown, so 10 must go too; column x: 3 + 8, so 8 goes too.
    assert cube.get("a", "y") is None and cube.get("b", "x") is None
    # No line hides exactly one figure.
    axes = [["a", "b", ALL], ["x", "y", ALL]]
    for fixed in axes[1]:
        assert sum(1 for m in axes[0] if (m, fixed) in cube.hidden) != 1
    for fixed in axes[0]:
        assert sum(1 for m in axes[1] if (fixed, m) in cube.hidden) != 1
    assert all(cube.values[k] >= 5 for k in cube.values if k not in cube.hidden and cube.values[k])


def _page(client, **params):
    return client.get(reverse("marketplace:market_map"), params)


def test_the_map_never_shows_a_count_below_5(officer_client, unmet_market):
    for params in (
        {},
        {"category": unmet_market["lifts"].pk},
        {"category": unmet_market["shopping"].pk},
        {"show": "supply"},
    ):
        response = _page(officer_client, **params)
        assert response.status_code == 200
        hexmap = response.context["map"]
        for row in [*hexmap.cells, *hexmap.rows]:
            for value in row.as_list()[2:]:
                assert value == HIDDEN or value == 0 or value >= 5, (params, row)
        for value in hexmap.totals[2:]:
            assert value in ("", HIDDEN, 0) or value >= 5


def test_the_map_shows_unmet_needs_and_supply_per_cell(officer_client, council, kingston_postcodes):
    shopping = ServiceCategoryFactory(council=council, name="Shopping")
    _needs(council, shopping, "KT1 1EU", 7, status=Need.Status.EXPIRED)
    _needs(council, shopping, "KT1 1EU", 6)
    _needs(council, shopping, "KT9 1AA", 9)
    _needs(council, shopping, "KT9 1AA", 5, status=Need.Status.EXPIRED, days_ago=200)  # before the period
    provider = ProviderFactory(council=council)
    for _ in range(6):
        OfferFactory(provider=provider, categories=[shopping], capacity=3, capacity_left=2, radius_km=3)
    hexmap = _page(officer_client, category=shopping.pk).context["map"]
    by_cell = {row.cell: row for row in hexmap.cells}
    grid = grid_for(council)
    kt1, kt9 = by_cell[grid.cell_of(*POINTS["KT1 1EU"])], by_cell[grid.cell_of(*POINTS["KT9 1AA"])]
    assert (kt1.expired, kt1.waiting, kt1.unmet) == (7, 6, 13)
    assert (kt9.expired, kt9.waiting) == (0, 9)
    assert kt1.offers == 6 and kt1.places == 12  # the offers are in KT1 1EU's cell, 3 km reach
    assert kt9.offers == 0  # 5 km away
    assert hexmap.totals[2:5] == [7, 15, 22]


def test_a_small_count_is_hidden_with_a_figure_that_would_reveal_it(officer_client, unmet_market, council):
    hexmap = _page(officer_client).context["map"]
    kt1 = next(row for row in hexmap.cells if row.cell == grid_for(council).cell_of(*POINTS["KT1 1EU"]))
    # 6 shopping and 2 lifts still waiting: the 2 is hidden, and with it the cell's 8 or its parts.
    assert HIDDEN in (kt1.waiting, kt1.unmet)


def test_the_table_holds_the_same_figures_as_the_map(officer_client, unmet_market):
    response = _page(officer_client)
    html = response.content.decode()
    hexmap = response.context["map"]
    titles = dict(re.findall(r'data-cell="([^"]+)"><title>([^<]+)</title>', html))
    assert titles
    for row in hexmap.rows:
        assert titles[row.label] == row.title()
        assert f'<th scope="row" class="govuk-table__header">{row.label}</th>' in html
    # A cell left out of the table has nothing to say on the map either.
    for cell in hexmap.cells:
        if cell not in hexmap.rows:
            assert all(v == 0 for v in cell.as_list()[2:])


def test_the_map_renders_without_script_and_never_names_a_resident_or_a_point(officer_client, unmet_market, resident):
    html = _page(officer_client).content.decode()
    assert "<svg" in html and "<polygon" in html
    assert "<script" not in html.split('id="market-map"')[1].split("</svg>")[0]
    for postcode, (lat, lon) in POINTS.items():
        assert postcode not in html
        assert str(lat) not in html and str(lon) not in html
    assert resident.address_line_1 not in html


def test_the_csv_holds_the_table(officer_client, unmet_market):
    response = _page(officer_client, export="cells")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    hexmap = _page(officer_client).context["map"]
    assert rows[0][0] == "Cell"
    assert rows[1:] == [[str(v) for v in row] for row in hexmap.csv_rows()]
    for row in rows[1:]:
        for value in row[2:]:
            assert value in ("", HIDDEN) or int(value) == 0 or int(value) >= 5


def test_an_offer_reaches_the_cells_within_its_radius(council, kingston_postcodes, unmet_market):
    Offer.objects.update(radius_km=1)
    hexmap = market_map(map_figures(council=council, period=Period.default()), category_id=unmet_market["shopping"].pk)
    by_district = {row.district: row for row in hexmap.cells if row.offers}
    assert set(by_district) == {"KT1"}  # KT9 is 5 km away, out of a 1 km reach


def test_a_bad_period_is_a_400_with_a_message(officer_client, unmet_market):
    response = _page(officer_client, date_from="2026-05-01", date_to="2026-04-01")
    assert response.status_code == 400
    assert "The end date must be on or after the start date" in response.content.decode()


def test_suppression_is_the_same_every_time_and_leaves_no_line_with_one_hidden_figure():
    import random

    rng = random.Random(7)
    cells, cats = [f"c{i}" for i in range(40)], ["a", "b", "c", "d"]
    counts = {(c, k, m): rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40]) for c in cells for k in cats for m in ("x", "y")}
    first = suppress_cube([cells, cats, ["x", "y"]], counts)
    assert suppress_cube([cells, cats, ["x", "y"]], counts).hidden == first.hidden
    full = [[*cells, ALL], [*cats, ALL], ["x", "y", ALL]]
    for axis in range(3):
        others = [full[i] for i in range(3) if i != axis]
        for a in others[0]:
            for b in others[1]:
                line = [(*(a, b)[:axis], m, *(a, b)[axis:]) for m in full[axis]]
                assert sum(1 for k in line if k in first.hidden) != 1, line
    assert all(first.values[k] >= 5 for k in first.values if k not in first.hidden and first.values[k])
