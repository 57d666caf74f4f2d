"""Shared fixtures (a council, its postcodes, the actors) and the rule for tests
that need real services: outside CI they skip with a reason, in CI (CI=true) they fail."""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_available() -> bool:
    from urllib.parse import urlparse

    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    parsed = urlparse(url)
    return _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379)


def chromium_available() -> bool:
    import importlib.util

    return os.path.exists("/usr/bin/chromium") and importlib.util.find_spec("playwright") is not None


def _missing_service(item) -> str | None:
    from django.conf import settings

    if item.get_closest_marker("postgres") and not settings.USING_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (see README)"
    if (item.get_closest_marker("redis") or item.get_closest_marker("celery")) and not redis_available():
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0 with a server running (see README)"
    if item.get_closest_marker("browser") and not chromium_available():
        return "needs Chromium at /usr/bin/chromium and playwright (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but this test {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is deliberately slow; tests create hundreds of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(request, settings):
    """Rate limits, locks and debounce keys live in the cache: each test gets its own.

    A private in-memory cache, or for tests marked `redis` the production Redis cache
    under a key prefix of their own (never FLUSHDB: the broker may share the server).
    """
    import uuid

    if request.node.get_closest_marker("redis") and settings.REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "platform_core.cache.FailSoftRedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"test-{uuid.uuid4().hex}",
            }
        }
    yield


@pytest.fixture(autouse=True)
def _notification_files(settings, tmp_path_factory):
    """Texts (and e-mails sent through the file backend) land in a folder of the test's own."""
    settings.NOTIFICATIONS_FILE_PATH = str(tmp_path_factory.mktemp("notifications"))
    settings.NOTIFICATIONS_SMS_BACKEND = "platform_core.notifications.backends.FileBackend"
    settings.NOTIFICATIONS_EMAIL_BACKEND = "platform_core.notifications.backends.DjangoMailBackend"


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own, on a free port, which it may stop and start."""
    from platform_core.tests.live_services import running_redis

    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def publish_to(redis_server):
    """This process's Celery producer on the test's Redis, and back afterwards; yields the app."""
    from platform_core.tests.live_services import celery_publishing_to

    with celery_publishing_to(redis_server.url) as app:
        yield app


@pytest.fixture
def shared_cache(settings, redis_server):
    """Web and workers share one cache on the test's Redis (the "run queued" flag lives
    there), as in production; returns its key prefix, for the workers."""
    import uuid

    from platform_core.tests.live_services import fail_soft_cache

    prefix = f"celery-test-{uuid.uuid4().hex}"
    settings.CACHES = fail_soft_cache(redis_server.url, prefix)
    return prefix


@pytest.fixture
def celery_worker(transactional_db, redis_server, publish_to, shared_cache, tmp_path):
    """`celery -A platform_core worker -B` on the test database and the test's Redis
    (its log in tmp_path / "worker.log"; MATCHING_TEST_SHOW_WORKER_LOG=1 prints it)."""
    from platform_core.tests.live_services import start_worker, stop_process_group

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


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """For rows a whole module only reads, built once (as Django's setUpTestData does):
    a transaction open for the module's life and rolled back after its last test. Each
    test (it needs `db`) runs in a savepoint of it, so what a test writes goes when the
    test ends. Not for modules with transactional tests. Rows are made with the tests'
    fast password hasher (the autouse fixture below is per test, so it runs too late)."""
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        yield
        transaction.set_rollback(True)


@pytest.fixture
def council(db):
    from platform_core.tests.factories import kingston

    return kingston()


@pytest.fixture
def other_council(db):
    from platform_core.tests.factories import sutton

    return sutton()


@pytest.fixture
def kingston_postcodes(db):
    """A handful of real KT postcodes (OS Code-Point Open) without loading the whole area."""
    from platform_core.tests.factories import kingston_postcodes

    return kingston_postcodes()


# --- The actors ------------------------------------------------------------------------------------
# Defined here once, for every package. Each is the row that makes a person that
# actor, in the council `council` (Kingston):
#   resident         a Resident (their profile); `resident.user` signs in
#   provider_member  a ProviderMember, the owner of `provider`; `provider_member.user` signs in
#   officer          an officer's User (the role is the user's own), with two-factor set up
# `resident_user` and `provider_user` are the people behind the first two. A
# package may extend an actor (residents' tests also give the council its
# categories) but never gives the name another meaning.


@pytest.fixture
def resident(council, kingston_postcodes):
    """A resident of Kingston with a profile: an address, a phone and notes only a confirmed provider sees."""
    from residents.tests.factories import ResidentFactory

    return ResidentFactory(
        council=council,
        address_line_1="12 Secret Lane",
        phone="07700 900999",
        vulnerability_notes="Hard of hearing; knock loudly.",
    )


@pytest.fixture
def resident_user(resident):
    return resident.user


@pytest.fixture
def provider(council, kingston_postcodes):
    """A verified charity in Kingston, cleared for ID-checked work (not for DBS-checked work)."""
    from platform_core.models import SafeguardingTier
    from providers.tests.factories import ProviderFactory

    return ProviderFactory(council=council, name="Kingston Helpers", clearance=SafeguardingTier.ID_CHECKED)


@pytest.fixture
def provider_member(provider):
    """The owner of `provider`."""
    from providers.tests.factories import ProviderMemberFactory

    return ProviderMemberFactory(provider=provider)


@pytest.fixture
def provider_user(provider_member):
    return provider_member.user


@pytest.fixture
def officer(council):
    """A council officer with two-factor (TOTP) set up."""
    from platform_core.tests.factories import OfficerFactory

    return OfficerFactory(council=council, two_factor=True)


@pytest.fixture
def officer_client(client, officer):
    """A test client signed in as an officer with password and TOTP code (force_login passes no second factor)."""
    from platform_core.tests.two_factor import sign_in_with_two_factor

    return sign_in_with_two_factor(client, officer)


@pytest.fixture
def other_officer(other_council):
    """An officer of another council (Sutton), with two-factor: must see nothing of Kingston's."""
    from platform_core.tests.factories import OfficerFactory

    return OfficerFactory(council=other_council, two_factor=True)


@pytest.fixture
def officer_without_two_factor(council):
    """A Kingston officer who has not set up two-factor yet: every officer door sends them to set it up."""
    from platform_core.tests.factories import OfficerFactory

    return OfficerFactory(council=council)


@pytest.fixture
def tasks_inline(monkeypatch):
    """Tasks published by name (platform_core.services.send_task_safely) run at
    once in this process, as a worker would run them; returns their names.

    For tests of what a task does after a request (an e-mail sent); the real
    worker on Redis is tested in matching/tests/test_celery.py.
    """
    from platform_core import services
    from platform_core.celery import app

    app.autodiscover_tasks(force=True)  # as a worker does when it starts
    ran: list[str] = []

    def run(name, *args, **kwargs):
        from celery.exceptions import Retry

        # A task that asks to be retried (self.retry) runs again at once, as a
        # worker would run it after the countdown.
        for retries in range(20):
            try:
                app.tasks[name].apply(args=args, kwargs=kwargs, retries=retries, throw=True)
            except Retry:
                ran.append(name)
                continue
            break
        ran.append(name)
        return True

    monkeypatch.setattr(services, "send_task_safely", run)
    return ran
