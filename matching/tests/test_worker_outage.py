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
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings

from matching.models import Match
from matching.runner import LOCK_NAMESPACE
from platform_core.tests.factories import ServiceCategoryFactory
from platform_core.tests.live_services import RedisServer, database_url, fail_soft_cache
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

ROUNDS = 10
MATCH_COUNCIL_TASK = "matching.tasks.match_council_task"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(settings, redis_server):
    """This process publishes to, and caches in, the test's Redis, like the web would."""
    from platform_core.celery import app

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    prefix = f"outage-test-{os.getpid()}"
    settings.CACHES = fail_soft_cache(redis_server.url, prefix)
    old = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    reset_pools()
    yield prefix
    app.conf.broker_url = old
    reset_pools()


@pytest.fixture
def worker(transactional_db, redis_server, broker, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_server.url,
        "REDIS_URL": redis_server.url,
        "CACHE_KEY_PREFIX": broker,
        "MATCHING_SWEEP_SECONDS": "1",
        "CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "platform_core", "worker", "-B"),
            *("--schedule", str(tmp_path / "beat-schedule"), "--pool", "prefork", "--concurrency", "2"),
            *("--without-mingle", "--without-gossip", "--loglevel", "INFO"),
            *("--hostname", f"outage-test-{os.getpid()}@%h"),
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_path = log_path
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    log.close()


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


def _wait_for(predicate, *, timeout: float, what: str, worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    tail = worker.log_path.read_text()[-4000:]
    state = "exited" if worker.poll() is not None else "alive"
    raise AssertionError(f"{what} (worker {state})\n--- worker log ---\n{tail}")


def test_the_worker_survives_ten_outages_while_a_batch_holds_its_message(council, redis_server, worker):
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    ProviderMemberFactory(provider=provider)
    OfferFactory(provider=provider, categories=[category], capacity=3 * ROUNDS)
    resident = ResidentFactory(council=council)

    def post() -> Need:
        draft = NeedFactory(resident=resident, category=category, status=Need.Status.DRAFT, posted_at=None)
        return need_post(need=draft)

    lock = CouncilLock(council.pk)
    posted: list[Need] = []
    try:
        for round_number in range(1, ROUNDS + 1):
            lock.hold()
            posted.append(post())
            _wait_for(
                lambda: _unacked_batches(redis_server.url) >= 1,
                timeout=30,
                what=f"round {round_number}: the worker never took the batch",
                worker=worker,
            )

            redis_server.stop()
            posted.append(post())  # into the outage: stored, nothing published
            time.sleep(1)
            redis_server.start()
            lock.release()

            _wait_for(
                lambda: Match.objects.filter(need__in=posted, status=Match.Status.PROPOSED).count() == len(posted),
                timeout=30,
                what=f"round {round_number}: not every need posted so far was proposed",
                worker=worker,
            )
            assert worker.poll() is None, f"the worker exited in round {round_number}"
    finally:
        lock.close()

    log = worker.log_path.read_text()
    assert log.count("Connection to broker lost") >= ROUNDS, "the outages never reached the worker"
    assert "Unrecoverable error" not in log
    assert worker.poll() is None
