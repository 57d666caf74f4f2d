"""A real Celery worker (with its beat) on a real Redis, against the test database.

The test starts its own redis-server on a free port, so stopping it never
touches the shared server (the fixtures, shared with the other worker tests,
are in the root conftest). Posting a need must produce a proposal with nobody
calling the engine; with Redis down, posting must still return at once, and
once Redis is back the beat's sweep proposes for every need posted meanwhile.
"""

from __future__ import annotations

import time

import pytest

from matching.models import Match
from platform_core.tests.factories import ServiceCategoryFactory
from platform_core.tests.live_services import wait_for
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.services import need_post
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _market(council):
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    ProviderMemberFactory(provider=provider)
    OfferFactory(provider=provider, categories=[category], capacity=10)
    return category, ResidentFactory(council=council)


def _post(resident, category) -> Need:
    """A resident posts a need through the residents' own service; nobody calls the engine."""
    draft = NeedFactory(resident=resident, category=category, status=Need.Status.DRAFT, posted_at=None)
    return need_post(need=draft)


def _proposed(needs) -> int:
    return Match.objects.filter(need__in=needs, status=Match.Status.PROPOSED).count()


def test_a_real_worker_proposes_for_posted_needs_and_survives_a_redis_outage(
    council, celery_worker, redis_server, tmp_path
):
    log = tmp_path / "worker.log"
    category, resident = _market(council)

    first = _post(resident, category)
    took = wait_for(
        lambda: _proposed([first]) == 1, timeout=30, what="the first proposal", worker=celery_worker, log=log
    )

    redis_server.stop()
    during_outage = []
    for _ in range(5):
        started = time.monotonic()
        during_outage.append(_post(resident, category))
        # A hang check, not a speed check: a publish that retried on the dead broker
        # would block for minutes; 20 s stays clear of a loaded 2-core CI machine.
        assert time.monotonic() - started < 20, "posting must not hang while the broker is down"
    assert all(n.status == Need.Status.OPEN for n in during_outage)
    assert _proposed(during_outage) == 0

    redis_server.start()
    recovered = wait_for(
        lambda: _proposed(during_outage) == 5,
        timeout=40,
        what="proposals for the 5 needs posted while Redis was down",
        worker=celery_worker,
        log=log,
    )
    print(f"first proposal after {took:.1f} s; 5 proposals {recovered:.1f} s after Redis came back")
