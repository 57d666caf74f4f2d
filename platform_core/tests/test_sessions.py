"""Sessions read through the cache, from the database when the cache is not shared (ADR 0020, ADR 0010)."""

from __future__ import annotations

import signal
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from platform_core.cache import FailSoftRedisCache
from platform_core.sessions import SessionStore
from platform_core.tests.factories import UserFactory
from platform_core.tests.live_services import fail_soft_cache

pytestmark = pytest.mark.django_db


def _session_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_page_reads_the_session_from_the_cache(client):
    client.force_login(UserFactory())
    client.get(reverse("notifications"))
    assert _session_queries(client, reverse("notifications")) == []


@pytest.fixture
def redis_cache(settings, redis_server, monkeypatch):
    settings.CACHES = fail_soft_cache(redis_server.url, f"sessions-{uuid.uuid4().hex}")
    monkeypatch.setattr(FailSoftRedisCache, "RETRY_SECONDS", 0.0)  # try Redis on every call
    return redis_server


@pytest.mark.redis
def test_with_redis_stopped_the_session_comes_from_the_database(client, redis_cache):
    client.force_login(UserFactory())
    assert _session_queries(client, reverse("notifications")) == []
    redis_cache.stop()
    assert _session_queries(client, reverse("notifications"))  # still signed in: read from the database


@pytest.mark.redis
def test_a_session_ended_while_redis_is_unreachable_stays_ended(client, redis_cache):
    """Redis frozen (its data kept), the person signs out: when Redis answers
    again, the copy it still holds is deleted before anyone can use it."""
    client.force_login(UserFactory())
    client.get(reverse("notifications"))
    old = client.cookies["sessionid"].value
    assert cache.get(SessionStore.cache_key_prefix + old) is not None
    redis_cache.process.send_signal(signal.SIGSTOP)
    try:
        client.post(reverse("account_logout"))
    finally:
        redis_cache.process.send_signal(signal.SIGCONT)
    client.cookies["sessionid"] = old
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert cache.get(SessionStore.cache_key_prefix + old) is None
