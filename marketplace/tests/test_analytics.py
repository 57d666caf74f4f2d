"""The dashboard's numbers against a fixture computed by hand, and its query count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match
from matching.tests.factories import MatchFactory
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Offer, Provider
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from ..presentation import dashboard
from ..selectors.analytics import Filters

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))  # a Wednesday
D = timedelta(days=1)


def _need(council, category, district, posted_days_ago, status=Need.Status.OPEN):
    resident = ResidentFactory(council=council, postcode=f"{district} 1AA")
    return NeedFactory(
        resident=resident,
        category=category,
        postcode=f"{district} 1AA",
        posted_at=NOW - posted_days_ago * D,
        status=status,
    )


def _match(need, offer, *, status=Match.Status.COMPLETED, confirmed_after=None, closed_days_ago=None, reason=""):
    return MatchFactory(
        need=need,
        offer=offer,
        consistent=False,  # the fixture sets each need's status and each offer's capacity by hand
        status=status,
        respond_by=NOW,
        confirmed_at=need.posted_at + confirmed_after if confirmed_after is not None else None,
        closed_at=NOW - closed_days_ago * D if closed_days_ago is not None else None,
        close_reason=reason,
    )


@pytest.fixture
def fixture_market(council):
    a = ServiceCategoryFactory(council=council, name="A shopping")
    b = ServiceCategoryFactory(council=council, name="B transport")
    charity = ProviderFactory(council=council, kind=Provider.Kind.CHARITY)
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER)
    o1 = OfferFactory(provider=charity, categories=[a], capacity=3, capacity_left=2)
    o2 = OfferFactory(provider=charity, categories=[a, b], capacity=1, capacity_left=1)
    OfferFactory(provider=volunteer, categories=[b], capacity=5, capacity_left=5, status=Offer.Status.PAUSED)
    done = Need.Status.COMPLETED
    n1 = _need(council, a, "KT1", 10, done)  # met in 1 day
    n2 = _need(council, a, "KT1", 9)  # open, unmet
    n3 = _need(council, b, "KT2", 8, done)  # met in 3 days
    n4 = _need(council, b, "KT2", 2)  # open, too young to judge
    n5 = _need(council, a, "KT2", 20, done)  # matched after 9 days: unmet at 7
    n6 = _need(council, a, "KT1", 1, Need.Status.MATCHED)  # matched in 23 hours, this week
    _match(n1, o1, confirmed_after=1 * D)
    _match(n3, o2, confirmed_after=3 * D)
    _match(n5, o1, confirmed_after=9 * D)
    _match(n6, o2, status=Match.Status.CONFIRMED, confirmed_after=timedelta(hours=23))
    _match(n2, o1, status=Match.Status.DECLINED, closed_days_ago=8, reason="Too far")
    _match(n2, o2, status=Match.Status.DECLINED, closed_days_ago=7, reason="Too far")
    _match(n4, o1, status=Match.Status.DECLINED, closed_days_ago=1, reason="Not available")
    return {"a": a, "b": b}


def _board(council, **kw):
    return dashboard(
        council=council, filters=Filters(date_from=date(2026, 10, 26), date_to=date(2026, 11, 25), **kw), now=NOW
    )


def test_tiles_agree_with_the_hand_computed_figures(council, fixture_market):
    tiles = _board(council).tiles
    assert tiles["open_needs"] == 2  # n2, n4
    assert tiles["matched_this_week"] == 1  # n6, confirmed on Tuesday
    assert tiles["median_days_to_match"] == 2.0  # 23h, 1d, 3d, 9d -> (1 + 3) / 2
    assert (tiles["unmet"], tiles["judged"], tiles["unmet_share"]) == (2, 4, 50.0)  # n2, n5 of n1, n2, n3, n5
    assert dict(tiles["capacity_by_category"]) == {"A shopping": 3, "B transport": 1}  # paused offer left out


def test_tables_agree_with_the_hand_computed_figures(council, fixture_market):
    board = _board(council)
    assert board.table("demand_supply").rows == [["A shopping", 1, 3, 4, 2], ["B transport", 1, 1, 2, 1]]
    assert board.table("unmet_district").rows == [["KT1", 1, 2, 50.0], ["KT2", 1, 2, 50.0]]
    assert board.table("time_to_match").rows == [
        ["Under 1 day", 1],
        ["1 to 2 days", 1],
        ["2 to 7 days", 1],
        ["7 to 14 days", 1],
        ["14 days or more", 0],
    ]
    assert board.table("decline_reasons").rows == [["Too far", 2], ["Not available", 1]]
    mix = {row[0]: row[1:] for row in board.table("provider_mix").rows}
    assert mix == {"Charity": [1, 1, 2], "Individual volunteer": [1, 1, 0]}
    trend = board.table("weekly_trend").rows
    assert sum(r[1] for r in trend) == 6  # all six posted inside the period
    assert sum(r[2] for r in trend) == 4  # n1, n3, n5, n6 confirmed inside the period
    assert sum(r[3] for r in trend) == 2  # n2, n5


def test_filters_by_category_and_district(council, fixture_market):
    board = _board(council, category_id=fixture_market["b"].pk)
    assert board.tiles["open_needs"] == 1
    assert board.table("demand_supply").rows == [["B transport", 1, 1, 2, 1]]
    board = _board(council, district="KT1")
    assert (board.tiles["unmet"], board.tiles["judged"]) == (1, 2)


def _queries_for(council, n):
    category = ServiceCategoryFactory(council=council)
    provider = ProviderFactory(council=council)
    offer = OfferFactory(provider=provider, categories=[category])
    for i in range(n):
        need = _need(council, category, f"KT{1 + i % 3}", i % 15 + 1, Need.Status.COMPLETED)
        _match(need, offer, confirmed_after=timedelta(hours=i + 1))
    with CaptureQueriesContext(connection) as ctx:
        _board(council)
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_the_data(council, other_council):
    assert _queries_for(council, 5) == _queries_for(other_council, 50)


def test_dashboard_page_uses_a_bounded_number_of_queries(
    officer_client, council, fixture_market, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = officer_client.get(reverse("marketplace:analytics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and 'role="img"' in body and 'id="table-demand_supply"' in body


def test_every_table_exports_to_csv(officer_client, council, fixture_market):
    for key in [
        "demand_supply",
        "unmet_district",
        "time_to_match",
        "weekly_trend",
        "decline_reasons",
        "provider_mix",
        "unmet_reason",
    ]:
        response = officer_client.get(reverse("marketplace:analytics"), {"export": key})
        assert response["Content-Type"].startswith("text/csv")
        header = b"".join(response.streaming_content).decode().splitlines()[0]
        assert "," in header
