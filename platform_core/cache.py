"""The shared cache, which must never turn a Redis outage into an error page.

`FailSoftRedisCache` is Django's own `RedisCache`; when Redis cannot be reached
it serves every call from a memory cache private to this process, logs that
loudly once, and tries Redis again after `RETRY_SECONDS`. Rate limits (allauth's
sign-in, sign-up and reset limits, DRF throttles), two-factor replay guards,
locks and "run queued" flags therefore keep working during an outage, counted
per process instead of across the service. Why this and not django-redis'
`IGNORE_EXCEPTIONS`: docs/decisions/0010-outages-degrade.md.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What "Redis cannot be reached" looks like; any other error (a bad value to
#: incr, a programming mistake) is raised as usual.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Shared by every thread of the process (Django makes one cache object per thread).
_lock = threading.Lock()
_down_since: dict[str, float] = {}
_retry_at: dict[str, float] = {}
# Deletes made while Redis was unreachable, replayed when it answers again: a
# deleted value (an ended session) must not come back from Redis after the outage.
_deleted_while_down: dict[str, set[tuple[Any, Any]]] = {}


class FailSoftRedisCache(RedisCache):
    #: How long to serve from memory before trying Redis again, so a request
    #: never waits on a dead server more than once per window.
    RETRY_SECONDS = 5.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server_key = str(server)
        self._local = LocMemCache(
            f"fail-soft:{self._server_key}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )

    # --- the switch ---------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while this process serves the cache from memory."""
        return self._server_key in _down_since

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        key = self._server_key
        if key in _down_since:
            if time.monotonic() < _retry_at.get(key, 0.0):
                return getattr(self._local, name)(*args, **kwargs)
            try:
                # Before anything is read again from Redis: the deletes it missed.
                self._replay_deletes()
            except UNREACHABLE as exc:
                self._mark_down(exc)
                return getattr(self._local, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as exc:
            self._mark_down(exc)
            return getattr(self._local, name)(*args, **kwargs)
        if key in _down_since:
            self._mark_up()
        return result

    def _replay_deletes(self) -> None:
        with _lock:
            pending = _deleted_while_down.pop(self._server_key, set())
        while pending:
            key_and_version = next(iter(pending))
            try:
                RedisCache.delete(self, *key_and_version)
            except UNREACHABLE:
                with _lock:
                    _deleted_while_down.setdefault(self._server_key, set()).update(pending)
                raise
            pending.discard(key_and_version)

    def _mark_down(self, exc: BaseException) -> None:
        key = self._server_key
        now = time.monotonic()
        with _lock:
            first = key not in _down_since
            _down_since.setdefault(key, now)
            _retry_at[key] = now + self.RETRY_SECONDS
        if first:
            logger.error(
                "Redis cache unreachable (%s): serving the cache from this process's memory. "
                "Rate limits, two-factor replay guards and locks now count per process, not across "
                "the service, until Redis answers again.",
                exc,
            )
        else:
            logger.debug("Redis cache still unreachable: %s", exc)

    def _mark_up(self) -> None:
        key = self._server_key
        with _lock:
            since = _down_since.pop(key, None)
            _retry_at.pop(key, None)
        if since is not None:
            # What was counted in memory is dropped: Redis is the truth again,
            # and a stale flag must not linger into the next outage.
            self._local.clear()
            logger.warning("Redis cache reachable again after %.0f s.", time.monotonic() - since)

    # --- Django's cache API, each call through the switch -----------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        result = self._call("delete", key, version)
        if self.degraded:
            with _lock:
                _deleted_while_down.setdefault(self._server_key, set()).add((key, version))
        return result

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")


def cache_is_shared() -> bool:
    """False while the cache serves from this process's memory (Redis down).

    A flag meant for another process (the "run queued" flag the worker clears)
    cannot be trusted then: nobody else will ever see or clear it.
    """
    from django.core.cache import cache

    return not getattr(cache, "degraded", False)
