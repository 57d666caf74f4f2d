"""Throttling for the API and the public Open Referral feed, counted in the shared cache.

Each scope counts with one cache key per caller and window, raised with the
cache's atomic `incr` (one Redis INCR), so two web servers count the same
requests and concurrent requests cannot undercount; the rate is judged on a
sliding estimate over this window and the last (see `hit`). DRF's own
SimpleRateThrottle keeps a list of timestamps, read and written back whole:
concurrent requests overwrite each other's entries, which is when a limit
matters most.

Only Django's cache API is used: during a Redis outage the shared cache counts
in this process's memory (platform_core.cache, ADR 0010), so the limits still
hold per process; if the cache raises all the same, a throttle lets the request
through and logs an error rather than take the API down (ADR 0013).

Rates are in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] and are read on every
request (DRF binds them at import time), so a deployment or a test can change them.
Scopes (see docs/security.md):
  anon          every request by someone not signed in, per client address,
                including those refused with 401 before the view ran;
  user          every request by a signed-in person or token, per person;
  write         POST, PUT, PATCH and DELETE, per person;
  sign-in       anything that checks a secret: failed token authentication per
                address, a password re-entered to erase an account;
  erase         account erasure, per person;
  export        a full personal-data export, per person;
  openreferral  the public feed, per client address.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

# Set on the request once its throttles have been counted, so the exception
# handler can count requests refused before DRF reached its throttle check.
COUNTED = "_convene_throttles_counted"


def _parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count), seconds


def rate_for(scope: str) -> str | None:
    return api_settings.DEFAULT_THROTTLE_RATES.get(scope)


def client_ident(request) -> str:
    """The caller's address; X-Forwarded-For is trusted only for NUM_PROXIES proxies."""
    return BaseThrottle().get_ident(request)


def clock() -> float:
    """Seconds since the epoch; a function of its own so tests can stop the clock."""
    return time.time()


def hit(*, scope: str, ident: str, now: float | None = None) -> int | None:
    """Count one request; the seconds to wait if it is over the scope's rate, else None.

    A sliding-window estimate from two fixed windows: this window's count plus the
    last window's, weighted by how much of it still lies within one period of now.
    So 61 requests in a few seconds are over 60/min even when they straddle a
    window's edge. Every attempt counts, refused ones included.

    Fails open: with the cache unreachable, nothing is counted and None is returned.
    """
    rate = rate_for(scope)
    if not rate:
        return None
    now = clock() if now is None else now
    allowed, duration = _parse_rate(rate)
    window = int(now // duration)
    key = f"throttle:{scope}:{ident}"
    try:
        # add() is a no-op when the key exists; incr() is atomic in Redis.
        cache.add(f"{key}:{window}", 0, timeout=2 * duration + 1)
        try:
            current = cache.incr(f"{key}:{window}")
        except ValueError:  # expired between add() and incr()
            cache.add(f"{key}:{window}", 1, timeout=2 * duration + 1)
            current = 1
        previous = cache.get(f"{key}:{window - 1}") or 0
    except Exception:  # the cache is down: let the request through, loudly
        logger.exception("Throttle %s not counted: the cache is unavailable; failing open", scope)
        return None
    elapsed = now - window * duration
    weight = (duration - elapsed) / duration  # how much of the last window still counts
    if previous * weight + current <= allowed:
        return None
    # When will the next request (which counts too) fit?
    room = allowed - current - 1
    if room >= 0 and previous:
        # Later in this window: once the last window's share has faded enough.
        wait = duration * (1 - room / previous) - elapsed
    else:
        # In the next window, once this window's count has faded enough.
        wait = (duration - elapsed) + duration * max(0.0, 1 - (allowed - 1) / current)
    return max(1, math.ceil(wait))


class CacheRateThrottle(SimpleRateThrottle):
    """A DRF throttle counted by `hit`; subclasses say whose requests count (None: not counted)."""

    scope = ""

    def get_rate(self):
        return rate_for(self.scope)

    def parse_rate(self, rate):
        return _parse_rate(rate) if rate else (None, None)

    def ident_for(self, request, view) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request, view):
        ident = self.ident_for(request, view)
        return None if ident is None else str(ident)

    def allow_request(self, request, view) -> bool:
        setattr(request, COUNTED, True)
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self._wait = hit(scope=self.scope, ident=ident)
        return self._wait is None

    def wait(self):
        return self._wait


def _signed_in(request) -> bool:
    return bool(getattr(request, "user", None) and request.user.is_authenticated)


class AnonThrottle(CacheRateThrottle):
    scope = "anon"

    def ident_for(self, request, view):
        return None if _signed_in(request) else self.get_ident(request)


class UserThrottle(CacheRateThrottle):
    scope = "user"

    def ident_for(self, request, view):
        return request.user.pk if _signed_in(request) else None


class WriteThrottle(CacheRateThrottle):
    scope = "write"

    def ident_for(self, request, view):
        if request.method in SAFE_METHODS or not _signed_in(request):
            return None
        return request.user.pk


class SignInThrottle(CacheRateThrottle):
    """For views that check a password or a secret: per person when signed in, else per address."""

    scope = "sign-in"

    def ident_for(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        return f"user-{request.user.pk}" if _signed_in(request) else self.get_ident(request)


class EraseThrottle(CacheRateThrottle):
    scope = "erase"

    def ident_for(self, request, view):
        return request.user.pk if _signed_in(request) and request.method not in SAFE_METHODS else None


class ExportThrottle(CacheRateThrottle):
    scope = "export"

    def ident_for(self, request, view):
        return request.user.pk if _signed_in(request) else None


def failed_sign_in_wait(request) -> int | None:
    """Count a failed token (or other credential) check against the caller's address."""
    return hit(scope="sign-in", ident=client_ident(request))


def throttle_view(*, scope: str, headers: dict[str, str] | None = None) -> Callable:
    """Throttle a plain Django JSON view per client address: 429 in the API's error format.

    The 429 is never cached (a shared cache must not serve one caller's refusal to everyone).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            wait = hit(scope=scope, ident=client_ident(request))
            if wait is None:
                return view(request, *args, **kwargs)
            message = f"Too many requests: try again in {wait} seconds"
            response = JsonResponse({"error": {"code": "throttled", "message": message, "fields": {}}}, status=429)
            response["Retry-After"] = str(wait)
            response["Cache-Control"] = "no-store"
            for name, value in (headers or {}).items():
                response[name] = value
            return response

        return wrapper

    return decorator
