"""Many councils on many workers: two real Celery worker processes on a real
Redis run two councils' batches at the same time, and one council's batch
never runs twice at once (its advisory lock, ADR 0005).

Deterministic, not timing-based: the test holds council A's matching lock from
its own PostgreSQL session, so A's batch waits on one worker; council B's
batch must then be proposed by the *other* worker while A still waits. When
the lock is released A's batch runs, exactly once.
"""

from __future__ import annotations

import os

import pytest

from matching.models import Match, MatchRun
from matching.tests.test_worker_outage import CouncilLock
from platform_core.services import MATCH_COUNCIL_TASK
from platform_core.tests.factories import CouncilFactory, ServiceCategoryFactory
from platform_core.tests.live_services import start_worker, stop_process_group, wait_for
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_workers(transactional_db, redis_server, publish_to, shared_cache, tmp_path):
    """Two `celery worker` processes (solo pool, one task at a time each, no beat)."""
    started = []
    for name in ("one", "two"):
        log = open(tmp_path / f"worker-{name}.log", "w")  # noqa: SIM115 - closed in teardown
        process = start_worker(
            redis_url=redis_server.url,
            cache_prefix=shared_cache,
            log=log,
            args=[
                *("--pool", "solo", "--concurrency", "1", "--without-mingle", "--without-gossip"),
                *("--loglevel", "INFO", "--hostname", f"councils-{name}-{os.getpid()}@%h"),
            ],
        )
        started.append((process, log))
    yield [p for p, _ in started]
    for process, log in started:
        stop_process_group(process)
        log.close()


def _market(council, needs: int) -> list[Need]:
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    ProviderMemberFactory(provider=provider)
    OfferFactory(provider=provider, categories=[category], capacity=needs)
    resident = ResidentFactory(council=council)
    return [NeedFactory(resident=resident, category=category) for _ in range(needs)]


def _proposed(needs: list[Need]) -> int:
    return Match.objects.filter(need__in=needs).count()


def test_two_councils_are_matched_at_once_on_two_workers_and_one_council_never_twice(
    two_workers, publish_to, redis_server, tmp_path
):
    council_a, council_b = CouncilFactory(), CouncilFactory()
    needs_a, needs_b = _market(council_a, 3), _market(council_b, 3)
    lock = CouncilLock(council_a.pk)
    try:
        lock.hold()  # A's batch will wait for this lock on whichever worker takes it
        # A first, then B, then A again: prefetch 1, so each worker holds one task
        publish_to.send_task(MATCH_COUNCIL_TASK, args=(council_a.pk,))
        wait_for(
            lambda: MatchRun.objects.filter(council=council_a, status=MatchRun.Status.SKIPPED).exists(),
            timeout=60,
            what="A's batch to find its council locked",
            log=tmp_path / "worker-one.log",
        )
        publish_to.send_task(MATCH_COUNCIL_TASK, args=(council_b.pk,))
        wait_for(lambda: _proposed(needs_b) == 3, timeout=60, what="B's proposals", log=tmp_path / "worker-two.log")
        # B was matched while A's batch still waited on A's lock: two workers at once
        assert _proposed(needs_a) == 0
        waiting = MatchRun.objects.filter(council=council_a, status=MatchRun.Status.SKIPPED)
        b_run = MatchRun.objects.get(council=council_b, status=MatchRun.Status.FINISHED)
        assert waiting.exists() and b_run.worker
        assert {r.worker for r in waiting} == {waiting.first().worker}
        assert b_run.worker not in {r.worker for r in waiting}
        assert waiting.order_by("started_at").first().started_at < b_run.finished_at
        # a second batch for A while the first waits: never two at once for one council
        publish_to.send_task(MATCH_COUNCIL_TASK, args=(council_a.pk,))
    finally:
        lock.release()
        lock.close()
    wait_for(lambda: _proposed(needs_a) == 3, timeout=60, what="A's proposals", log=tmp_path / "worker-one.log")
    # A's batches ran one at a time: exactly one proposed A's needs, each once
    assert Match.objects.filter(need__in=needs_a).count() == 3
    finished = MatchRun.objects.filter(council=council_a, status=MatchRun.Status.FINISHED)
    assert sorted(r.matched for r in finished if r.matched) == [3]
