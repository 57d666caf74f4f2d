"""The market-shaping pages cost the same number of queries with 100 needs as
with 100,000: every figure is an aggregate grouped in SQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from platform_core.tests.factories import KINGSTON_POSTCODES, ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import ResidentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

POINTS = KINGSTON_POSTCODES
STATUSES = [Need.Status.OPEN, Need.Status.EXPIRED, Need.Status.MATCHED, Need.Status.COMPLETED, Need.Status.PROPOSED]


def add_needs(resident, categories, n: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for i in range(n):
        postcode, lat, lon = rng.choice(POINTS)
        status = rng.choice(STATUSES)
        posted = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        rows.append(
            Need(
                reference=f"N-{seed}{i:07d}",
                council_id=resident.council_id,
                resident=resident,
                category=rng.choice(categories),
                title="Help",
                urgency=rng.choice(list(Need.Urgency)),
                postcode=postcode,
                latitude=lat,
                longitude=lon,
                status=status,
                posted_at=posted,
                closed_at=posted + timedelta(days=3) if status == Need.Status.EXPIRED else None,
            )
        )
    Need.objects.bulk_create(rows, batch_size=5000)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(ctx.captured_queries)


PAGES = [
    "/console/analytics/map/",
    "/console/analytics/map/?export=cells",
    "/opportunities/?council=kingston",
    "/opportunities/?postcode=KT1+1EU",
    "/console/analytics/statement/",
    "/console/analytics/statement/?export=csv",
]


def test_query_counts_do_not_grow_from_100_to_100000_needs(officer_client, council, kingston_postcodes):
    categories = [ServiceCategoryFactory(council=council, name=name) for name in ("Shopping", "Lifts", "Befriending")]
    resident = ResidentFactory(council=council)
    provider = ProviderFactory(council=council)
    for n in range(20):
        OfferFactory(provider=provider, categories=categories[: 1 + n % 3], radius_km=1 + n % 6)
    add_needs(resident, categories, 100, seed=1)
    small = {url: _queries(officer_client, url) for url in PAGES}
    add_needs(resident, categories, 99_900, seed=2)
    assert Need.objects.count() == 100_000
    large = {url: _queries(officer_client, url) for url in PAGES}
    assert small == large
