"""Fixtures for the console: a market in Kingston (the officer's council) and
the same set of objects in Sutton (another council) for isolation tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matching.tests.factories import MatchFactory
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory, ReferrerFactory, ResidentFactory

from .factories import BlockedWordFactory, SafeguardingConcernFactory


def build_market(council, *, postcode: str = "KT1 1EU") -> SimpleNamespace:
    """One of everything the console shows, in one council."""
    category = ServiceCategoryFactory(council=council, name="Shopping", safeguarding_tier=SafeguardingTier.OPEN)
    provider = ProviderFactory(council=council)
    member = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[category], capacity=2)
    resident = ResidentFactory(council=council, postcode=postcode, vulnerability_notes="Lives alone.")
    need = NeedFactory(resident=resident, category=category, postcode=postcode)
    match = MatchFactory(need=need, offer=offer)
    evidence = EvidenceFactory(provider=provider)
    concern = SafeguardingConcernFactory(
        match=match, description=f"The helper shouted at me and asked for my bank card ({council.slug})."
    )
    word = BlockedWordFactory(council=council, word=f"cash only {council.slug}")
    referrer = ReferrerFactory(council=council, pending=True, organisation=f"Surgery of {council.slug}")
    return SimpleNamespace(
        council=council,
        category=category,
        provider=provider,
        member=member,
        offer=offer,
        resident=resident,
        need=need,
        match=match,
        evidence=evidence,
        concern=concern,
        word=word,
        referrer=referrer,
    )


@pytest.fixture
def market(council):
    return build_market(council)


@pytest.fixture
def other_market(other_council):
    return build_market(other_council, postcode="SM1 1AA")
