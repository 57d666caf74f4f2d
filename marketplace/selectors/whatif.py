"""What-if before a rule changes: the council's matching batch now, under the
current rules and under the proposed ones, simulated by `matching.simulation`
(reads only, nothing written). `marketplace.presentation_whatif` compares them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from matching.runner import CategoryChange
from matching.simulation import Simulation, current_rule, simulate_batch
from platform_core.models import MarketRule, ServiceCategory, User

from .scope import council_id_of


@dataclass
class WhatIf:
    before: Simulation
    after: Simulation
    deadline_hours: tuple[int, int]  # now, proposed: changes how long providers have, not which proposals


def rule_change_whatif(*, officer: User, proposed: MarketRule, now: datetime | None = None) -> WhatIf | None:
    """The batch now and under proposed market rules (an unsaved row); None for anyone but the council's officers."""
    council = officer.council
    if council_id_of(officer) is None or council is None or proposed.council_id != council.pk:
        return None
    now = now or timezone.now()
    current = current_rule(council)
    return WhatIf(
        before=simulate_batch(council=council, rule=current, now=now),
        after=simulate_batch(council=council, rule=proposed, now=now),
        deadline_hours=(current.response_deadline_hours, proposed.response_deadline_hours),
    )


def category_change_whatif(
    *,
    officer: User,
    category: ServiceCategory,
    safeguarding_tier: str,
    price_cap_pence: int | None,
    now: datetime | None = None,
) -> WhatIf | None:
    """The batch now and with a category's proposed tier and price cap."""
    council = officer.council
    if council_id_of(officer) is None or council is None or category.council_id != council.pk:
        return None
    now = now or timezone.now()
    rule = current_rule(council)
    change = CategoryChange(
        category_id=category.pk, safeguarding_tier=safeguarding_tier, price_cap_pence=price_cap_pence
    )
    return WhatIf(
        before=simulate_batch(council=council, rule=rule, now=now),
        after=simulate_batch(council=council, rule=rule, change=change, now=now),
        deadline_hours=(rule.response_deadline_hours, rule.response_deadline_hours),
    )
