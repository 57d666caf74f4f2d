"""`Cache-Control: no-store, private` on every response that may carry personal data.

The rule (docs/decisions/0012-no-store-for-personal-data.md): every response to a
signed-in request (session or API token) and every account page; anonymous
public responses keep the caching their view asks for.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from matching.tests.factories import MatchFactory
from platform_core.models import User
from platform_core.tests.factories import ApiTokenFactory
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = pytest.mark.django_db

PHONE = "07700 900456"


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives and "public" not in directives


@pytest.fixture
def confirmed_match(council, kingston_postcodes):
    """A match the resident confirmed: their phone is now on the provider's page."""
    resident = ResidentFactory(council=council, user__council=council, phone=PHONE)
    provider = ProviderFactory(council=council)
    member = ProviderMemberFactory(provider=provider).user
    match = MatchFactory(need=NeedFactory(resident=resident), offer=OfferFactory(provider=provider), confirmed=True)
    return match, member, resident


def test_a_confirmed_match_page_with_the_residents_phone_is_not_stored(client, confirmed_match):
    match, member, _ = confirmed_match
    client.force_login(member)
    response = client.get(reverse("matching:detail", args=[match.pk]))
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert _no_store(response)


def test_the_api_match_with_contact_details_is_not_stored(client, confirmed_match):
    match, member, _ = confirmed_match
    client.force_login(member)
    response = client.get(f"/api/v1/matches/{match.pk}/")
    assert response.status_code == 200
    assert response.json()["contact_details"]["phone"] == PHONE
    assert _no_store(response)


def test_a_token_authenticated_api_response_is_not_stored(client, confirmed_match):
    match, member, _ = confirmed_match
    token = ApiTokenFactory(user=member).secret
    response = client.get(f"/api/v1/matches/{match.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert _no_store(response)


def test_the_consoles_person_page_is_not_stored(officer_client, council):
    resident = ResidentFactory(council=council, user__council=council, phone=PHONE)
    response = officer_client.post(
        reverse("marketplace:resident_detail", args=[resident.pk]), {"reason": "Safeguarding call from the GP"}
    )
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert _no_store(response)


def test_a_personal_data_export_is_not_stored(client, council):
    resident = ResidentFactory(council=council, user__council=council, phone=PHONE)
    client.force_login(resident.user)
    for response in (client.get("/api/v1/me/data/"), client.post(reverse("account_data"))):
        assert response.status_code == 200
        assert PHONE in response.content.decode()
        assert _no_store(response)


def test_account_pages_are_not_stored_even_when_signed_out(client, db):
    for name in ("account_login", "account_signup", "account_reset_password"):
        assert _no_store(client.get(reverse(name)))


def test_a_signed_in_request_to_the_public_feed_is_not_stored_but_an_anonymous_one_is_public(client, council):
    anonymous = client.get("/openreferral/services")
    assert "public" in anonymous["Cache-Control"]
    assert "no-store" not in anonymous["Cache-Control"]
    resident = ResidentFactory(council=council, user__council=council)
    client.force_login(resident.user)
    assert _no_store(client.get("/openreferral/services"))


def _pages_without_arguments() -> list[str]:
    """Every named page and endpoint that needs no URL arguments, from the resolver."""
    paths: list[str] = []

    def walk(patterns, namespace: str | None, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                try:
                    paths.append(reverse(name))
                except Exception:  # noqa: BLE001, S112 - regex routes reverse only with their own arguments
                    continue

    walk(get_resolver().url_patterns, None, "")
    return sorted(set(paths) - {"/admin/logout/", "/accounts/logout/"})


@pytest.mark.parametrize("role", [User.Role.RESIDENT, User.Role.PROVIDER, User.Role.OFFICER])
def test_every_page_and_endpoint_is_not_stored_for_a_signed_in_person(client, council, officer, role):
    if role == User.Role.OFFICER:
        user = officer
    elif role == User.Role.RESIDENT:
        user = ResidentFactory(council=council, user__council=council).user
    else:
        user = ProviderMemberFactory(provider=ProviderFactory(council=council)).user
    client.force_login(user)
    paths = _pages_without_arguments()
    assert "/console/" in paths and "/api/v1/needs/" in paths  # the walk found the doors
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert _no_store(response), (path, response.status_code, response.get("Cache-Control"))
