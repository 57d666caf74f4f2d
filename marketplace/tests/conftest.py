"""Fixtures for the console: a market in Kingston (the officer's council) and
the same set of objects in Sutton (another council) for isolation tests."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from matching.models import Match
from platform_core.models import SafeguardingTier, User
from platform_core.tests.factories import OfficerFactory, ServiceCategoryFactory, UserFactory
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..models import BlockedWord, SafeguardingConcern


def propose(need: Need, offer, *, status: str = Match.Status.PROPOSED, distance_km: float = 1.2) -> Match:
    Need.objects.filter(pk=need.pk).update(status=Need.Status.PROPOSED)
    return Match.objects.create(
        need=need,
        offer=offer,
        council=need.council,
        status=status,
        distance_km=distance_km,
        respond_by=timezone.now() + timedelta(hours=24),
    )


def build_market(council, *, postcode: str = "KT1 1EU") -> SimpleNamespace:
    """One of everything the console shows, in one council."""
    category = ServiceCategoryFactory(council=council, name="Shopping", safeguarding_tier=SafeguardingTier.OPEN)
    provider = ProviderFactory(council=council)
    member = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[category], capacity=2)
    resident = ResidentFactory(council=council, postcode=postcode, vulnerability_notes="Lives alone.")
    need = NeedFactory(resident=resident, category=category, postcode=postcode)
    match = propose(need, offer)
    evidence = EvidenceFactory(provider=provider)
    concern = SafeguardingConcern.objects.create(
        council=council,
        match=match,
        provider=provider,
        raised_by=resident.user,
        raised_as=SafeguardingConcern.RaisedAs.RESIDENT,
        description=f"The helper shouted at me and asked for my bank card ({council.slug}).",
    )
    word = BlockedWord.objects.create(council=council, word=f"cash only {council.slug}")
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
    )


@pytest.fixture
def market(council):
    return build_market(council)


@pytest.fixture
def other_market(other_council):
    return build_market(other_council, postcode="SM1 1AA")


@pytest.fixture
def other_officer(other_council):
    user = OfficerFactory(council=other_council)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    return user


@pytest.fixture
def officer_without_totp(council):
    return OfficerFactory(council=council)


@pytest.fixture
def resident_user(council):
    return UserFactory(role=User.Role.RESIDENT, council=council)
