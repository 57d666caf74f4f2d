"""The regulation previews show what matching would do now, before and after the change, and write nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import Match, MatchRun
from platform_core.models import AuditEvent, MarketRule, SafeguardingTier, default_weights
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..presentation_whatif import _gini

pytestmark = pytest.mark.django_db

NEAR = {"postcode": "KT1 2PT", "latitude": 51.405436, "longitude": -0.295395}
FAR = {"postcode": "KT9 1AA", "latitude": 51.363283, "longitude": -0.309002}
BASE = {"postcode": "KT1 1EU", "latitude": 51.40772, "longitude": -0.305939}


@pytest.fixture
def batch(council, kingston_postcodes):
    shopping = ServiceCategoryFactory(council=council, name="Shopping", safeguarding_tier=SafeguardingTier.OPEN)
    resident = ResidentFactory(council=council)
    NeedFactory(resident=resident, category=shopping, urgency=Need.Urgency.ROUTINE, **NEAR)
    NeedFactory(resident=resident, category=shopping, urgency=Need.Urgency.URGENT, **FAR)
    provider = ProviderFactory(council=council, clearance=SafeguardingTier.ID_CHECKED)
    OfferFactory(
        provider=provider,
        categories=[shopping],
        capacity=1,
        radius_km=8,
        price_pence=1200,
        cost_type="per_hour",
        **BASE,
    )
    MarketRule.objects.update_or_create(council=council, defaults={"weights": {**default_weights(), "distance": 10.0}})
    return shopping


def _rule_data(**changes):
    data = {"max_distance_km": "10", "response_deadline_hours": "24", "max_open_proposals_volunteer": "3"}
    data.update({f"weight_{k}": str(v) for k, v in {**default_weights(), "distance": 10.0}.items()})
    data.update(changes)
    return data


def test_previewing_a_distance_cap_shows_the_batch_before_and_after_and_writes_nothing(officer_client, batch):
    before = (Match.objects.count(), MatchRun.objects.count(), AuditEvent.objects.count())
    response = officer_client.post(reverse("marketplace:market_rule_edit"), _rule_data(max_distance_km="2"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "If matching ran now" in html
    whatif = response.context["preview"]["whatif"]
    rows = {row[0]: row[1:] for row in whatif.rows}
    assert rows["Open needs in the batch"] == [2, 2]
    assert rows["Needs served (proposed to a provider)"] == [1, 1]
    urgency = {row[0]: row[1:] for row in whatif.urgency_rows}
    assert urgency["Within 2 days"] == ["0.0% (0 of 1)", "0.0% (0 of 1)"]
    assert (Match.objects.count(), MatchRun.objects.count(), AuditEvent.objects.count()) == before
    assert str(MarketRule.objects.get(council=batch.council).max_distance_km) == "10.0"


def test_previewing_matching_weights_shows_who_would_be_served(officer_client, batch):
    response = officer_client.post(
        reverse("marketplace:market_rule_edit"), _rule_data(weight_distance="0", weight_urgency="10")
    )
    urgency = {row[0]: row[1:] for row in response.context["preview"]["whatif"].urgency_rows}
    assert urgency["Within 2 days"] == ["0.0% (0 of 1)", "100.0% (1 of 1)"]
    assert urgency["Within a few weeks"] == ["100.0% (1 of 1)", "0.0% (0 of 1)"]
    district = {row[0]: row[1:] for row in response.context["preview"]["whatif"].district_rows}
    assert district["KT9"] == ["0.0% (0 of 1)", "100.0% (1 of 1)"]


def test_previewing_a_deadline_says_it_changes_no_proposal(officer_client, batch):
    response = officer_client.post(reverse("marketplace:market_rule_edit"), _rule_data(response_deadline_hours="48"))
    assert "48 hours to answer a proposal instead of 24" in response.content.decode()


def test_previewing_a_price_cap_shows_the_offer_leaving_and_hides_nothing(officer_client, batch):
    data = {"name": "Shopping", "description": "", "safeguarding_tier": "open", "price_cap": "10.00", "is_active": "on"}
    response = officer_client.post(reverse("marketplace:category_edit", args=[batch.pk]), data)
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in response.context["preview"]["whatif"].rows}
    assert rows["Needs served (proposed to a provider)"] == [1, 0]
    assert Offer.objects.get().status == Offer.Status.ACTIVE


def test_the_spread_of_work_is_0_when_even_and_near_1_when_one_provider_takes_all():
    assert _gini([3, 3, 3]) == 0.0
    assert _gini([0, 0, 0, 9]) == 0.75
    assert _gini([]) is None
