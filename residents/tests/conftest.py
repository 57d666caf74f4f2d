"""Fixtures for the residents app: a Kingston resident with categories, and the other actors."""

from __future__ import annotations

import pytest

from platform_core.models import User
from platform_core.tests.factories import OfficerFactory, ServiceCategoryFactory, UserFactory
from residents.tests.factories import ResidentFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs ~0.3 s per user made by UserFactory; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def categories(council):
    return [
        ServiceCategoryFactory(council=council, name="Shopping", slug="shopping", position=1),
        ServiceCategoryFactory(council=council, name="Transport", slug="transport", position=2),
    ]


@pytest.fixture
def resident(council, kingston_postcodes, categories):
    return ResidentFactory(council=council, user__council=council)


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident.user)
    return client


@pytest.fixture
def other_resident(council):
    return ResidentFactory(council=council, user__council=council, postcode="KT2 5AU")


@pytest.fixture
def provider_user(council):
    return UserFactory(role=User.Role.PROVIDER, council=council)


@pytest.fixture
def foreign_officer(other_council):
    """An officer of another council (two-factor set up)."""
    from allauth.mfa.models import Authenticator

    user = OfficerFactory(council=other_council)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    return user
