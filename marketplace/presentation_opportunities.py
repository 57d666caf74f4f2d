"""Opportunities for providers, as a page shows them: unmet demand near a base
by district and kind of help (suppressed: ADR 0017), each kind of help with
the council's price cap and safeguarding tier, and whether a provider's
clearance already covers it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.models import SafeguardingTier
from platform_core.money import pounds
from providers.models import clearance_covers

from .selectors.opportunities import District, OpportunityFigures
from .suppression import ALL, HIDDEN, suppress_cube

NEAREST_WHEN_NONE_IN_REACH = 3
NOT_SHOWN = gettext_lazy("Not shown")


@dataclass
class CategoryColumn:
    pk: int
    name: str
    tier: str
    cap: str
    unmet: int | str  # across the council
    covered: bool | None  # by the provider's clearance; None on the public page


@dataclass
class DistrictRow:
    district: District
    values: list[int | str]  # one per category column, then all kinds of help


@dataclass
class Opportunities:
    figures: OpportunityFigures
    columns: list[CategoryColumn]
    rows: list[DistrictRow]
    total: int | str
    near: bool

    @property
    def has_demand(self) -> bool:
        return self.total != 0


def _shown(value: int | str) -> int | str:
    return NOT_SHOWN if value == HIDDEN else value


def opportunities(figures: OpportunityFigures, *, clearance: str | None = None) -> Opportunities:
    """Districts near the base (within the council's furthest distance, or the
    nearest few), or every district without a base; kinds of help with demand."""
    district_codes = sorted({d.outcode for d in figures.districts} | {code for code, _cat in figures.unmet})
    category_ids = [c.pk for c in figures.categories]
    counts = {(code, cat): n for (code, cat), n in figures.unmet.items() if cat in category_ids}
    cube = suppress_cube([district_codes, category_ids], counts)
    tiers = dict(SafeguardingTier.choices)
    columns = [
        CategoryColumn(
            pk=c.pk,
            name=c.name,
            tier=str(tiers.get(c.safeguarding_tier, c.safeguarding_tier)),
            cap=pounds(c.price_cap_pence) if c.price_cap_pence is not None else _("No cap"),
            unmet=_shown(cube.shown(ALL, c.pk)),
            covered=None if clearance is None else clearance_covers(clearance, c.safeguarding_tier),
        )
        for c in figures.categories
        if cube.values.get((ALL, c.pk), 0)
    ]
    near = any(d.km is not None for d in figures.districts)
    districts = figures.districts
    if near:
        in_reach = [d for d in districts if d.km is not None and d.km <= figures.max_distance_km]
        districts = in_reach or districts[:NEAREST_WHEN_NONE_IN_REACH]
    rows = [
        DistrictRow(
            district=d,
            values=[_shown(cube.shown(d.outcode, col.pk)) for col in columns] + [_shown(cube.shown(d.outcode, ALL))],
        )
        for d in districts
    ]
    return Opportunities(figures=figures, columns=columns, rows=rows, total=_shown(cube.shown(ALL, ALL)), near=near)
