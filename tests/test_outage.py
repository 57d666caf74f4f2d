"""With Redis stopped, people can still sign in, sign up, reset a password, read
their pages and post a need; nobody is signed out; /healthz names the broker.

Each test points the cache and the Celery broker at a redis-server it owns and
stops it (ADR 0010). The cache is the production backend
(platform_core.cache.FailSoftRedisCache), so rate limits count in memory.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from platform_core.models import OutgoingEmail, User
from platform_core.services import email_send_pending
from platform_core.tests.factories import PASSWORD, OfficerFactory, ServiceCategoryFactory, UserFactory
from platform_core.tests.live_services import (
    celery_publishing_to,
    fail_soft_cache,
)
from residents.models import Need
from residents.tests.factories import ResidentFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _cache_and_broker_on_the_tests_redis(settings, redis_server):
    """Cache and broker on a redis-server this test owns; the test stops it."""
    settings.CACHES = fail_soft_cache(redis_server.url, f"outage-{uuid.uuid4().hex}")
    with celery_publishing_to(redis_server.url):
        yield


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_sign_in_works_with_redis_stopped(client, redis_server):
    user = UserFactory(email="nora@example.org")
    redis_server.stop()
    response = _login(client, "nora@example.org")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_failed_sign_ins_are_still_limited_with_redis_stopped(client, redis_server):
    """The limits fall back to a count in this process's memory: not open, not closed."""
    UserFactory(email="nora@example.org")
    redis_server.stop()
    for n in range(10):
        response = _login(client, f"guess{n}@example.org", "wrong-password-123", REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200
        assert "too many" not in response.content.decode().lower()
    response = _login(client, "nora@example.org", REMOTE_ADDR="203.0.113.9")
    assert response.status_code in (200, 429)
    assert "too many" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by it.
    assert _login(client, "nora@example.org", REMOTE_ADDR="198.51.100.1").status_code == 302


def _mail_waits_then_goes_out_with_the_sweep(pattern: str) -> None:
    """allauth's e-mails go through the outbox: stored now, sent once the beat sweeps it."""
    waiting = OutgoingEmail.objects.get(sent_at__isnull=True)
    assert re.search(pattern, waiting.body)
    assert mail.outbox == []
    assert email_send_pending(now=timezone.now() + timedelta(minutes=5)) == 1
    assert re.search(pattern, mail.outbox[0].body)


def test_sign_up_works_with_redis_stopped(client, redis_server, django_capture_on_commit_callbacks):
    redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True):  # the mail's task is published after commit, and fails
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.resident@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "full_name": "Nora Newcomer",
                "role": User.Role.RESIDENT,
            },
        )
    assert response.status_code == 302
    assert User.objects.filter(email="new.resident@example.org").exists()
    _mail_waits_then_goes_out_with_the_sweep(r"/accounts/confirm-email/")


def test_password_reset_works_with_redis_stopped(client, redis_server, django_capture_on_commit_callbacks):
    UserFactory(email="nora@example.org")
    redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nora@example.org"})
    assert response.status_code == 302
    _mail_waits_then_goes_out_with_the_sweep(r"/accounts/password/reset/key/")


def test_the_start_page_and_a_residents_dashboard_work_with_redis_stopped(client, council, redis_server):
    resident = ResidentFactory(council=council, user__council=council)
    redis_server.stop()
    assert client.get(reverse("start")).status_code == 200
    client.force_login(resident.user)
    assert client.get(reverse("residents:dashboard")).status_code == 200


def test_nobody_is_signed_out_by_an_outage(client, council, redis_server):
    resident = ResidentFactory(council=council, user__council=council)
    assert _login(client, resident.user.email).status_code == 302
    dashboard = reverse("residents:dashboard")
    assert client.get(dashboard).status_code == 200

    redis_server.stop()
    assert client.get(dashboard).status_code == 200
    redis_server.start()
    assert client.get(dashboard).status_code == 200
    assert int(client.session["_auth_user_id"]) == resident.user.pk


def test_posting_a_need_stores_it_at_once_with_redis_stopped(
    client, council, kingston_postcodes, redis_server, django_capture_on_commit_callbacks
):
    category = ServiceCategoryFactory(council=council, name="Shopping", slug="shopping")
    resident = ResidentFactory(council=council, user__council=council)
    client.force_login(resident.user)
    redis_server.stop()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # the broker is told after commit, and fails
        response = client.post(reverse("residents:need_new"), {"category": category.pk})
        need = Need.objects.get(resident=resident)
        step = lambda name: reverse(f"residents:{name}", kwargs={"reference": need.reference})  # noqa: E731
        client.post(step("need_what"), {"title": "Shopping", "description": "Carry it home from the market."})
        client.post(step("need_when"), {"timing": "one_off", "urgency": Need.Urgency.SOON})
        day = timezone.localdate() + timedelta(days=1)
        client.post(
            step("need_times"),
            {"date_day": day.day, "date_month": day.month, "date_year": day.year, "start_hour": 9, "end_hour": 12},
        )
        client.post(step("need_where"), {"where": "home"})
        client.post(step("need_preferences"), {})
        response = client.post(step("need_check"))
    assert response.status_code == 302
    assert response.url == step("need_confirmation")
    assert time.monotonic() - started < 5, "posting must not wait on the broker"
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert client.get(response.url).status_code == 200


def test_an_officer_passes_two_factor_with_redis_stopped_and_a_code_is_used_once(client, council, redis_server):
    officer = OfficerFactory(council=council)
    secret = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=officer, type=Authenticator.Type.TOTP, data={"secret": secret})
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    redis_server.stop()

    assert _login(client, officer.email)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("marketplace:console")).status_code == 200

    client.logout()
    _login(client, officer.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})  # the same code again
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_healthz_names_the_broker_when_redis_is_stopped(client, redis_server):
    assert client.get(reverse("healthz")).status_code == 200
    redis_server.stop()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
