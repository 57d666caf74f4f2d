"""A worker that loses Redis while a batch holds its message unacknowledged
stays alive, and every need posted around the outage is proposed.

The worker runs as in production (prefork, two processes, beat embedded, no
gossip or mingle) on a redis-server this test owns. Each round the test holds
the council's matching lock, so the batch a posted need queues waits in the
worker with its message unacknowledged (tasks are acknowledged late) while the
other process's BRPOP is in flight: the state in which Celery 5.7.0 and kombu
5.7.0 died with `AttributeError: 'NoneType' object has no attribute 'hostname'`
(ADR 0010). Redis is stopped, a need is posted into the outage, Redis comes
back, the lock is released. Ten rounds in one worker's life.
"""

from __future__ import annotations

import json
import os
import time

import psycopg2
import pytest
import redis

from matching.runner import LOCK_NAMESPACE
from matching.tests.test_celery import _post, _proposed
from platform_core.tests.factories import ServiceCategoryFactory
from platform_core.tests.live_services import (
    database_url,
    start_worker,
    stop_process_group,
    wait_for,
)
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import ResidentFactory

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 10
MATCH_COUNCIL_TASK = "matching.tasks.match_council_task"


@pytest.fixture
def worker(transactional_db, redis_server, publish_to, shared_cache, tmp_path):
    """A worker as in production (prefork, two processes) with beat; this process
    publishes to, and caches in, the same Redis, as the web does."""
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = start_worker(
            redis_url=redis_server.url,
            cache_prefix=shared_cache,
            log=log,
            args=[
                *("-B", "--schedule", str(tmp_path / "beat-schedule"), "--pool", "prefork", "--concurrency", "2"),
                *("--without-mingle", "--without-gossip", "--loglevel", "INFO"),
                *("--hostname", f"outage-test-{os.getpid()}@%h"),
            ],
        )
        process.log_path = log_path
        yield process
        stop_process_group(process)


class CouncilLock:
    """The council's matching lock, held from another PostgreSQL session: a batch waits for it."""

    def __init__(self, council_id: int):
        self.council_id = council_id
        self.connection = psycopg2.connect(database_url())
        self.connection.autocommit = True

    def hold(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.council_id])

    def release(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, self.council_id])

    def close(self) -> None:
        self.connection.close()


def _unacked_batches(url: str) -> int:
    """Batches the worker has taken from Redis and not yet acknowledged (kombu's `unacked` hash)."""
    try:
        held = redis.Redis.from_url(url, socket_timeout=1).hvals("unacked")
    except redis.ConnectionError:
        return 0
    return sum(json.loads(raw)[0]["headers"].get("task") == MATCH_COUNCIL_TASK for raw in held)


def test_the_worker_survives_ten_outages_while_a_batch_holds_its_message(council, redis_server, worker):
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    ProviderMemberFactory(provider=provider)
    OfferFactory(provider=provider, categories=[category], capacity=3 * ROUNDS)
    resident = ResidentFactory(council=council)

    lock = CouncilLock(council.pk)
    posted = []
    try:
        for round_number in range(1, ROUNDS + 1):
            lock.hold()
            posted.append(_post(resident, category))
            wait_for(
                lambda: _unacked_batches(redis_server.url) >= 1,
                timeout=30,
                what=f"round {round_number}: the worker to take the batch",
                worker=worker,
                log=worker.log_path,
            )

            redis_server.stop()
            posted.append(_post(resident, category))  # into the outage: stored, nothing published
            time.sleep(1)
            redis_server.start()
            lock.release()

            wait_for(
                lambda: _proposed(posted) == len(posted),
                timeout=30,
                what=f"round {round_number}: a proposal for every need posted so far",
                worker=worker,
                log=worker.log_path,
            )
            assert worker.poll() is None, f"the worker exited in round {round_number}"
    finally:
        lock.close()

    log = worker.log_path.read_text()
    assert log.count("Connection to broker lost") >= ROUNDS, "the outages never reached the worker"
    assert "Unrecoverable error" not in log
    assert worker.poll() is None
