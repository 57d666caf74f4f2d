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
from localflavor.gb.forms import GBPostcodeField

if TYPE_CHECKING:
    from .models import Council

EARTH_RADIUS_KM = 6371.0088
_POSTCODE_RE = GBPostcodeField.postcode_regex
_SPACE_RE = GBPostcodeField.space_regex

INVALID_POSTCODE_MESSAGE = "Enter a real postcode, like KT1 1EU"
OUTSIDE_MESSAGE = "This postcode is outside the areas we cover. Enter a postcode in an area that uses Convene"
NOT_FOUND_MESSAGE = "We could not find this postcode. Check it and enter it again"


def postcode_normalise(value: str) -> str:
    """Return the postcode upper-cased with one space before the inward code.

    Raises ValidationError with a message a resident can act on.
    """
    compact = "".join((value or "").split()).upper()
    if not compact:
        raise ValidationError("Enter a postcode", code="required")
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
