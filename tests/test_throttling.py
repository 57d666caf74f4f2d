"""Throttling on every API endpoint and on the public Open Referral feed (platform_core/throttles.py).

Each test has a cache of its own (root conftest), so counts never leak between
tests; the `redis` tests count in the real shared cache.
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from platform_core.tests.factories import ApiTokenFactory
from residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db
# Not signed in: DRF answers 403 when the first authentication scheme (the session) has no challenge to send.
REFUSED = {401, 403}


def _assert_throttled(response, *, cors: bool = False):
    assert response.status_code == 429, response.content[:300]
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 120  # a per-minute scope: within this window and the next
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert f"try again in {wait} seconds" in error["message"]
    if cors:
        assert response["Access-Control-Allow-Origin"] == "*"


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch):
    """Ten seconds into a minute, and staying there: no window edge inside a test."""
    now = [1_800_000_010.0]
    monkeypatch.setattr("platform_core.throttles.clock", lambda: now[0])
    return now


@pytest.fixture
def rates(settings):
    """Set some scopes' rates for one test (read live on every request)."""

    def set_rates(**overrides):
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **overrides}
        settings.REST_FRAMEWORK = framework

    return set_rates


def test_61_rapid_anonymous_api_requests_get_a_429_with_retry_after(client, stopped_clock):
    statuses = {client.get("/api/v1/needs/").status_code for _ in range(60)}
    assert statuses <= REFUSED  # refused, but counted
    response = client.get("/api/v1/needs/")
    _assert_throttled(response)
    stopped_clock[0] += int(response["Retry-After"])  # waiting as told is enough
    assert client.get("/api/v1/needs/").status_code in REFUSED


def test_the_schema_and_docs_are_throttled_too(client, rates):
    rates(anon="2/min")
    assert client.get(reverse("api-schema")).status_code == 200
    assert client.get(reverse("api-docs")).status_code == 200
    response = client.get(reverse("api-schema"))  # its errors come in the schema's own format (YAML)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_a_burst_across_a_window_edge_is_still_caught(client, stopped_clock):
    stopped_clock[0] = 1_800_000_059.0  # one second before the minute's edge
    for _ in range(40):
        client.get("/api/v1/needs/")
    stopped_clock[0] = 1_800_000_061.0  # just past it: the last window still counts
    for _ in range(20):
        client.get("/api/v1/needs/")
    response = client.get("/api/v1/needs/")
    _assert_throttled(response)
    stopped_clock[0] = 1_800_000_061.0 + int(response["Retry-After"])
    assert client.get("/api/v1/needs/").status_code in REFUSED


def test_the_anonymous_limit_is_per_caller_address_across_endpoints(client):
    for i in range(60):
        client.get("/api/v1/offers/" if i % 2 else "/api/v1/needs/")
    _assert_throttled(client.get("/api/v1/matches/"))
    assert client.get("/api/v1/needs/", REMOTE_ADDR="192.0.2.7").status_code in REFUSED


def test_a_forged_forwarded_for_header_does_not_buy_a_fresh_allowance(client):
    for i in range(60):
        client.get("/api/v1/needs/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    _assert_throttled(client.get("/api/v1/needs/", HTTP_X_FORWARDED_FOR="203.0.113.1"))


def test_signed_in_requests_have_their_own_allowance(client, council, rates):
    rates(user="5/min", anon="2/min")
    client.force_login(ResidentFactory(council=council, user__council=council).user)
    for _ in range(5):
        assert client.get("/api/v1/needs/").status_code == 200
    _assert_throttled(client.get("/api/v1/needs/"))


def test_writes_have_a_tighter_allowance_than_reads(client, council, rates):
    rates(write="3/min")
    resident = ResidentFactory(council=council, user__council=council)
    client.force_login(resident.user)
    for _ in range(3):
        response = client.post("/api/v1/needs/", {}, content_type="application/json")
        assert response.status_code == 400
    _assert_throttled(client.post("/api/v1/needs/", {}, content_type="application/json"))
    assert client.get("/api/v1/needs/").status_code == 200


def test_failed_token_sign_ins_are_limited_per_address(client, council):
    for i in range(10):
        response = client.get("/api/v1/needs/", HTTP_AUTHORIZATION=f"Token {i:040d}")
        assert response.status_code in REFUSED
    _assert_throttled(client.get("/api/v1/needs/", HTTP_AUTHORIZATION="Token " + "f" * 40))


def test_a_good_token_is_counted_as_its_user_not_as_anonymous(client, council, rates):
    rates(anon="1/min")
    user = ResidentFactory(council=council, user__council=council).user
    token = ApiTokenFactory(user=user).secret
    for _ in range(3):
        assert client.get("/api/v1/needs/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_a_personal_data_export_is_limited_per_hour(client, council):
    client.force_login(ResidentFactory(council=council, user__council=council).user)
    for _ in range(10):
        assert client.get("/api/v1/me/data/").status_code == 200
    response = client.get("/api/v1/me/data/")
    _assert_throttled_hourly(response)


def _assert_throttled_hourly(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 2 * 3600


def test_the_open_referral_feed_is_throttled_per_address_and_the_429_is_never_cached(client, council):
    for _ in range(120):
        assert client.get("/openreferral/services").status_code == 200
    response = client.get("/openreferral/taxonomies")
    _assert_throttled(response, cors=True)
    assert response["Cache-Control"] == "no-store"
    assert client.get("/openreferral/services", REMOTE_ADDR="192.0.2.9").status_code == 200


def test_throttles_fail_open_and_log_when_the_cache_is_down(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with caplog.at_level(logging.ERROR, logger="platform_core.throttles"):
        for _ in range(3):
            assert client.get("/api/v1/needs/").status_code in REFUSED
            assert client.get("/openreferral/").status_code == 200
    assert "failing open" in caplog.text


def test_with_redis_down_the_fail_soft_cache_still_counts_in_this_process(client, settings):
    # ADR 0010: the shared cache falls back to this process's memory; the limit holds per process.
    settings.CACHES = {
        "default": {
            "BACKEND": "platform_core.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "KEY_PREFIX": "throttle-outage-test",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(60):
        assert client.get("/api/v1/needs/").status_code in REFUSED
    _assert_throttled(client.get("/api/v1/needs/"))


@pytest.mark.redis
def test_anonymous_requests_are_counted_in_the_shared_redis_cache(client, settings):
    from django.core.cache import caches

    statuses = [client.get("/api/v1/needs/").status_code for _ in range(61)]
    assert set(statuses[:60]) <= REFUSED
    assert statuses[60] == 429
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    assert not getattr(caches["default"], "degraded", False)  # counted in Redis, not in a fallback
    assert any(key.startswith(f"{settings.CACHES['default']['KEY_PREFIX']}:1:throttle:anon:") for key in _keys())


def _keys() -> list[str]:
    from django.core.cache import caches

    cache = caches["default"]
    client = cache._cache.get_client()
    prefix = cache.key_prefix
    return [k.decode() for k in client.scan_iter(match=f"{prefix}:*")]
