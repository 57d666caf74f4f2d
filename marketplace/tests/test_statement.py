"""The market position statement: dated, printable, suppressed, and the same figures as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.tests.factories import MatchFactory
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..suppression import HIDDEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(council, kingston_postcodes):
    shopping = ServiceCategoryFactory(council=council, name="Shopping", price_cap_pence=1500)
    lifts = ServiceCategoryFactory(council=council, name="Lifts", price_cap_pence=None)
    now = timezone.now()
    resident = ResidentFactory(council=council)
    provider = ProviderFactory(council=council)
    offers = [
        OfferFactory(provider=provider, categories=[shopping], price_pence=1200, cost_type="per_hour"),
        OfferFactory(provider=provider, categories=[shopping], price_pence=0),
        OfferFactory(provider=provider, categories=[shopping, lifts], price_pence=1800, cost_type="per_visit"),
    ]
    for _n in range(12):  # unmet: posted 30 days ago, expired
        NeedFactory(
            resident=resident,
            category=shopping,
            status=Need.Status.EXPIRED,
            postcode="KT1 1EU",
            posted_at=now - timedelta(days=30),
            closed_at=now - timedelta(days=20),
        )
    for _n in range(6):  # met within a day
        need = NeedFactory(resident=resident, category=shopping, postcode="KT2 5AU", posted_at=now - timedelta(days=40))
        MatchFactory(need=need, offer=offers[0], confirmed=True, confirmed_at=need.posted_at + timedelta(hours=5))
    NeedFactory(resident=resident, category=lifts, postcode="KT9 1AA", posted_at=now - timedelta(days=20))
    # Five more, so what is hidden with the single lift is theirs, not shopping's.
    befriending = ServiceCategoryFactory(council=council, name="Befriending")
    for _n in range(5):
        NeedFactory(resident=resident, category=befriending, postcode="KT9 1AA", posted_at=now - timedelta(days=20))
    return {"shopping": shopping, "lifts": lifts}


def _page(client, **params):
    return client.get(reverse("marketplace:market_statement"), params)


def test_the_statement_is_dated_and_shows_demand_gaps_and_prices(officer_client, year):
    response = _page(officer_client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Market position statement" in html and "Issued" in html
    doc = response.context["statement"]
    demand = {row[0]: row for row in doc.tables[0].rows}
    assert demand["Shopping"][1] == 18 and demand["Shopping"][3] == 12  # posted, unmet after 7 days
    assert demand["Lifts"][1] == HIDDEN  # one need: never shown
    prices = {row[0]: row for row in doc.tables[2].rows}
    assert prices["Shopping"][1:] == ["£15.00", 3, 1, "£12.00", "£15.00", "£18.00", 1]
    assert prices["Lifts"][1] == "No cap"
    assert "Visits of ongoing help delivered against planned" in html


def test_no_count_of_residents_below_5_is_shown(officer_client, year):
    doc = _page(officer_client).context["statement"]
    # Columns counting residents' needs or matches (supply and prices are not about residents).
    resident_columns = {"demand": slice(1, 7), "gaps": slice(1, 3), "trends": slice(1, 4), "visits": slice(1, 5)}
    for table in doc.tables:
        for row in table.rows:
            for value in row[resident_columns.get(table.key, slice(0, 0))]:
                assert not (isinstance(value, int) and 0 < value < 5), (table.key, row)


def test_the_csv_holds_every_table(officer_client, year):
    response = _page(officer_client, export="csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Section", "Row", "Column", "Value"]
    doc = _page(officer_client).context["statement"]
    assert len(rows) - 1 == sum(len(t.rows) * (len(t.headers) - 1) for t in doc.tables)
    assert ["Demand and supply by kind of help", "Shopping", "Needs posted", "18"] in rows


def test_the_statement_prints_without_the_console_around_it(officer_client, year):
    html = _page(officer_client).content.decode()
    assert 'class="app-print-document"' in html and 'class="app-no-print"' in html


def test_visits_delivered_are_in_the_statement_without_small_counts(officer_client, council, year):
    from matching.models import Visit
    from matching.tests.factories import VisitFactory

    resident = ResidentFactory(council=council)
    need = NeedFactory(resident=resident, category=year["shopping"], weekly=True)
    offer = OfferFactory(provider=ProviderFactory(council=council), categories=[year["shopping"]])
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    yesterday = timezone.now() - timedelta(days=1)
    for n in range(8):
        VisitFactory(
            match=match,
            starts_at=yesterday - timedelta(days=7 * n),
            status=Visit.Status.MISSED if n < 2 else Visit.Status.DONE,
        )
    doc = _page(officer_client).context["statement"]
    visits = {row[0]: row for row in next(t for t in doc.tables if t.key == "visits").rows}
    assert visits["Shopping"][1] == 8  # planned
    assert visits["Shopping"][3] == HIDDEN  # 2 missed: never shown, nor the 6 that would give it back
    assert visits["Shopping"][2] == HIDDEN
