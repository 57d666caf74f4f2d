"""Concurrent accepts on one offer can never overbook it (PostgreSQL, real threads).

Each thread accepts a different proposal on the same offer with its own
database connection; a Barrier releases them together. Connections are opened
after the barrier, with a retry if the server is at max_connections, so the
test also runs on a server shared with other suites.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from matching import services
from matching.models import Match
from platform_core.models import User
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _proposals_on_one_offer(council, *, capacity: int, count: int) -> tuple[Offer, User, list[int]]:
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    user = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[category], capacity=capacity)
    resident = ResidentFactory(council=council)
    needs = [NeedFactory(resident=resident, category=category, status=Need.Status.PROPOSED) for _ in range(count)]
    respond_by = timezone.now() + timedelta(hours=24)
    matches = Match.objects.bulk_create(
        [Match(need=n, offer=offer, council=council, respond_by=respond_by, explanation="test") for n in needs]
    )
    return offer, user, [m.pk for m in matches]


def _race(match_ids: list[int], user_id: int) -> tuple[list[int], list[str]]:
    barrier = threading.Barrier(len(match_ids), timeout=60)
    lock = threading.Lock()
    won: list[int] = []
    refused: list[str] = []

    def accept(match_id: int) -> None:
        try:
            barrier.wait()
            for attempt in range(200):
                try:
                    user = User.objects.get(pk=user_id)
                    match = Match.objects.select_related("offer__provider", "council__market_rule").get(pk=match_id)
                    break
                except OperationalError:  # "too many clients": wait for a connection to free up
                    connection.close()
                    time.sleep(0.05 + attempt * 0.01)
            try:
                services.match_accept(match=match, user=user)
            except ValidationError as exc:
                with lock:
                    refused.append(" ".join(exc.messages))
            else:
                with lock:
                    won.append(match_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(pk,)) for pk in match_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    return won, refused


@pytest.mark.parametrize(("capacity", "threads"), [(1, 50), (3, 100)])
def test_concurrent_accepts_never_overbook_an_offer(council, capacity, threads):
    offer, user, match_ids = _proposals_on_one_offer(council, capacity=capacity, count=threads)

    won, refused = _race(match_ids, user.pk)

    assert len(won) == capacity
    assert len(refused) == threads - capacity
    assert set(refused) == {"This offer is no longer available"}
    offer.refresh_from_db()
    assert offer.capacity_left == 0
    assert Match.objects.filter(offer=offer, status=Match.Status.ACCEPTED).count() == capacity
    assert Match.objects.filter(offer=offer, status=Match.Status.PROPOSED).count() == threads - capacity
