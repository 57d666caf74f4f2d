"""A real Celery worker on a real Redis sends a text through the real Notify
client to the local stand-in: a 502 is retried after its backoff (the task's
own self.retry with a countdown, through the broker), then succeeds."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from matching.notifications import MATCH_ACCEPTED
from matching.tests.factories import MatchFactory
from platform_core.models import Delivery
from platform_core.notifications import notify
from platform_core.tests.live_services import wait_for
from platform_core.tests.notify_standin import API_KEY, NotifyStandIn
from residents.models import ContactPreference
from residents.tests.factories import ResidentFactory

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = "+447700900321"


@pytest.fixture
def standin_for_worker(monkeypatch):
    """The stand-in, and the environment the worker will read its settings from."""
    standin = NotifyStandIn().start()
    monkeypatch.setenv("NOTIFY_API_KEY", API_KEY)
    monkeypatch.setenv("NOTIFY_BASE_URL", standin.base_url)
    monkeypatch.setenv("NOTIFY_SMS_TEMPLATE_ID", "11111111-2222-4333-8444-555555555555")
    monkeypatch.setenv("NOTIFICATIONS_RETRY_BASE_SECONDS", "1")
    yield standin
    standin.stop()


def test_a_worker_retries_a_5xx_from_notify_after_a_backoff(standin_for_worker, celery_worker, tmp_path):
    standin = standin_for_worker
    standin.fail_next(502)
    resident = ResidentFactory(contact_preference=ContactPreference.TEXT, phone=PHONE)
    match = MatchFactory(need__resident=resident)
    with transaction.atomic():
        notify(kind=MATCH_ACCEPTED, user=resident.user, url="/matches/", match=match)

    wait_for(
        lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists(),
        timeout=60,
        what="the text to be sent",
        worker=celery_worker,
        log=tmp_path / "worker.log",
    )
    first, second = standin.requests
    assert (first.status, second.status) == (502, 201)
    assert second.at - first.at >= 0.9  # the backoff: one second for the first retry
    assert second.claims["iss"] == standin.service_id and second.body["phone_number"] == PHONE
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.error) == (2, "")
    time.sleep(0.5)
    assert len(standin.requests) == 2  # and nothing more
