"""Geography: postcode normalisation, offline postcode lookup, the council a
postcode belongs to, and distances.

Every distance in Convene is computed here, so the web, the API and the
matching engine agree on what "2.1 km away" means; every postcode a person
types is placed by `locate`, so residents and providers get the same rule and
the same messages. Postcode points come from
OS Code-Point Open, loaded by `manage.py load_postcodes`; nothing is fetched
at run time. Contains OS data © Crown copyright and database right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from localflavor.gb.forms import GBPostcodeField

if TYPE_CHECKING:
    from .models import Council

EARTH_RADIUS_KM = 6371.0088
_POSTCODE_RE = GBPostcodeField.postcode_regex
_SPACE_RE = GBPostcodeField.space_regex

INVALID_POSTCODE_MESSAGE = _("Enter a real postcode, like KT1 1EU")
OUTSIDE_MESSAGE = "This postcode is outside the areas we cover. Enter a postcode in an area that uses Convene"
NOT_FOUND_MESSAGE = "We could not find this postcode. Check it and enter it again"


def postcode_normalise(value: str) -> str:
    """Return the postcode upper-cased with one space before the inward code.

    Raises ValidationError with a message a resident can act on.
    """
    compact = "".join((value or "").split()).upper()
    if not compact:
        raise ValidationError(_("Enter a postcode"), code="required")
    spaced = _SPACE_RE.sub(r" \1", compact)
    if not _POSTCODE_RE.match(spaced):
        raise ValidationError(INVALID_POSTCODE_MESSAGE, code="invalid")
    return spaced


def outcode_of(postcode: str) -> str:
    """The district part of a normalised postcode: 'KT1 1EU' -> 'KT1'."""
    return postcode.split(" ")[0]


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    exact: bool
    """False when the point is the district centroid (unknown unit postcode)."""


class PostcodeNotFound(Exception):
    """Neither the unit postcode nor its district is in the loaded data."""


def postcode_point(postcode: str) -> Point:
    """Look a normalised postcode up offline: the unit if known, else its district centroid.

    Both are primary-key lookups, so each takes well under a millisecond.
    """
    from .models import OutcodeCentroid, Postcode

    row = Postcode.objects.filter(pk=postcode).values_list("latitude", "longitude").first()
    if row:
        return Point(row[0], row[1], exact=True)
    row = OutcodeCentroid.objects.filter(pk=outcode_of(postcode)).values_list("latitude", "longitude").first()
    if row:
        return Point(row[0], row[1], exact=False)
    raise PostcodeNotFound(postcode)


def council_for_postcode(postcode: str) -> Council | None:
    """The council whose districts include a normalised postcode."""
    from .models import CouncilDistrict

    district = CouncilDistrict.objects.select_related("council").filter(outcode=outcode_of(postcode)).first()
    return district.council if district else None


@dataclass(frozen=True)
class Place:
    """Where a postcode is: normalised, its council and its point."""

    postcode: str
    council: Council
    point: Point


def locate(postcode: str, *, within: Council | None = None, field: str = "postcode") -> Place:
    """Normalise a typed postcode and place it: its council and its point, offline.

    An unknown unit postcode in a known district falls back to the district
    centroid. With `within`, the postcode must be in that council. Raises
    ValidationError keyed by `field`, with a message a person can act on and
    a code: invalid or required, outside (no council here uses Convene),
    other_council, not_found.
    """

    def refuse(message: str, code: str) -> ValidationError:
        return ValidationError({field: ValidationError(message, code=code)})

    try:
        postcode = postcode_normalise(postcode)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from None
    council = council_for_postcode(postcode)
    if council is None:
        raise refuse(OUTSIDE_MESSAGE, "outside")
    if within is not None and council.pk != within.pk:
        raise refuse(f"Enter a postcode in {within.name}", "other_council")
    try:
        point = postcode_point(postcode)
    except PostcodeNotFound:
        raise refuse(NOT_FOUND_MESSAGE, "not_found") from None
    return Place(postcode=postcode, council=council, point=point)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def coarsen(lat: float, lon: float, places: int = 2) -> tuple[float, float]:
    """Round a point (2 places is about 1 km) for display before a match is confirmed."""
    return round(lat, places), round(lon, places)


# --- Hexagonal cells, for maps that must never show a point --------------------------------------
# A flat hexagon grid laid over a council on a local equirectangular projection
# (km east and north of an origin), with axial coordinates (q, r) as in
# https://www.redblobgames.com/grids/hexagons/ (pointy-top). The cell of a point
# is computed in SQL (`HexGrid.with_cells_sql`), so counts are grouped by cell in the
# database and no single point ever reaches Python. We do not use H3: its cells
# cannot be computed inside PostgreSQL without an extension, and grouping 1M
# needs in Python is what the map must avoid. Over a borough (~20 km) the
# projection's error is well under a metre per km.
HEX_EDGE_KM = 0.5
"""Centre to corner (= edge length), like H3's resolution 8: cells are ~0.65 km²."""
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320
_SQRT3 = math.sqrt(3)


@dataclass(frozen=True)
class HexGrid:
    """A hexagon grid anchored at (lat0, lon0). Anchor it at a fixed point per
    council (`HexGrid.around`) so the same place is always the same cell."""

    lat0: float
    lon0: float
    edge_km: float = HEX_EDGE_KM

    @classmethod
    def around(cls, latitude: float | None, longitude: float | None) -> HexGrid:
        """A grid anchored near a point, rounded to 0.1° so small changes in
        the point (a district added) do not move every cell."""
        if latitude is None or longitude is None:
            return cls(51.5, 0.0)
        return cls(round(latitude, 1), round(longitude, 1))

    @property
    def km_per_deg_lon(self) -> float:
        return _KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))

    def to_km(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.km_per_deg_lon, (lat - self.lat0) * _KM_PER_DEG_LAT

    def cell_of(self, lat: float, lon: float) -> tuple[int, int]:
        """The axial cell (q, r) of a point: the same answer as `with_cells_sql` (bar exact ties)."""
        x, y = self.to_km(lat, lon)
        qf = (_SQRT3 / 3 * x - y / 3) / self.edge_km
        rf = (2 / 3 * y) / self.edge_km
        return _hex_round(qf, rf)

    def centre_km(self, q: int, r: int) -> tuple[float, float]:
        """The centre of a cell, in km east and north of the anchor."""
        return self.edge_km * _SQRT3 * (q + r / 2), self.edge_km * 1.5 * r

    def corners_km(self, q: int, r: int) -> list[tuple[float, float]]:
        cx, cy = self.centre_km(q, r)
        return [
            (
                cx + self.edge_km * math.cos(math.radians(60 * i - 30)),
                cy + self.edge_km * math.sin(math.radians(60 * i - 30)),
            )
            for i in range(6)
        ]

    def distance_km(self, a: tuple[int, int], b: tuple[int, int]) -> float:
        (ax, ay), (bx, by) = self.centre_km(*a), self.centre_km(*b)
        return math.hypot(ax - bx, ay - by)

    def disc(self, radius_km: float) -> list[tuple[int, int]]:
        """Offsets (dq, dr) of the cells whose centre is within radius_km of a cell's centre."""
        steps = int(radius_km / (self.edge_km * 1.5)) + 2
        out = []
        for dq in range(-steps * 2, steps * 2 + 1):
            for dr in range(-steps * 2, steps * 2 + 1):
                if self.distance_km((0, 0), (dq, dr)) <= radius_km + 1e-9:
                    out.append((dq, dr))
        return out

    def with_cells_sql(self, inner: str, lat: str = "lat", lon: str = "lon") -> str:
        """SQL selecting every row of the query `inner` with its cell added as
        columns q and r, computed in the database (cube rounding of the
        fractional axial coordinates; each step once per row, in nested
        selects). `inner` names its point's columns `lat` and `lon`. Only our
        own SQL and numbers formatted here go in (S608 is silenced for that)."""

        def num(value: float) -> str:
            return repr(float(value))

        x = f"(g.{lon} - {num(self.lon0)}) * {num(self.km_per_deg_lon)}"
        y = f"(g.{lat} - {num(self.lat0)}) * {num(_KM_PER_DEG_LAT)}"
        qf = f"(({x}) * {num(_SQRT3 / 3)} - ({y}) / 3.0) / {num(self.edge_km)}"
        rf = f"({y}) * {num(2 / 3 / self.edge_km)}"
        rounded = (
            "SELECT f.*, ROUND(f.hex_qf) AS hex_rq, ROUND(f.hex_rf) AS hex_rr, ROUND(-f.hex_qf - f.hex_rf) AS hex_rs"  # noqa: S608
            f" FROM (SELECT g.*, {qf} AS hex_qf, {rf} AS hex_rf FROM ({inner}) g) f"
        )
        dq, dr = "ABS(c.hex_rq - c.hex_qf)", "ABS(c.hex_rr - c.hex_rf)"
        ds = "ABS(c.hex_rs + c.hex_qf + c.hex_rf)"
        return (
            f"SELECT c.*, CAST(CASE WHEN {dq} > {dr} AND {dq} > {ds} THEN -c.hex_rr - c.hex_rs ELSE c.hex_rq END"  # noqa: S608
            " AS INTEGER) AS q,"
            f" CAST(CASE WHEN {dq} > {dr} AND {dq} > {ds} THEN c.hex_rr WHEN {dr} > {ds} THEN -c.hex_rq - c.hex_rs"
            f" ELSE c.hex_rr END AS INTEGER) AS r FROM ({rounded}) c"
        )


def _hex_round(qf: float, rf: float) -> tuple[int, int]:
    sf = -qf - rf
    q, r, s = round(qf), round(rf), round(sf)
    dq, dr, ds = abs(q - qf), abs(r - rf), abs(s - sf)
    if dq > dr and dq > ds:
        q = -r - s
    elif dr > ds:
        r = -q - s
    return int(q), int(r)
