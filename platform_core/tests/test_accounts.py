"""Accounts: sign-up with e-mail verification, login, two-factor for officers, rate limits."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from platform_core.models import User
from platform_core.tests.factories import PASSWORD, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(client, email="new.resident@example.org"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "full_name": "Nora Newcomer",
            "role": User.Role.RESIDENT,
        },
    )


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_sign_up_sends_a_verification_email_and_verified_user_can_log_in(
    client, django_capture_on_commit_callbacks, tasks_inline
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_up(client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert tasks_inline == ["platform_core.tasks.email_send_task"]  # sent by a task, not inside the request
    user = User.objects.get(email="new.resident@example.org")
    assert user.full_name == "Nora Newcomer"
    assert user.role == User.Role.RESIDENT

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)
    assert client.post(link).status_code == 302
    client.logout()

    response = _login(client, "new.resident@example.org")
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # routed to the resident's own pages
    assert int(client.session["_auth_user_id"]) == user.pk


def test_unverified_user_cannot_log_in(client):
    _sign_up(client, email="not.verified@example.org")
    client.logout()
    response = _login(client, "not.verified@example.org")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]


def test_officer_without_two_factor_is_sent_to_set_it_up_and_cannot_see_an_officer_page(client, council):
    officer = OfficerFactory(council=council)
    client.force_login(officer)
    response = client.get(reverse("marketplace:console"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_officer_with_two_factor_reaches_the_console(officer_client):
    assert officer_client.get(reverse("marketplace:console")).status_code == 200


def test_resident_cannot_see_an_officer_page(client):
    client.force_login(UserFactory())
    assert client.get(reverse("marketplace:console")).status_code == 403


@pytest.mark.parametrize("cache", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
def test_eleventh_rapid_failed_login_from_one_address_is_refused(client, cache):
    UserFactory(email="real.person@example.org")
    # Ten different accounts from one address, so the per-account limit (5) is not what trips.
    for n in range(10):
        response = _login(client, f"guess{n}@example.org", "wrong-password-123", REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200
        assert "too many" not in response.content.decode().lower()
    response = _login(client, "real.person@example.org", REMOTE_ADDR="203.0.113.9")
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "too many" in response.content.decode().lower()


def test_login_does_not_reveal_whether_an_account_exists(client):
    UserFactory(email="exists@example.org")
    known = _login(client, "exists@example.org", "wrong-password-123").content.decode()
    unknown = _login(client, "nobody@example.org", "wrong-password-123").content.decode()
    message = "The email address and/or password you specified are not correct."
    assert message in known
    assert message in unknown
