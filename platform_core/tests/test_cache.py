"""platform_core.cache.FailSoftRedisCache on a redis-server the test stops and starts."""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from platform_core.cache import FailSoftRedisCache, cache_is_shared
from platform_core.tests.live_services import fail_soft_cache

pytestmark = pytest.mark.redis


@pytest.fixture(autouse=True)
def _cache_on_the_tests_redis(settings, redis_server, monkeypatch):
    monkeypatch.setattr(FailSoftRedisCache, "RETRY_SECONDS", 0.2)
    settings.CACHES = fail_soft_cache(redis_server.url, f"cache-test-{uuid.uuid4().hex}")


def test_the_cache_serves_from_memory_while_redis_is_down_then_from_redis_again(redis_server, caplog):
    from django.core.cache import cache

    cache.set("kept", "in Redis")
    redis_server.stop()

    with caplog.at_level(logging.DEBUG, logger="platform_core.cache"):
        assert cache.get("kept") is None  # Redis is out of reach; memory never had it
        assert cache.add("lock", 1) is True
        assert cache.add("lock", 1) is False  # a lock still excludes, within this process
        assert not cache_is_shared()
        time.sleep(0.3)
        assert cache.get("lock") == 1  # Redis tried again, still down: memory still answers
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "one loud line per outage, not one per call"
    assert "per process" in errors[0].getMessage()

    redis_server.start()
    time.sleep(0.3)
    with caplog.at_level(logging.WARNING, logger="platform_core.cache"):
        assert cache.add("lock", 1) is True  # Redis again (restarted empty); memory dropped
    assert cache_is_shared()
    assert "reachable again" in caplog.records[-1].getMessage()


def test_an_error_that_is_not_an_outage_is_raised(redis_server):
    from django.core.cache import cache

    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache_is_shared()
