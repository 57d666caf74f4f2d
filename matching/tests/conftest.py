"""Fixtures for the match lifecycle: a category, a verified provider with a
member and an offer, a resident with an open need, and proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Match
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from providers.models import Provider
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory


@pytest.fixture
def category(council):
    return ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN
    )


@pytest.fixture
def provider(council):
    return ProviderFactory(council=council, name="Kingston Helpers")


@pytest.fixture
def provider_user(provider):
    return ProviderMemberFactory(provider=provider).user


@pytest.fixture
def offer(provider, category):
    return OfferFactory(provider=provider, categories=[category], capacity=1)


@pytest.fixture
def resident(council):
    return ResidentFactory(
        council=council,
        address_line_1="12 Secret Lane",
        phone="07700 900999",
        vulnerability_notes="Hard of hearing; knock loudly.",
    )


@pytest.fixture
def resident_user(resident):
    return resident.user


@pytest.fixture
def need(resident, category):
    return NeedFactory(resident=resident, category=category)


def propose(need: Need, offer, *, hours: int = 24) -> Match:
    """A proposal as the runner writes it."""
    Need.objects.filter(pk=need.pk).update(status=Need.Status.PROPOSED)
    need.refresh_from_db()
    return Match.objects.create(
        need=need,
        offer=offer,
        council=need.council,
        status=Match.Status.PROPOSED,
        score=5.0,
        distance_km=1.2,
        explanation="1.2 km away · rated 4.8",
        respond_by=timezone.now() + timedelta(hours=hours),
    )


@pytest.fixture
def proposal(need, offer):
    return propose(need, offer)


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
