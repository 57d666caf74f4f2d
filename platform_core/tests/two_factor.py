"""Signing in as allauth really does it: password, then a TOTP code.

`client.force_login` records no second factor, so the console, the console
API and the admin refuse a session made that way; tests of those doors sign in
through the login pages with `sign_in_with_two_factor`.
"""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from platform_core.tests.factories import PASSWORD, TOTP_SECRET


def give_totp(user, secret: str = TOTP_SECRET) -> Authenticator:
    """Set up an authenticator app for `user` (as the activation page would)."""
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})


def totp_code(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


def sign_in_with_two_factor(client, user, *, password: str = PASSWORD, secret: str = TOTP_SECRET):
    """Sign `user` in on `client` with their password and a TOTP code; returns the client."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"].startswith(reverse("mfa_authenticate")), response["Location"]
    code = totp_code(secret)
    # allauth refuses a code twice in its window; a test that signs the same
    # person in twice within 30 seconds may reuse it.
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client
