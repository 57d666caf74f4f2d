"""Visits of ongoing help, as the regulator reads them (ADR 0018): delivered
against planned by category and postcode district, and missed-visit rates per
provider. Officers only (the console's analytics); two aggregate queries over
Visit(council, starts_at), whatever the number of visits.

Definitions (also shown on the page):
- planned: visits due in the period (up to now) and not cancelled;
- delivered: done, and the resident has not said it did not happen;
- missed: marked missed, or disputed by the resident (and not cancelled);
- not recorded: due, not yet marked by the provider, not disputed;
- missed-visit rate: missed / (delivered + missed), of the visits recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Left, StrIndex
from django.utils import timezone

from matching.models import Visit
from platform_core.models import Council

from .analytics import Period

Status = Visit.Status
DISPUTED = Q(disputed_at__isnull=False) & ~Q(status=Status.CANCELLED)
DELIVERED = Q(status=Status.DONE, disputed_at__isnull=True)
MISSED = Q(status=Status.MISSED) | DISPUTED
PLANNED = ~Q(status=Status.CANCELLED)
NOT_RECORDED = Q(status=Status.SCHEDULED, disputed_at__isnull=True)


@dataclass
class VisitFigures:
    period: Period
    # By category and district: category_id, district, planned, delivered, missed, disputed, not_recorded, cancelled.
    by_category_district: list[dict[str, Any]]
    # By provider: provider_id, provider, planned, delivered, missed, disputed, rate (None when nothing recorded).
    by_provider: list[dict[str, Any]]

    @property
    def totals(self) -> dict[str, int]:
        keys = ("planned", "delivered", "missed", "disputed", "not_recorded", "cancelled")
        return {k: sum(r[k] for r in self.by_category_district) for k in keys}


def _district() -> Case:
    """The outcode of the visit's need's postcode ("KT1 1AA" -> "KT1")."""
    postcode = "match__need__postcode"
    return Case(
        When(**{f"{postcode}__contains": " "}, then=Left(postcode, StrIndex(postcode, Value(" ")) - 1)),
        default=Value(""),
        output_field=CharField(),
    )


def _counts() -> dict[str, Count]:
    return {
        "planned": Count("id", filter=PLANNED),
        "delivered": Count("id", filter=DELIVERED),
        "missed": Count("id", filter=MISSED),
        "disputed": Count("id", filter=DISPUTED),
        "not_recorded": Count("id", filter=NOT_RECORDED),
        "cancelled": Count("id", filter=Q(status=Status.CANCELLED)),
    }


def _due(
    council: Council, period: Period, now: datetime, *, category_id: int | None = None, district: str = ""
) -> QuerySet[Visit]:
    qs = Visit.objects.filter(council=council, starts_at__gte=period.start, starts_at__lt=min(period.end, now))
    if category_id:
        qs = qs.filter(match__need__category_id=category_id)
    if district:
        qs = qs.filter(match__need__postcode__startswith=f"{district} ")
    return qs


def missed_rate(*, delivered: int, missed: int) -> float | None:
    """Missed as a percentage of the visits recorded (delivered or missed); None when none were."""
    recorded = delivered + missed
    return round(100 * missed / recorded, 1) if recorded else None


def visit_figures(
    *,
    council: Council,
    period: Period,
    now: datetime | None = None,
    category_id: int | None = None,
    district: str = "",
) -> VisitFigures:
    """Visits due in the period (up to now) in one council: two queries."""
    now = now or timezone.now()
    due = _due(council, period, now, category_id=category_id, district=district)
    by_area: list[dict[str, Any]] = [
        dict(r)
        for r in due.values(category_id=F("match__need__category_id"), district=_district())
        .annotate(**_counts())
        .order_by("category_id", "district")
    ]
    by_provider: list[dict[str, Any]] = [
        dict(r)
        for r in due.values(provider_id=F("match__offer__provider_id"), provider=F("match__offer__provider__name"))
        .annotate(**_counts())
        .order_by("provider", "provider_id")
    ]
    for row in by_provider:
        row["rate"] = missed_rate(delivered=row["delivered"], missed=row["missed"])
    return VisitFigures(period=period, by_category_district=by_area, by_provider=by_provider)
