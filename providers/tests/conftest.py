"""Fixtures for the providers app: a provider of each kind with its owner, and categories by tier."""

from __future__ import annotations

import pytest

from platform_core.models import SafeguardingTier, User
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from providers.models import Provider
from providers.tests.factories import ProviderFactory, ProviderMemberFactory


@pytest.fixture
def categories(council):
    """Kingston's categories, one per tier; shopping and transport have price caps."""
    return {
        "shopping": ServiceCategoryFactory(
            council=council,
            name="Shopping",
            slug="shopping",
            price_cap_pence=1500,
            safeguarding_tier=SafeguardingTier.OPEN,
        ),
        "transport": ServiceCategoryFactory(
            council=council,
            name="Transport",
            slug="transport",
            price_cap_pence=2000,
            safeguarding_tier=SafeguardingTier.ID_CHECKED,
        ),
        "home_visits": ServiceCategoryFactory(
            council=council, name="Home visits", slug="home-visits", safeguarding_tier=SafeguardingTier.DBS_CHECKED
        ),
        "personal_care": ServiceCategoryFactory(
            council=council,
            name="Personal care",
            slug="personal-care",
            safeguarding_tier=SafeguardingTier.REGULATED_CARE,
        ),
    }


@pytest.fixture
def owner(provider_user):
    """The root actor `provider_member`'s person: the owner of `provider`."""
    return provider_user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_member(council):
    """A member of a different provider in the same council."""
    return ProviderMemberFactory(provider=ProviderFactory(council=council)).user


@pytest.fixture
def newcomer(council):
    """Someone who has just signed up (as a resident, no profile yet) and may register a provider."""
    return UserFactory(role=User.Role.RESIDENT, council=council)


def make_provider(council, kind: str, **kwargs) -> Provider:
    defaults = {"verification_status": Provider.Verification.UNVERIFIED, "clearance": ""}
    defaults.update(kwargs)
    return ProviderFactory(council=council, kind=kind, **defaults)
