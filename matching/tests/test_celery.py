"""A real Celery worker (with its beat) on a real Redis, against the test database.

The test starts its own redis-server on a free port, so stopping it never
touches the shared server. Posting a need must produce a proposal with nobody
calling the engine; with Redis down, posting must still return at once, and
once Redis is back the beat's sweep proposes for every need posted meanwhile.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from matching.models import Match
from platform_core.tests.factories import ServiceCategoryFactory
from platform_core.tests.live_services import (
    celery_publishing_to,
    fail_soft_cache,
    running_redis,
    start_worker,
    stop_process_group,
)
from platform_core.tests.live_services import database_url as _database_url  # noqa: F401 - other modules import it
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

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def redis_server(tmp_path):
    """As the root conftest's; defined here too because other Celery test modules import it."""
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def publish_to(redis_server):
    """Point this process's Celery producer at the test's Redis, and back afterwards."""
    with celery_publishing_to(redis_server.url) as app:
        yield app


@pytest.fixture
def shared_cache(settings, redis_server):
    """Web and worker share one cache (the "run queued" flag lives there), as in production."""
    prefix = f"matching-test-{os.getpid()}"
    settings.CACHES = fail_soft_cache(redis_server.url, prefix)
    return prefix


@pytest.fixture
def celery_worker(transactional_db, redis_server, publish_to, shared_cache, tmp_path):
    """`celery -A platform_core worker -B` on the test database and the test's Redis."""
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in teardown
    process = start_worker(
        redis_url=redis_server.url,
        cache_prefix=shared_cache,
        log=log,
        args=[
            *("-B", "--schedule", str(tmp_path / "beat-schedule"), "--concurrency", "1", "--pool", "solo"),
            *("--without-mingle", "--without-gossip", "--loglevel", "INFO"),
            *("--hostname", f"matching-test-{os.getpid()}@%h"),
        ],
    )
    yield process
    stop_process_group(process)
    log.close()
    if os.environ.get("MATCHING_TEST_SHOW_WORKER_LOG"):
        print((tmp_path / "worker.log").read_text())


def _wait_for(predicate, *, timeout: float, what: str, worker=None, log: Path | None = None) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        if worker is not None and worker.poll() is not None:
            break
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{tail}")


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
    took = _wait_for(
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
    recovered = _wait_for(
        lambda: _proposed(during_outage) == 5,
        timeout=40,
        what="proposals for the 5 needs posted while Redis was down",
        worker=celery_worker,
        log=log,
    )
    print(f"first proposal after {took:.1f} s; 5 proposals {recovered:.1f} s after Redis came back")
