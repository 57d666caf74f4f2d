"""Access to every console URL, generated from the URL resolver: a console page
added later is covered without anyone having to remember to add it here."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marketplace.tests.conftest import build_market
from platform_core.tests.factories import kingston, sutton
from platform_core.tests.two_factor import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


# The two markets are built once for the module's 200 cases (each case's writes are
# rolled back after it); the people who ask are made per case, on the same councils.
@pytest.fixture(scope="module")
def council(module_db):
    return kingston()


@pytest.fixture(scope="module")
def other_council(module_db):
    return sutton()


@pytest.fixture(scope="module")
def market(council):
    return build_market(council)


@pytest.fixture(scope="module")
def other_market(other_council):
    return build_market(other_council, postcode="SM1 1AA")


def _console_patterns() -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "marketplace":
            return [p for p in entry.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError("the marketplace namespace is not mounted")


CONSOLE_NAMES = sorted(p.name for p in _console_patterns())

# Which object of a market each kwarg of each URL names.
KWARG_OBJECTS = {
    "evidence_detail": {"pk": "evidence"},
    "moderation_detail": {"target_type": "need", "pk": "need"},
    "blocked_word_delete": {"pk": "word"},
    "concern_detail": {"pk": "concern"},
    "provider_detail": {"pk": "provider"},
    "resident_detail": {"pk": "resident"},
    "resident_exclusion_add": {"pk": "resident"},
    "resident_assist": {"pk": "resident"},
    "referrer_detail": {"pk": "referrer"},
    "need_propose": {"pk": "need"},
    "category_edit": {"pk": "category"},
}


def _url(name: str, market) -> str:
    pattern = next(p for p in _console_patterns() if p.name == name)
    kwargs = {}
    for key in pattern.pattern.converters:
        source = KWARG_OBJECTS[name][key]
        kwargs[key] = source if key == "target_type" else getattr(market, source).pk
    return reverse(f"marketplace:{name}", kwargs=kwargs)


def test_every_console_url_with_arguments_is_mapped_to_an_object():
    for pattern in _console_patterns():
        for key in pattern.pattern.converters:
            assert key in KWARG_OBJECTS.get(pattern.name, {}), f"{pattern.name}: tell this test what {key} names"


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_anonymous_visitor_is_sent_to_log_in(client, name, market):
    for method in (client.get, client.post):
        response = method(_url(name, market))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_resident_gets_403(client, name, market, resident_user):
    client.force_login(resident_user)
    assert client.get(_url(name, market)).status_code == 403
    assert client.post(_url(name, market)).status_code == 403


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_provider_member_gets_403(client, name, market):
    client.force_login(market.member)
    assert client.get(_url(name, market)).status_code == 403


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_officer_without_two_factor_is_sent_to_set_it_up(client, name, market, officer_without_two_factor):
    client.force_login(officer_without_two_factor)
    response = client.get(_url(name, market))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_officer_with_an_authenticator_who_did_not_use_it_this_session_is_asked_for_a_code(
    client, name, market, officer
):
    client.force_login(officer)  # a session that recorded no second factor
    for method in (client.get, client.post):
        response = method(_url(name, market))
        assert response.status_code == 302
        assert response.url.startswith(reverse("mfa_reauthenticate"))


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_officer_of_another_council_sees_nothing_of_this_one(client, name, market, other_market, other_officer):
    sign_in_with_two_factor(client, other_officer)
    url = _url(name, market)
    if any(KWARG_OBJECTS.get(name, {})):
        assert client.get(url).status_code in (404, 405)  # 405: a POST-only action refuses GET first
        assert client.post(url, {"reason": "x" * 20, "action": "hide", "decision": "approve"}).status_code == 404
    else:
        # Pages without an object in the URL are lists: they show only the officer's own council.
        response = client.get(url, {"q": market.provider.name})
        assert response.status_code == 200
        body = response.content.decode()
        secrets = [_url(n, market) for n in KWARG_OBJECTS] + [market.concern.description, market.word.word]
        for secret in secrets:
            assert secret not in body


@pytest.mark.parametrize("name", CONSOLE_NAMES)
def test_officer_of_the_council_can_open_every_page(officer_client, name, market):
    response = officer_client.get(_url(name, market))
    assert response.status_code in (200, 405)  # 405: the POST-only actions


CONSOLE_API = ["console_verification", "console_moderation", "console_concerns"]


@pytest.mark.parametrize("name", CONSOLE_API)
def test_console_api_refuses_everyone_but_officers_with_two_factor(client, name, market, resident_user, officer):
    url = reverse(f"marketplace_api:{name}")
    assert client.get(url).status_code in (401, 403)
    client.force_login(resident_user)
    assert client.get(url).status_code == 403
    client.force_login(officer)  # no second factor in this session
    assert client.get(url).status_code == 403
    client.logout()
    sign_in_with_two_factor(client, officer)
    assert client.get(url).status_code == 200


def test_console_api_concern_of_another_council_is_404(client, market, other_officer, other_market):
    sign_in_with_two_factor(client, other_officer)
    url = reverse("marketplace_api:console_concern_detail", kwargs={"pk": market.concern.pk})
    assert client.get(url).status_code == 404
    listed = client.get(reverse("marketplace_api:console_concerns")).json()
    assert [c["id"] for c in listed["results"]] == [other_market.concern.pk]
