"""Opportunities for providers: the demand a provider could meet near its base.
Reads only, four queries whatever the size of the market; the presentation
suppresses small counts (ADR 0017). Public: it reads counts, never a need.

Unmet needs over the last 30 days, by postcode district and category: needs
that expired in the window with no match, and needs posted in the window
still waiting for one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from platform_core.geo import haversine_km
from platform_core.models import Council, CouncilDistrict, MarketRule, OutcodeCentroid, ServiceCategory
from residents.models import Need

from .analytics import WAITING, Period, district_expr

WINDOW_DAYS = 30


@dataclass
class District:
    outcode: str
    name: str
    km: float | None  # from the base, by the district's centre; None without a base


@dataclass
class OpportunityFigures:
    council: Council
    period: Period
    max_distance_km: float
    categories: list[ServiceCategory]
    # Every district of the council, nearest first when there is a base.
    districts: list[District]
    # (district, category id) -> unmet needs
    unmet: dict[tuple[str, int], int]


def council_list_with_districts() -> QuerySet[Council]:
    """Councils that use Convene, for a prospective provider to choose from."""
    return Council.objects.filter(districts__isnull=False).distinct().order_by("name")


def council_by_slug(*, slug: str) -> Council | None:
    return Council.objects.filter(slug=slug).first()


def unmet_by_district_category(*, council: Council, period: Period) -> dict[tuple[str, int], int]:
    expired = Q(status=Need.Status.EXPIRED, closed_at__gte=period.start, closed_at__lt=period.end)
    waiting = Q(status__in=WAITING, posted_at__gte=period.start, posted_at__lt=period.end)
    rows = (
        Need.objects.filter(expired | waiting, council=council, category__isnull=False)
        .annotate(district_code=district_expr())
        .values("district_code", "category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["district_code"] or "", row["category_id"]): row["n"] for row in rows}


def opportunity_figures(
    *, council: Council, base: tuple[float, float] | None = None, period: Period | None = None
) -> OpportunityFigures:
    """The council's unmet demand of the last 30 days, its categories with
    their caps and tiers, and its districts (nearest the base first)."""
    period = period or Period.last_days(WINDOW_DAYS)
    rule = MarketRule.objects.filter(council=council).first() or MarketRule(council=council)
    centre = OutcodeCentroid.objects.filter(outcode=OuterRef("outcode"))
    rows = (
        CouncilDistrict.objects.filter(council=council)
        .annotate(lat=Subquery(centre.values("latitude")[:1]), lon=Subquery(centre.values("longitude")[:1]))
        .values("outcode", "name", "lat", "lon")
        .order_by("outcode")
    )
    districts = []
    for row in rows:
        known = row["lat"] is not None and row["lon"] is not None
        km = haversine_km(base[0], base[1], row["lat"], row["lon"]) if base and known else None
        districts.append(District(outcode=row["outcode"], name=row["name"], km=None if km is None else round(km, 1)))
    if base:
        districts.sort(key=lambda d: (d.km is None, d.km or 0, d.outcode))
    return OpportunityFigures(
        council=council,
        period=period,
        max_distance_km=float(rule.max_distance_km),
        categories=list(ServiceCategory.objects.filter(council=council, is_active=True)),
        districts=districts,
        unmet=unmet_by_district_category(council=council, period=period),
    )
