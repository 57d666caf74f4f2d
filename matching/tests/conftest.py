"""Fixtures for the match lifecycle, on the root actors (`resident`, `provider`,
`provider_user`): a category, the provider's offer, the resident's open need, a
proposal between them, and more providers on demand."""

from __future__ import annotations

import pytest

from matching.tests.factories import MatchFactory
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from providers.models import Provider
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory


@pytest.fixture
def category(council):
    return ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN
    )


@pytest.fixture
def offer(provider, category):
    return OfferFactory(provider=provider, categories=[category], capacity=1)


@pytest.fixture
def need(resident, category):
    return NeedFactory(resident=resident, category=category)


@pytest.fixture
def proposal(need, offer):
    """A proposal as the runner writes it."""
    return MatchFactory(need=need, offer=offer)


@pytest.fixture
def make_provider(council, category):
    """A provider of any kind with a member and one offer; returns (offer, member user)."""

    def make(*, kind=Provider.Kind.CHARITY, capacity=1, **offer_kwargs):
        provider = ProviderFactory(council=council, kind=kind)
        user = ProviderMemberFactory(provider=provider).user
        offer = OfferFactory(
            provider=provider, categories=offer_kwargs.pop("categories", [category]), capacity=capacity, **offer_kwargs
        )
        return offer, user

    return make


@pytest.fixture
def stranger(council):
    return UserFactory(council=council)
