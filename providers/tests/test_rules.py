"""The rules written once on the models: safeguarding tiers and price caps, in
Python and in SQL, must never disagree."""

from __future__ import annotations

import pytest

from platform_core.models import TIER_ORDER, SafeguardingTier, tier_rank
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer, Provider, clearance_covers, clearances_short_of
from providers.tests.factories import OfferFactory, ProviderFactory

TIERS = [t.value for t in TIER_ORDER]


def test_tiers_rank_from_open_to_regulated_care_and_unknown_ranks_lowest():
    assert [tier_rank(t) for t in TIERS] == [0, 1, 2, 3]
    assert tier_rank("") == tier_rank("no-such-tier") == 0


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("clearance", ["", *TIERS])
def test_clearance_covers_and_its_query_form_agree(clearance, tier):
    assert clearance_covers(clearance, tier) == (clearance not in clearances_short_of(tier))


@pytest.mark.django_db
@pytest.mark.parametrize("tier", TIERS)
def test_providers_short_of_a_tier_are_exactly_those_not_covered(council, tier):
    for clearance in ["", *TIERS]:
        ProviderFactory(council=council, clearance=clearance, name=f"Cleared {clearance or 'none'}")
    short = set(Provider.objects.filter(clearance__in=clearances_short_of(tier)).values_list("clearance", flat=True))
    assert short == {c for c in ["", *TIERS] if not clearance_covers(c, tier)}


@pytest.mark.django_db
def test_a_price_breaks_a_cap_only_when_above_it_and_free_offers_never_do(council):
    capped = ServiceCategoryFactory(council=council, price_cap_pence=1500, safeguarding_tier=SafeguardingTier.OPEN)
    uncapped = ServiceCategoryFactory(council=council, price_cap_pence=None)
    at_cap = OfferFactory(categories=[capped], cost_type=Offer.CostType.PER_HOUR, price_pence=1500)
    above = OfferFactory(categories=[capped, uncapped], cost_type=Offer.CostType.PER_VISIT, price_pence=1501)
    free = OfferFactory(categories=[capped], cost_type=Offer.CostType.FREE, price_pence=0)

    assert (capped.price_above_cap(1500), capped.price_above_cap(1501), uncapped.price_above_cap(10**6)) == (
        False,
        True,
        False,
    )
    assert above.categories_over_cap() == [capped]
    assert at_cap.categories_over_cap() == free.categories_over_cap() == []
    assert list(Offer.objects.priced_above(1500)) == [above]
