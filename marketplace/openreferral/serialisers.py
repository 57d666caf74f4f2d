"""The HSDS 3.0 shapes of offers, providers and categories, and ORUK paging.
Plain functions over rows the selectors loaded: no queries of their own."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import translation

from platform_core.availability import DAY_PART_HOURS, DayPart, valid_slots
from platform_core.geo import coarsen
from platform_core.models import Council, ServiceCategory
from platform_core.spoken_languages import language_name
from providers.models import Offer, Provider, clearance_covers

from ..contact_patterns import EMAIL_RE, PHONE_RE, POSTCODE_RE
from .ids import oruk_id

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100

BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_PART_WORDS = {DayPart.MORNING: "Mornings", DayPart.AFTERNOON: "Afternoons", DayPart.EVENING: "Evenings"}


# Free text is written by providers; a phone number, an e-mail address or a
# full postcode typed into it is taken out before it leaves the platform.
_REDACT = [EMAIL_RE, PHONE_RE, POSTCODE_RE]
REDACTED = "[removed]"


_MAY_NEED_REDACTING = re.compile(r"[\d@]")


def redact(text: str) -> str:
    if not _MAY_NEED_REDACTING.search(text):
        return text  # all three patterns need a digit or an @
    for pattern in _REDACT:
        text = pattern.sub(REDACTED, text)
    return text


# ---------------------------------------------------------------- paging


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


COUNT_SECONDS = 60  # as long as the feed's public caching (views.oruk_endpoint)


def _query_key(items: QuerySet) -> str:
    return hashlib.sha256(str(items.query).encode()).hexdigest()[:32]


def page_of(items: QuerySet | None, request: PageRequest, serialise) -> dict[str, Any]:
    """An ORUK page in a fixed number of queries whatever the page number.

    - `total_items` is counted once a minute per query (cached): the feed is
      cached publicly for as long, so a reader never sees the two disagree more
      than any cached page would.
    - Rows are read by keyset when the previous page was served (the usual way a
      directory walks the feed: page 1, 2, 3 ...): its last id is remembered, so
      page 200 starts at `id > last` instead of skipping 3,980 rows. Otherwise (a
      jump straight to a page) by OFFSET, which then remembers its own end.
    """
    if items is None:
        total, rows = 0, []
    else:
        key = _query_key(items)
        total = cache.get_or_set(f"oruk:count:{key}", items.count, COUNT_SECONDS)
        start = (request.page - 1) * request.per_page
        rows = []
        if start < total:
            by_pk = tuple(items.query.order_by) == ("pk",)  # keyset needs the order to be the id
            after = None
            if by_pk and request.page > 1:
                after = cache.get(f"oruk:end:{key}:{request.per_page}:{request.page - 1}")
            page_rows = items.filter(pk__gt=after) if after is not None else items[start:]
            rows = list(page_rows[: request.per_page])
            if rows and by_pk:
                cache.set(f"oruk:end:{key}:{request.per_page}:{request.page}", rows[-1].pk, COUNT_SECONDS)
    total_pages = max(1, math.ceil(total / request.per_page))
    contents = [serialise(row) for row in rows]
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": request.page,
        "size": len(contents),
        "first_page": request.page == 1,
        "last_page": request.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


# ---------------------------------------------------------------- serialisers


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Optional fields are left out rather than null or empty."""
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def serialise_organization(provider: Provider, *, council: Council) -> dict[str, Any]:
    """The provider's public face. `council` is the offer's (select_related), so
    no query per row."""
    if provider.is_individual:
        # A person, not an organisation: publish neither their name nor contact details.
        return {
            "id": oruk_id("organization", provider.pk),
            "name": "Individual volunteer",
            "description": f"A volunteer verified by {council.name}.",
        }
    return _drop_empty(
        {
            "id": oruk_id("organization", provider.pk),
            "name": redact(provider.name),
            "description": redact(provider.description) or f"{provider.get_kind_display()} verified by {council.name}.",
            "website": provider.website,
        }
    )


def serialise_taxonomy_term(category: ServiceCategory, *, council: Council | None = None) -> dict[str, Any]:
    council = council or category.council
    return _drop_empty(
        {
            "id": oruk_id("taxonomy_term", category.pk),
            "name": category.name,
            "description": category.description or category.name,
            "taxonomy": f"{council.name} categories of help",
            "taxonomy_id": oruk_id("taxonomy", council.pk),
            "term": category.slug,
        }
    )


def serialise_taxonomy(council: Council, *, with_terms: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": oruk_id("taxonomy", council.pk),
        "name": f"{council.name} categories of help",
        "description": f"The kinds of help {council.name} lists in its marketplace.",
        "version": "1",
    }
    if with_terms:
        terms = [serialise_taxonomy_term(c, council=council) for c in council.categories.all()]
        if terms:
            data["taxonomy_terms"] = terms
    return data


def _location(offer: Offer) -> dict[str, Any]:
    lat, lon = coarsen(offer.latitude, offer.longitude)
    return {
        "id": oruk_id("location", offer.pk),
        "location_type": "physical",
        "name": f"{offer.district} postcode district",
        "description": "An approximate point in the postcode district; the exact place is agreed after a match.",
        "latitude": lat,
        "longitude": lon,
    }


def serialise_service_at_location(offer: Offer, *, with_service: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": oruk_id("service_at_location", offer.pk),
        "service_id": oruk_id("service", offer.pk),
        "location_id": oruk_id("location", offer.pk),
        "location": _location(offer),
    }
    if with_service:
        data["service"] = serialise_service(offer, full=False)
    return data


def _schedules(offer: Offer, service_id: str) -> list[dict[str, Any]]:
    slots = valid_slots(offer.weekly_slots)
    if not slots:
        return [
            {
                "id": oruk_id("schedule", offer.pk, "any"),
                "service_id": service_id,
                "freq": "WEEKLY",
                "interval": 1,
                "byday": ",".join(BYDAY),
                "opens_at": f"{DAY_PART_HOURS[DayPart.MORNING][0]:02d}:00:00",
                "closes_at": f"{DAY_PART_HOURS[DayPart.EVENING][1]:02d}:00:00",
                "description": "Any day, at a time agreed with the resident.",
            }
        ]
    schedules = []
    for part in DayPart:
        days = [BYDAY[s // 3] for s in slots if s % 3 == part.value and 0 <= s // 3 < 7]
        if not days:
            continue
        opens, closes = DAY_PART_HOURS[part]
        schedules.append(
            {
                "id": oruk_id("schedule", offer.pk, part.value),
                "service_id": service_id,
                "freq": "WEEKLY",
                "interval": 1,
                "byday": ",".join(days),
                "opens_at": f"{opens:02d}:00:00",
                "closes_at": f"{closes:02d}:00:00",
                "description": f"{DAY_PART_WORDS[part]}, at a time agreed with the resident.",
            }
        )
    return schedules


def _cost_options(offer: Offer, service_id: str) -> list[dict[str, Any]]:
    option: dict[str, Any] = {"id": oruk_id("cost_option", offer.pk), "service_id": service_id}
    if offer.cost_type == Offer.CostType.FREE:
        option.update(option="Free", amount=0, amount_description="Free of charge")
    else:
        unit = "per hour" if offer.cost_type == Offer.CostType.PER_HOUR else "per visit"
        option.update(option=offer.get_cost_type_display(), amount=offer.price_pence / 100, amount_description=unit)
    option["currency"] = "GBP"
    return [option]


def _attributes(offer: Offer, service_id: str) -> list[dict[str, Any]]:
    """service_taxonomy links: the offer's active categories that the provider's
    clearance covers (the engine would not propose the others)."""
    council = offer.council
    return [
        {
            "id": oruk_id("attribute", offer.pk, category.pk),
            "link_id": service_id,
            "link_type": "service",
            "taxonomy_term_id": oruk_id("taxonomy_term", category.pk),
            "taxonomy_term": serialise_taxonomy_term(category, council=council),
        }
        for category in offer.categories.all()
        if clearance_covers(offer.provider.clearance, category.safeguarding_tier)
    ]


def serialise_service(offer: Offer, *, full: bool = True) -> dict[str, Any]:
    service_id = oruk_id("service", offer.pk)
    provider = offer.provider
    data: dict[str, Any] = {
        "id": service_id,
        "organization_id": oruk_id("organization", provider.pk),
        "name": redact(offer.title),
        "description": redact(offer.description),
        "status": "active",
        "last_modified": _iso(max(offer.updated_at, provider.updated_at)),
        "organization": serialise_organization(provider, council=offer.council),
    }
    if not full:
        return data
    data["service_areas"] = [
        {
            "id": oruk_id("service_area", offer.pk),
            "service_id": service_id,
            "name": f"{offer.district} postcode district",
            "service_area": (
                f"Within {offer.radius_km} km of the {offer.district} postcode district, {offer.council.name}"
            ),
            "extent_type": "postcode_district",
            "extent": offer.district,
        }
    ]
    data["service_at_locations"] = [serialise_service_at_location(offer)]
    data["schedules"] = _schedules(offer, service_id)
    data["cost_options"] = _cost_options(offer, service_id)
    # HSDS 3.0: the ISO 639 code and its English name (the feed is read by machines, in English).
    with translation.override("en-gb"):
        languages = [
            {
                "id": oruk_id("language", offer.pk, i),
                "service_id": service_id,
                "name": language_name(code),
                "code": code,
            }
            for i, code in enumerate(offer.languages or [])
            if code
        ]
    if languages:
        data["languages"] = languages
    attributes = _attributes(offer, service_id)
    if attributes:
        data["attributes"] = attributes
    return data


def api_info(*, openapi_url: str = "") -> dict[str, Any]:
    return _drop_empty({"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": openapi_url})
