"""What-if: the matching batch a council would run now under proposed rules,
built exactly as the real run builds it (`matching.runner._load`, the same
engine call, the same volunteer cap) and written nowhere.

Reads only: no MatchRun, no Match, no status change, no lock (a what-if can
run beside a real batch; it answers "if the batch ran now"). A test checks
that, once the change is saved, the real run proposes the same pairs.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from platform_core.models import Council, MarketRule

from .runner import CategoryChange, _apply_volunteer_cap, _load


@dataclass(frozen=True)
class Proposal:
    need_id: int
    offer_id: int
    provider_id: int
    distance_km: float


@dataclass
class Simulation:
    """One simulated batch: every open need (its urgency and district), and the proposals made."""

    needs: dict[int, tuple[int, str]]  # need id -> (urgency, postcode district)
    offers: int
    providers: set[int]  # providers with an offer in the batch
    proposals: list[Proposal] = field(default_factory=list)


def current_rule(council: Council) -> MarketRule:
    """The rules the next real run would use (an unsaved default row if the council never saved any)."""
    return MarketRule.objects.filter(council=council).first() or MarketRule(council=council)


def simulate_batch(
    *,
    council: Council,
    rule: MarketRule | None = None,
    change: CategoryChange | None = None,
    now: datetime | None = None,
    solver: str = "optimal",
) -> Simulation:
    """The proposals the engine would make now for the council's open needs
    and offers under `rule` (default: the current rules) and `change`."""
    from matching.engine import solve

    now = now or timezone.now()
    rule = rule if rule is not None else current_rule(council)
    _rule, needs, need_inputs, offer_inputs, offer_by_id, excluded, volunteer_open, policy, _reason_offers = _load(
        council, now, rule=rule, change=change
    )
    simulation = Simulation(
        needs={n.pk: (int(n.urgency), n.district) for n in needs},
        offers=len(offer_inputs),
        providers={offer_by_id[o.id].provider_id for o in offer_inputs},
    )
    if not (need_inputs and offer_inputs):
        return simulation
    processes = 1 if multiprocessing.current_process().daemon else None
    result = solve(need_inputs, offer_inputs, policy, excluded=excluded, solver=solver, processes=processes)
    for a in sorted(
        _apply_volunteer_cap(result.assignments, offer_by_id, rule, volunteer_open), key=lambda a: a.need_id
    ):
        simulation.proposals.append(
            Proposal(
                need_id=a.need_id,
                offer_id=a.offer_id,
                provider_id=offer_by_id[a.offer_id].provider_id,
                distance_km=round(float(a.distance_km), 3),
            )
        )
    return simulation
