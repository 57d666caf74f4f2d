"""One door for staff: the admin signs in through allauth (rate limits,
lock-out, the second factor), and no admin page opens without two-factor.
Lock-out after repeated failures holds on every sign-in form."""

from __future__ import annotations

import time

import pytest
from django.contrib import admin
from django.urls import reverse

from platform_core.tests.factories import PASSWORD, UserFactory
from platform_core.tests.two_factor import give_totp, sign_in_with_two_factor, totp_code

pytestmark = pytest.mark.django_db

LOCK_OUT_SECONDS = 5 * 60  # allauth's "5/5m/key" for login_failed (settings.ACCOUNT_RATE_LIMITS)


def _admin_pages() -> list[str]:
    """Every admin page: the index, each app's index, and each registered model's
    list, add, change, history and delete pages (for object 1: the door is
    refused before any object is looked up)."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse("admin:app_list", kwargs={"app_label": meta.app_label}))
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        urls += [reverse(f"{prefix}_{page}", args=[1]) for page in ("change", "history", "delete")]
    return sorted(set(urls))


ADMIN_PAGES = _admin_pages()


@pytest.fixture
def staff():
    user = UserFactory(email="ops@convene.test", role="admin", is_staff=True, is_superuser=True)
    give_totp(user)
    return user


def test_the_admin_has_no_password_form_of_its_own(client, staff):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("cache", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
def test_twelve_failed_admin_logins_lock_the_account_even_for_the_right_password(client, staff, monkeypatch, cache):
    door = client.get(reverse("admin:index"), follow=True).redirect_chain
    login_url = door[-1][0]  # /admin/ -> /admin/login/ -> allauth's sign-in, next=/admin/
    assert login_url.startswith(reverse("account_login")) and "next=" in login_url
    for n in range(12):
        response = client.post(login_url, {"login": staff.email, "password": f"wrong-password-{n}"})
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in client.session
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "too many" in response.content.decode().lower()
    assert not response.get("Location", "").startswith(reverse("mfa_authenticate"))

    # Still refused just before the period ends; let in (with the code) just after.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + LOCK_OUT_SECONDS - 30)
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert "too many" in response.content.decode().lower()
    monkeypatch.setattr(time, "time", lambda: now + LOCK_OUT_SECONDS + 60)
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate"))
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_staff_user_without_two_factor_reaches_no_admin_page(client, url):
    staff = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_staff_user_who_did_not_use_their_second_factor_reaches_no_admin_page(client, staff, url):
    client.force_login(staff)  # records no second factor
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200  # the code page itself opens


def test_staff_signed_in_with_two_factor_reach_the_admin(client, staff):
    sign_in_with_two_factor(client, staff)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:platform_core_user_changelist")).status_code == 200


def test_someone_signed_in_who_is_not_staff_is_refused_the_admin(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


# --- lock-out on every sign-in form ------------------------------------------------------------


def _refused(response) -> bool:
    return "too many" in response.content.decode().lower()


def test_the_code_form_at_sign_in_locks_after_repeated_wrong_codes(client, staff):
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    for _ in range(5):
        assert not _refused(client.post(reverse("mfa_authenticate"), {"code": "000000"}))
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert _refused(response)
    assert "_auth_user_id" not in client.session


def test_re_entering_the_password_locks_after_repeated_failures(client, staff):
    client.force_login(staff)
    for n in range(5):
        assert not _refused(client.post(reverse("account_reauthenticate"), {"password": f"wrong-{n}"}))
    assert _refused(client.post(reverse("account_reauthenticate"), {"password": PASSWORD}))


def test_re_entering_the_code_locks_after_repeated_wrong_codes(client, staff):
    client.force_login(staff)
    for _ in range(5):
        assert not _refused(client.post(reverse("mfa_reauthenticate"), {"code": "000000"}))
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    assert _refused(response)
    assert client.get(reverse("admin:index")).status_code == 302  # still no second factor in this session


def test_staff_can_see_and_revoke_a_token_but_not_make_one(client, staff):
    from platform_core.models import ApiToken
    from platform_core.tests.factories import ApiTokenFactory

    token = ApiTokenFactory(name="Left the council")
    sign_in_with_two_factor(client, staff)
    assert "Left the council" in client.get(reverse("admin:platform_core_apitoken_changelist")).content.decode()
    assert client.get(reverse("admin:platform_core_apitoken_add")).status_code == 403
    delete = reverse("admin:platform_core_apitoken_delete", args=[token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get(reverse("residents_api:need_list"), HTTP_AUTHORIZATION=f"Token {token.secret}").status_code == 401
