"""The map of where help is missing: suppressed figures per cell, the SVG
geometry (drawn on the server, no tiles, no script), the table alternative
and its CSV, all from one suppressed cube so they hold the same figures.
ADR 0017."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

from .selectors.market_map import Cell, MapFigures
from .suppression import ALL, HIDDEN, SuppressedCube, shown_value, suppress_cube

EXPIRED, WAITING = "expired", "waiting"
MEASURES = [EXPIRED, WAITING]
SHOW_CHOICES = [("unmet", "Unmet needs"), ("supply", "Spare places in offers reaching the cell")]
# Bands of the map's colours: (lowest value, label, fill). Hidden figures are hatched.
BANDS = [
    (0, "None", "#ffffff"),
    (5, "5 to 9", "#d2e2f1"),
    (10, "10 to 19", "#8eb8dc"),
    (20, "20 to 49", "#4c8fc9"),
    (50, "50 or more", "#1d5a95"),
]
HIDDEN_FILL = "url(#hidden-hatch)"
MAP_WIDTH = 640


@dataclass
class MapRow:
    cell: Cell
    label: str
    district: str
    expired: int | str
    waiting: int | str
    unmet: int | str
    offers: int | str
    places: int | str
    points: str = ""
    fill: str = ""

    def as_list(self) -> list:
        return [self.label, self.district, self.expired, self.waiting, self.unmet, self.offers, self.places]

    def title(self) -> str:
        return (
            f"{self.label} ({self.district}): unmet {self.unmet} "
            f"(expired {self.expired}, still waiting {self.waiting}); "
            f"offers reaching {self.offers}, spare places {self.places}"
        )


HEADERS = [
    "Cell",
    "Postcode district",
    "Expired unmatched",
    "Still waiting",
    "Unmet (both)",
    "Offers reaching",
    "Spare places",
]


@dataclass
class MarketMap:
    figures: MapFigures
    category_id: int | None
    show: str
    # Every cell of the council, drawn on the map.
    cells: list[MapRow]
    # The cells with something to say, in the table and the CSV (a cell left out has nothing).
    rows: list[MapRow]
    totals: list
    width: int
    height: int
    legend: list[tuple[str, str]]

    @property
    def category_name(self) -> str:
        return self.figures.categories.get(self.category_id, "") if self.category_id else "All categories"

    def csv_rows(self) -> list[list]:
        return [row.as_list() for row in self.rows] + [self.totals]


def unmet_cube(figures: MapFigures) -> SuppressedCube:
    cells = sorted(set(figures.cells) | {cell for cell, _cat in figures.unmet})
    counts = {}
    for (cell, category_id), (expired, waiting) in figures.unmet.items():
        counts[(cell, category_id, EXPIRED)] = expired
        counts[(cell, category_id, WAITING)] = waiting
    return suppress_cube([cells, sorted(figures.categories), MEASURES], counts)


def supply_reaching(figures: MapFigures) -> dict[tuple[Cell, int | str], tuple[int, int]]:
    """(cell, category id or ALL) -> (offers reaching the cell, their spare places),
    for every cell of the council: each offer's count spread over the disc of
    cells its reach covers (a convolution per distinct reach)."""
    if not figures.supply or not figures.cells:
        return {}
    cats: list[int | str] = [*sorted(figures.categories), ALL]
    cat_index = {c: i for i, c in enumerate(cats)}
    all_cells = set(figures.cells) | {cell for cell, _reach, _cat in figures.supply}
    q0 = min(q for q, _r in all_cells)
    r0 = min(r for _q, r in all_cells)
    shape = (len(cats), max(q for q, _r in all_cells) - q0 + 1, max(r for _q, r in all_cells) - r0 + 1)
    offers = np.zeros(shape)
    places = np.zeros(shape)
    by_reach: dict[float, list] = {}
    for (cell, reach, category_id), value in figures.supply.items():
        if category_id is not None and category_id not in cat_index:
            continue
        by_reach.setdefault(reach, []).append((cell, ALL if category_id is None else category_id, value))
    for reach, sources in by_reach.items():
        src_n = np.zeros(shape)
        src_p = np.zeros(shape)
        for (q, r), category_id, (n, p) in sources:
            src_n[cat_index[category_id], q - q0, r - r0] += n
            src_p[cat_index[category_id], q - q0, r - r0] += p
        disc = figures.grid.disc(reach)
        k = max(max(abs(dq), abs(dr)) for dq, dr in disc)
        kernel = np.zeros((1, 2 * k + 1, 2 * k + 1))
        for dq, dr in disc:
            kernel[0, dq + k, dr + k] = 1
        offers += fftconvolve(src_n, kernel, mode="same", axes=(1, 2))
        places += fftconvolve(src_p, kernel, mode="same", axes=(1, 2))
    offers = np.rint(offers).astype(np.int64)
    places = np.rint(places).astype(np.int64)
    out = {}
    for q, r in figures.cells:
        for category_id, i in cat_index.items():
            n = int(offers[i, q - q0, r - r0])
            if n:
                out[((q, r), category_id)] = (n, int(places[i, q - q0, r - r0]))
    return out


def _band_fill(value: int | str) -> str:
    if value == HIDDEN:
        return HIDDEN_FILL
    fill = BANDS[0][2]
    for low, _label, colour in BANDS:
        if isinstance(value, int) and value >= low:
            fill = colour
    return fill


def market_map(figures: MapFigures, *, category_id: int | None = None, show: str = "unmet") -> MarketMap:
    """The map, its table and its totals for one category (or all), from the suppressed cube."""
    cube = unmet_cube(figures)
    supply = supply_reaching(figures)
    cat: int | str = category_id if category_id in figures.categories else ALL
    grid = figures.grid
    # North at the top: rows sorted north to south, then west to east; cells named in that order per district.
    order = sorted(figures.cells, key=lambda c: (-grid.centre_km(*c)[1], grid.centre_km(*c)[0]))
    numbers: dict[str, int] = {}
    rows = []
    for cell in order:
        district = figures.cells[cell]
        numbers[district] = numbers.get(district, 0) + 1
        n, p = supply.get((cell, cat), (0, 0))
        hide_places = shown_value(n) == HIDDEN
        rows.append(
            MapRow(
                cell=cell,
                label=f"{district}-{numbers[district]}",
                district=district,
                expired=cube.shown(cell, cat, EXPIRED),
                waiting=cube.shown(cell, cat, WAITING),
                unmet=cube.shown(cell, cat, ALL),
                offers=shown_value(n),
                places=HIDDEN if hide_places else shown_value(p),
            )
        )
    # Geometry: km east/north of the anchor -> SVG pixels, north up.
    corners = {row.cell: grid.corners_km(*row.cell) for row in rows}
    xs = [x for cs in corners.values() for x, _y in cs] or [0.0, 1.0]
    ys = [y for cs in corners.values() for _x, y in cs] or [0.0, 1.0]
    left, top = min(xs), max(ys)
    scale = MAP_WIDTH / max(max(xs) - left, 0.001)
    height = round((top - min(ys)) * scale) or 1
    for row in rows:
        row.points = " ".join(f"{(x - left) * scale:.1f},{(top - y) * scale:.1f}" for x, y in corners[row.cell])
        row.fill = _band_fill(row.unmet if show != "supply" else row.places)
    totals = [
        "Whole council",
        "",
        cube.shown(ALL, cat, EXPIRED),
        cube.shown(ALL, cat, WAITING),
        cube.shown(ALL, cat, ALL),
        "",
        "",
    ]
    legend = [(label, colour) for _low, label, colour in BANDS]
    legend.append((f"{HIDDEN} (fewer than 5, or a figure that would reveal one)", HIDDEN_FILL))
    return MarketMap(
        figures=figures,
        category_id=category_id if cat != ALL else None,
        show=show,
        cells=rows,
        rows=[r for r in rows if any(v != 0 for v in r.as_list()[2:])],
        totals=totals,
        width=MAP_WIDTH,
        height=height,
        legend=legend,
    )
