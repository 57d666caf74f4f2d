"""Personal API tokens: made on the account page, shown once, stored as a
digest, expiring, revocable, and never stronger than the session that made them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import ApiToken, AuditEvent
from platform_core.tests.factories import PASSWORD, ApiTokenFactory, OfficerFactory, UserFactory
from platform_core.tests.resolver import routes_under
from platform_core.tests.two_factor import give_totp, sign_in_with_two_factor

pytestmark = pytest.mark.django_db

CONSOLE_ROUTES = routes_under("/console/", "/api/v1/console/")
CONSOLE_API_LISTS = [
    "marketplace_api:console_verification",
    "marketplace_api:console_moderation",
    "marketplace_api:console_concerns",
]


def _create(client, name="Reporting script", hours=8):
    response = client.post(reverse("account_tokens"), {"name": name, "hours": hours})
    assert response.status_code == 200, response.content.decode()[:300]
    match = re.search(r'<code class="app-token" id="token">([0-9a-f]{64})</code>', response.content.decode())
    assert match, "the new token is shown once, on the page after the form"
    return match.group(1)


def _auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_the_resolver_finds_the_console_and_its_api():
    templates = {r.template for r in CONSOLE_ROUTES}
    assert "/console/residents/<int:pk>/" in templates
    assert "/api/v1/console/concerns/<int:pk>/" in templates
    assert len(CONSOLE_ROUTES) >= 20


def test_a_token_is_shown_once_and_stored_only_as_a_digest(client):
    user = UserFactory()
    client.force_login(user)
    secret = _create(client, hours=24 * 30)
    row = ApiToken.objects.get(user=user)
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert all(secret not in value for value in stored), "no column holds the token"
    assert row.digest != secret and len(row.digest) == 128  # SHA-512
    assert row.token_key == secret[:15]  # knox's lookup prefix only
    assert row.name == "Reporting script" and not row.two_factor
    page = client.get(reverse("account_tokens")).content.decode()
    assert "Reporting script" in page and secret not in page
    assert client.get(reverse("residents_api:need_list"), **_auth(secret)).status_code == 200
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.data["token_key"] == row.token_key and secret not in str(event.data)


def test_every_token_expires_and_a_resident_cannot_ask_for_more_than_90_days(client):
    client.force_login(UserFactory())
    response = client.post(reverse("account_tokens"), {"name": "Forever", "hours": 91 * 24})
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()
    _create(client, hours=90 * 24)
    assert ApiToken.objects.get().expiry <= timezone.now() + timedelta(days=90)


def test_a_revoked_token_is_refused_at_once(client):
    user = UserFactory()
    client.force_login(user)
    secret = _create(client)
    key = ApiToken.objects.get(user=user).token_key
    assert client.get(reverse("account_token_revoke", args=[key])).status_code == 200
    assert client.post(reverse("account_token_revoke", args=[key])).status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()
    client.logout()
    response = client.get(reverse("residents_api:need_list"), **_auth(secret))
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=user).count() == 1


def test_nobody_revokes_another_persons_token(client):
    secret = ApiTokenFactory(name="Theirs").secret
    client.force_login(UserFactory())
    key = secret[:15]
    assert client.get(reverse("account_token_revoke", args=[key])).status_code == 404
    assert client.post(reverse("account_token_revoke", args=[key])).status_code == 404
    assert ApiToken.objects.filter(token_key=key).exists()


@pytest.mark.parametrize("header", ["Token \xff\xfe", "Token a b", "Token", "Token " + "0" * 64])
def test_a_malformed_or_unknown_token_is_a_401_not_a_crash(client, header):
    response = client.get(reverse("residents_api:need_list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    response = client.get(reverse("marketplace_api:console_concerns"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_an_officer_cannot_create_a_token_in_a_session_without_two_factor(client, officer):
    client.force_login(officer)  # no second factor recorded in this session
    page = client.get(reverse("account_tokens")).content.decode()
    assert "signed in without two-factor authentication" in page
    client.post(reverse("account_tokens"), {"name": "Sneaky", "hours": 8})
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("route", CONSOLE_ROUTES, ids=lambda r: r.name)
def test_an_officers_token_without_two_factor_is_refused_on_every_console_endpoint(client, officer, route):
    """Say a resident made a token, and later became an officer: the token
    carries no second factor, so no console door opens for it."""
    secret = ApiTokenFactory(user=officer, name="From before", two_factor=False).secret
    url = route.url(target_type="need")
    for method in (client.get, client.post, client.put, client.patch, client.delete):
        response = method(url, **_auth(secret))
        assert response.status_code in (401, 403), (method.__name__, url, response.status_code)


def test_an_officers_token_made_after_two_factor_works_on_the_console_api_until_it_expires(
    client, officer, monkeypatch
):
    sign_in_with_two_factor(client, officer)
    secret = _create(client, hours=8)
    token = ApiToken.objects.get(user=officer)
    assert token.two_factor
    assert token.expiry <= timezone.now() + timedelta(hours=8)
    client.logout()
    for name in CONSOLE_API_LISTS:
        assert client.get(reverse(name), **_auth(secret)).status_code == 200
    assert ApiToken.objects.get(user=officer).last_used_at is not None
    # The token never opens a page: pages go by the session.
    assert client.get(reverse("marketplace:console"), **_auth(secret)).status_code == 302

    later = timezone.now() + timedelta(hours=8, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(reverse("marketplace_api:console_concerns"), **_auth(secret))
    assert response.status_code == 401
    assert not ApiToken.objects.filter(user=officer).exists()  # knox deletes it as it meets it


def test_an_officers_token_lasts_at_most_the_councils_working_day(client, officer):
    officer.council.officer_token_hours = 4
    officer.council.save(update_fields=["officer_token_hours"])
    sign_in_with_two_factor(client, officer)
    page = client.get(reverse("account_tokens")).content.decode()
    assert 'value="4"' in page and 'value="8"' not in page and 'value="24"' not in page
    response = client.post(reverse("account_tokens"), {"name": "Long", "hours": 24})
    assert "Select a valid choice" in response.content.decode()
    _create(client, hours=4)
    assert ApiToken.objects.get().expiry <= timezone.now() + timedelta(hours=4)


def test_an_admins_token_also_needs_two_factor(client):
    admin = UserFactory(is_staff=True, is_superuser=True, role="admin")
    give_totp(admin)
    client.force_login(admin)
    client.post(reverse("account_tokens"), {"name": "Ops", "hours": 8})
    assert not ApiToken.objects.exists()
    client.logout()
    sign_in_with_two_factor(client, admin)
    _create(client, name="Ops", hours=8)
    assert ApiToken.objects.get(user=admin).two_factor


def test_a_person_has_at_most_ten_tokens(client, settings):
    user = UserFactory()
    for n in range(settings.API_TOKENS_PER_USER):
        ApiTokenFactory(user=user, name=f"Token {n}")
    client.force_login(user)
    response = client.post(reverse("account_tokens"), {"name": "One more", "hours": 24})
    assert "Revoke one you no longer use first" in response.content.decode()
    assert ApiToken.objects.filter(user=user).count() == settings.API_TOKENS_PER_USER


@pytest.mark.django_db(transaction=True)
def test_activating_an_authenticator_counts_as_the_second_factor_for_that_session(client, council):
    """An officer sent to set up TOTP goes on to the console without signing in again.

    allauth announces the new authenticator when its transaction commits, inside
    the request; a test transaction around the request would hold that back, hence transaction=True.
    """
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    from platform_core.tests.two_factor import totp_code

    officer = OfficerFactory(council=council)
    client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(officer.pk)  # a password alone: no code asked, none set up
    response = client.get(reverse("marketplace:console"))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before an authenticator is added.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("marketplace:console")).status_code == 200
