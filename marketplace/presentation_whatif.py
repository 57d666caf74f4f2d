"""A what-if as an officer reads it: the simulated batch now and with the
change, side by side — needs served, mean distance, fairness of waiting
(served share by urgency and by district) and providers' spread of work."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from matching.simulation import Simulation
from residents.models import Need

from .selectors.whatif import WhatIf


@dataclass
class BatchFigures:
    needs: int
    offers: int
    served: int
    mean_distance_km: float | None
    served_by_urgency: dict[int, tuple[int, int]]  # urgency -> (served, needs)
    served_by_district: dict[str, tuple[int, int]]
    providers: int  # in the batch
    providers_with_work: int
    largest_share: float | None  # % of proposals to the provider given the most
    gini: float | None  # 0: work spread evenly over the providers in the batch; 1: all to one


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _gini(values: list[int]) -> float | None:
    if not values or not sum(values):
        return None
    values = sorted(values)
    n = len(values)
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return round((2 * weighted) / (n * sum(values)) - (n + 1) / n, 3)


def batch_figures(sim: Simulation) -> BatchFigures:
    served_ids = {p.need_id for p in sim.proposals}
    by_urgency: dict[int, list[int]] = {}
    by_district: dict[str, list[int]] = {}
    for need_id, (urgency, district) in sim.needs.items():
        for bucket, key in ((by_urgency, urgency), (by_district, district or "Unknown")):
            counts = bucket.setdefault(key, [0, 0])  # type: ignore[arg-type]
            counts[0] += need_id in served_ids
            counts[1] += 1
    work = Counter(p.provider_id for p in sim.proposals)
    distances = [p.distance_km for p in sim.proposals]
    return BatchFigures(
        needs=len(sim.needs),
        offers=sim.offers,
        served=len(served_ids),
        mean_distance_km=round(sum(distances) / len(distances), 2) if distances else None,
        served_by_urgency={k: (v[0], v[1]) for k, v in by_urgency.items()},
        served_by_district={k: (v[0], v[1]) for k, v in by_district.items()},
        providers=len(sim.providers),
        providers_with_work=len(work),
        largest_share=_pct(max(work.values()), len(sim.proposals)) if work else None,
        gini=_gini([work.get(p, 0) for p in sim.providers]),
    )


@dataclass
class Comparison:
    rows: list[list]  # [measure, now, with the change]
    urgency_rows: list[list]  # [urgency, served share now, with the change]
    district_rows: list[list]
    deadline_note: str


def _share(pair: tuple[int, int] | None) -> str:
    if not pair or not pair[1]:
        return "–"
    return f"{_pct(pair[0], pair[1])}% ({pair[0]} of {pair[1]})"


def _show(value) -> object:
    return "–" if value is None else value


def comparison(whatif: WhatIf) -> Comparison:
    before, after = batch_figures(whatif.before), batch_figures(whatif.after)
    rows = [
        ["Open needs in the batch", before.needs, after.needs],
        ["Offers with free places", before.offers, after.offers],
        ["Needs served (proposed to a provider)", before.served, after.served],
        ["Share of needs served (%)", _show(_pct(before.served, before.needs)), _show(_pct(after.served, after.needs))],
        ["Mean distance (km)", _show(before.mean_distance_km), _show(after.mean_distance_km)],
        [
            "Providers given work",
            f"{before.providers_with_work} of {before.providers}",
            f"{after.providers_with_work} of {after.providers}",
        ],
        ["Largest provider's share of the work (%)", _show(before.largest_share), _show(after.largest_share)],
        ["Spread of work (Gini: 0 even, 1 all to one)", _show(before.gini), _show(after.gini)],
    ]
    labels = dict(Need.Urgency.choices)
    urgency_rows = [
        [str(labels.get(u, u)), _share(before.served_by_urgency.get(u)), _share(after.served_by_urgency.get(u))]
        for u in sorted(set(before.served_by_urgency) | set(after.served_by_urgency), reverse=True)
    ]
    district_rows = [
        [d, _share(before.served_by_district.get(d)), _share(after.served_by_district.get(d))]
        for d in sorted(set(before.served_by_district) | set(after.served_by_district))
    ]
    old, new = whatif.deadline_hours
    deadline_note = (
        f"Providers would have {new} hours to answer a proposal instead of {old}: that changes how soon an "
        "unanswered proposal passes to the next provider, not which proposals this batch makes."
        if old != new
        else ""
    )
    return Comparison(rows=rows, urgency_rows=urgency_rows, district_rows=district_rows, deadline_note=deadline_note)
