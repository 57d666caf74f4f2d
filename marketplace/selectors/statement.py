"""The market position statement: the dashboard's figures (`analytics.market_figures`,
from the daily roll-up) plus the prices of the offers in the market against
the council's caps, and the visits of ongoing help delivered. Reads only; a fixed number of queries whatever the size of
the market. `marketplace.presentation_statement` suppresses and lays it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Max, Min, Q

from platform_core.models import Council, ServiceCategory
from providers.models import Offer

from .analytics import Filters, MarketFigures, market_figures
from .visits import VisitFigures, visit_figures


@dataclass
class StatementFigures:
    market: MarketFigures
    prices: list[Mapping[str, Any]]
    # Category -> price cap in pence (None: no cap).
    caps: dict[int, int | None]
    # Visits of ongoing help due in the period (ADR 0018).
    visits: VisitFigures


def prices_by_category(*, council: Council) -> list[Mapping[str, Any]]:
    """Active offers of providers not suspended, by category: how many, how many
    free, the lowest, mean and highest price of the paid ones, and how many are
    priced above the category's cap (the query form of `price_above_cap`)."""
    through = Offer.categories.through
    paid = Q(offer__price_pence__gt=0)
    return list(
        through.objects.filter(
            offer__council=council, offer__status=Offer.Status.ACTIVE, offer__provider__is_suspended=False
        )
        .values("servicecategory_id")
        .annotate(
            offers=Count("offer_id"),
            free=Count("offer_id", filter=Q(offer__price_pence=0)),
            lowest=Min("offer__price_pence", filter=paid),
            mean=Avg("offer__price_pence", filter=paid),
            highest=Max("offer__price_pence", filter=paid),
            above_cap=Count(
                "offer_id",
                filter=Q(
                    servicecategory__price_cap_pence__isnull=False,
                    offer__price_pence__gt=F("servicecategory__price_cap_pence"),
                ),
            ),
        )
        .order_by()
    )


def statement_figures(*, council: Council, filters: Filters) -> StatementFigures:
    return StatementFigures(
        market=market_figures(council=council, filters=filters),
        prices=prices_by_category(council=council),
        caps=dict(ServiceCategory.objects.filter(council=council).values_list("pk", "price_cap_pence")),
        visits=visit_figures(council=council, period=filters),
    )
