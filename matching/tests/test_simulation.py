"""What-if: the batch simulated under proposed rules writes nothing, and is
the batch the real run makes once the rules are saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.services.regulation import category_update, market_rule_proposed, market_rule_update
from matching.models import Match, MatchRun
from matching.runner import CategoryChange, match_council_run
from matching.simulation import current_rule, simulate_batch
from platform_core.models import MarketRule, SafeguardingTier, default_weights
from providers.models import Offer
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NEAR = {"postcode": "KT1 2PT", "latitude": 51.405436, "longitude": -0.295395}  # by the offer
FAR = {"postcode": "KT9 1AA", "latitude": 51.363283, "longitude": -0.309002}  # 5 km away
BASE = {"postcode": "KT1 1EU", "latitude": 51.40772, "longitude": -0.305939}


@pytest.fixture
def batch(council, category, kingston_postcodes):
    """Two needs for one place: a routine one close by and an urgent one 5 km away."""
    resident = ResidentFactory(council=council)
    near = NeedFactory(resident=resident, category=category, urgency=Need.Urgency.ROUTINE, **NEAR)
    far = NeedFactory(resident=resident, category=category, urgency=Need.Urgency.URGENT, **FAR)
    provider = ProviderFactory(council=council, clearance=SafeguardingTier.ID_CHECKED)
    offer = OfferFactory(
        provider=provider,
        categories=[category],
        capacity=1,
        radius_km=8,
        price_pence=1200,
        cost_type="per_hour",
        **BASE,
    )
    MarketRule.objects.update_or_create(
        council=council, defaults={"weights": {**default_weights(), "distance": 10.0, "urgency": 0.0}}
    )
    return {"near": near, "far": far, "offer": offer}


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP"}
    ]


def _pairs(sim) -> set[tuple[int, int]]:
    return {(p.need_id, p.offer_id) for p in sim.proposals}


def _run_pairs(council) -> set[tuple[int, int]]:
    run = match_council_run(council_id=council.pk, trigger="test")
    return set(Match.objects.filter(run=run).values_list("need_id", "offer_id"))


def test_a_simulated_weight_change_writes_no_row(council, batch, officer):
    proposed = market_rule_proposed(
        rule=current_rule(council),
        max_distance_km=Decimal("10"),
        response_deadline_hours=24,
        max_open_proposals_volunteer=3,
        weights={"distance": 0.0, "urgency": 10.0},
    )
    counts = (Match.objects.count(), MatchRun.objects.count(), list(Need.objects.values_list("status", flat=True)))
    with CaptureQueriesContext(connection) as ctx:
        sim = simulate_batch(council=council, rule=proposed)
    assert _writes(ctx.captured_queries) == []
    assert sim.proposals
    assert counts == (
        Match.objects.count(),
        MatchRun.objects.count(),
        list(Need.objects.values_list("status", flat=True)),
    )
    assert MarketRule.objects.get(council=council).weights["distance"] == 10.0


def test_a_simulated_weight_change_equals_the_real_run_once_saved(council, batch, officer):
    rule = current_rule(council)
    before = simulate_batch(council=council)
    assert _pairs(before) == {(batch["near"].pk, batch["offer"].pk)}  # distance first: the near need
    weights = {"distance": 0.0, "urgency": 10.0}
    proposed = market_rule_proposed(
        rule=rule,
        max_distance_km=Decimal("10"),
        response_deadline_hours=24,
        max_open_proposals_volunteer=3,
        weights=weights,
    )
    after = simulate_batch(council=council, rule=proposed)
    assert _pairs(after) == {(batch["far"].pk, batch["offer"].pk)}  # urgency first: the urgent one
    market_rule_update(
        rule=rule,
        officer=officer,
        max_distance_km=Decimal("10"),
        response_deadline_hours=24,
        max_open_proposals_volunteer=3,
        weights=weights,
    )
    real = Match.objects.filter(run__in=[match_council_run(council_id=council.pk, trigger="test")])
    assert set(real.values_list("need_id", "offer_id")) == _pairs(after)
    assert [float(d) for d in real.values_list("distance_km", flat=True)] == [p.distance_km for p in after.proposals]


def test_a_simulated_distance_cap_equals_the_real_run_once_saved(council, batch, officer):
    rule = current_rule(council)
    weights = {"distance": 0.0, "urgency": 10.0}
    proposed = market_rule_proposed(
        rule=rule,
        max_distance_km=Decimal("2"),
        response_deadline_hours=48,
        max_open_proposals_volunteer=3,
        weights=weights,
    )
    after = simulate_batch(council=council, rule=proposed)
    assert _pairs(after) == {(batch["near"].pk, batch["offer"].pk)}  # the urgent need is out of reach
    market_rule_update(
        rule=rule,
        officer=officer,
        max_distance_km=Decimal("2"),
        response_deadline_hours=48,
        max_open_proposals_volunteer=3,
        weights=weights,
    )
    assert _run_pairs(council) == _pairs(after)


def test_a_simulated_price_cap_equals_the_real_run_once_saved(council, category, batch, officer):
    change = CategoryChange(category_id=category.pk, safeguarding_tier=category.safeguarding_tier, price_cap_pence=1000)
    with CaptureQueriesContext(connection) as ctx:
        after = simulate_batch(council=council, change=change)
    assert _writes(ctx.captured_queries) == []
    assert after.proposals == []  # the only offer is priced above the new cap
    assert Offer.objects.get(pk=batch["offer"].pk).status == Offer.Status.ACTIVE
    category_update(
        category=category,
        officer=officer,
        name=category.name,
        description=category.description,
        safeguarding_tier=category.safeguarding_tier,
        price_cap_pence=1000,
        is_active=True,
    )
    assert _run_pairs(council) == _pairs(after) == set()


def test_a_simulated_tier_equals_the_real_run_once_saved(council, category, batch, officer):
    change = CategoryChange(
        category_id=category.pk, safeguarding_tier=SafeguardingTier.DBS_CHECKED, price_cap_pence=None
    )
    after = simulate_batch(council=council, change=change)
    assert after.proposals == []  # the provider is only ID-checked
    category_update(
        category=category,
        officer=officer,
        name=category.name,
        description=category.description,
        safeguarding_tier=SafeguardingTier.DBS_CHECKED,
        price_cap_pence=None,
        is_active=True,
    )
    assert _run_pairs(council) == set()


def test_a_simulated_volunteer_cap_equals_the_real_run_once_saved(council, category, kingston_postcodes, officer):
    from providers.models import Provider

    resident = ResidentFactory(council=council)
    for _ in range(4):
        NeedFactory(resident=resident, category=category, **NEAR)
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER, clearance=SafeguardingTier.ID_CHECKED)
    OfferFactory(provider=volunteer, categories=[category], capacity=4, radius_km=8, **BASE)
    rule = current_rule(council)
    proposed = market_rule_proposed(
        rule=rule, max_distance_km=Decimal("10"), response_deadline_hours=24, max_open_proposals_volunteer=1, weights={}
    )
    before, after = simulate_batch(council=council), simulate_batch(council=council, rule=proposed)
    assert (len(before.proposals), len(after.proposals)) == (3, 1)
    market_rule_update(
        rule=rule,
        officer=officer,
        max_distance_km=Decimal("10"),
        response_deadline_hours=24,
        max_open_proposals_volunteer=1,
        weights={},
    )
    assert _run_pairs(council) == _pairs(after)
