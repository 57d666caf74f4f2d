"""Fixtures for the residents app, on the root actors: Kingston's categories,
another resident, and a client signed in as the resident."""

from __future__ import annotations

import pytest

from platform_core.tests.factories import ServiceCategoryFactory
from residents.tests.factories import ResidentFactory


@pytest.fixture
def categories(council):
    return [
        ServiceCategoryFactory(council=council, name="Shopping", slug="shopping", position=1),
        ServiceCategoryFactory(council=council, name="Transport", slug="transport", position=2),
    ]


@pytest.fixture
def resident(resident, categories):
    """The root actor, in a council that has its categories (the question pages list them)."""
    return resident


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident.user)
    return client


@pytest.fixture
def other_resident(council):
    return ResidentFactory(council=council, user__council=council, postcode="KT2 5AU")
