"""market_changed: publish after commit, coalesce bursts, never fail a post."""

import pytest

from platform_core import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "send_task_safely", lambda name, *args: calls.append((name, args)) or True)
    return calls


def test_nothing_is_published_before_the_transaction_commits(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.market_changed(council_id=7)
    assert sent == []
    assert len(callbacks) == 1


def test_a_burst_of_changes_queues_one_run(sent, django_capture_on_commit_callbacks):
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            services.market_changed(council_id=7)
    assert sent == [(services.MATCH_COUNCIL_TASK, (7,))]


def test_changes_after_the_run_claims_them_queue_the_next_run(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.market_changed(council_id=7)
    services.market_change_claim(council_id=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.market_changed(council_id=7)
    assert len(sent) == 2


def test_councils_are_queued_separately(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.market_changed(council_id=7)
        services.market_changed(council_id=8)
    assert [args for _, args in sent] == [(7,), (8,)]


def test_a_broker_outage_neither_fails_the_post_nor_blocks_the_next_try(
    monkeypatch, django_capture_on_commit_callbacks
):
    from platform_core.celery import app

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(app, "send_task", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.market_changed(council_id=7)  # no exception reaches the resident
    calls = []
    monkeypatch.setattr(app, "send_task", lambda name, args, kwargs, retry: calls.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        services.market_changed(council_id=7)
    assert calls == [(7,)]


def test_while_the_cache_is_only_this_processs_memory_every_change_sends_its_nudge(
    sent, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker can never clear a flag kept in the web's memory: coalescing would starve it."""
    monkeypatch.setattr(services, "cache_is_shared", lambda: False)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.market_changed(council_id=7)
    assert len(sent) == 3
