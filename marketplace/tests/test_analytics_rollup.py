"""The daily roll-up behind the dashboard: it gives the same figures as the live
computation, running it twice changes nothing, and later runs pick up days that
settle, needs that change and (on the daily rebuild) needs that disappear."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from matching.models import Match
from platform_core.tests.factories import ServiceCategoryFactory
from residents.models import Need

from ..models import DailyMarketStat, DailyMarketStatState
from ..presentation import dashboard
from ..selectors.analytics import Filters, settled_through
from ..services.analytics import market_stats_refresh
from ..tasks import market_stats_refresh_task
from . import test_analytics
from .test_analytics import NOW, D, _match, _need

pytestmark = pytest.mark.django_db
hand_computed_market = test_analytics.fixture_market


@pytest.fixture
def fixture_market(hand_computed_market):
    """The hand-computed market, last edited the day before NOW (the clock of these tests)."""
    Need.objects.update(updated_at=NOW - D)
    return hand_computed_market


# At NOW (Wednesday 25 November, noon) the needs posted up to 17 November are
# settled: n5 (20 days ago), n1, n2, n3 (10, 9, 8 days ago) come from the
# roll-up; n4 and n6 (2 days and 1 day ago) are computed live.
SETTLED = date(2026, 11, 17)


def _board(council, now=NOW, **kw):
    return dashboard(
        council=council, filters=Filters(date_from=date(2026, 10, 26), date_to=date(2026, 11, 25), **kw), now=now
    )


def _live_board(council, now=NOW, **kw):
    """The dashboard computed from the needs alone (the roll-up forgotten, then restored)."""
    with transaction.atomic():
        DailyMarketStatState.objects.all().delete()
        board = _board(council, now, **kw)
        transaction.set_rollback(True)
    return board


def _figures(board):
    return board.tiles, {t.key: t.rows for t in board.tables}


def _rows():
    return sorted(
        DailyMarketStat.objects.values_list(
            "council_id", "day", "category_id", "district", "posted", "matched_within_7d"
        )
    )


def test_settled_days_end_seven_days_and_a_margin_before_now():
    assert settled_through(NOW) == SETTLED


def test_rolled_up_dashboard_agrees_with_the_live_computation(council, fixture_market):
    live = _figures(_live_board(council))
    market_stats_refresh(now=NOW)
    assert {r.day for r in DailyMarketStat.objects.all()} == {
        date(2026, 11, 5),
        date(2026, 11, 15),
        date(2026, 11, 16),
        date(2026, 11, 17),
    }
    assert _figures(_board(council)) == live
    assert _board(council).tiles["unmet"] == 2  # n2, n5: both from the roll-up


@pytest.mark.parametrize("kw", [{"district": "KT1"}, {"district": "KT2"}, {"category": "a"}, {"category": "b"}])
def test_rolled_up_dashboard_agrees_with_the_live_computation_when_filtered(council, fixture_market, kw):
    if "category" in kw:
        kw = {"category_id": fixture_market[kw["category"]].pk}
    live = _figures(_live_board(council, **kw))
    market_stats_refresh(now=NOW)
    assert _figures(_board(council, **kw)) == live


def test_roll_up_rows_hold_posted_and_matched_within_seven_days(council, fixture_market):
    market_stats_refresh(now=NOW)
    a, b = fixture_market["a"].pk, fixture_market["b"].pk
    assert [row[1:] for row in _rows()] == [
        (date(2026, 11, 5), a, "KT2", 1, 0),  # n5, matched after 9 days
        (date(2026, 11, 15), a, "KT1", 1, 1),  # n1, matched in a day
        (date(2026, 11, 16), a, "KT1", 1, 0),  # n2, only declined
        (date(2026, 11, 17), b, "KT2", 1, 1),  # n3, matched in 3 days
    ]


def test_refresh_twice_changes_nothing(council, fixture_market):
    market_stats_refresh(now=NOW)
    rows, figures = _rows(), _figures(_board(council))
    assert market_stats_refresh(now=NOW + timedelta(minutes=15)) == 0
    market_stats_refresh(now=NOW, full=True)
    assert _rows() == rows
    assert _figures(_board(council)) == figures


def test_a_later_refresh_adds_the_days_that_settled_since(council, fixture_market):
    market_stats_refresh(now=NOW - timedelta(hours=12))  # settled through 16 November
    assert [row[1] for row in _rows()] == [date(2026, 11, 5), date(2026, 11, 15), date(2026, 11, 16)]
    assert _figures(_board(council)) == _figures(_live_board(council))  # 17 November is live
    assert market_stats_refresh(now=NOW) == 1  # n3's day, incrementally
    assert DailyMarketStatState.objects.get().settled_through == SETTLED
    assert _figures(_board(council)) == _figures(_live_board(council))


def test_a_dashboard_for_an_earlier_moment_reads_only_days_settled_then(council, fixture_market):
    market_stats_refresh(now=NOW)
    earlier = NOW - 3 * D
    assert _figures(_board(council, now=earlier)) == _figures(_live_board(council, now=earlier))


def test_a_need_posted_today_counts_at_once(council, fixture_market):
    market_stats_refresh(now=NOW)
    before = _board(council).tiles["posted"]
    _need(council, fixture_market["b"], "KT3", 0)
    assert _board(council).tiles["posted"] == before + 1


def test_an_old_need_edited_is_recomputed_by_the_next_refresh(council, fixture_market):
    market_stats_refresh(now=NOW)
    n2 = Need.objects.get(postcode="KT1 1AA", posted_at=NOW - 9 * D)  # open, 9 days old, settled
    n2.postcode = "KT3 1AA"
    n2.category = fixture_market["b"]
    n2.save()  # as need_update does
    Need.objects.filter(pk=n2.pk).update(updated_at=NOW + timedelta(minutes=5))  # on this test's clock
    market_stats_refresh(now=NOW + timedelta(minutes=15))
    board = _board(council)
    assert _figures(board) == _figures(_live_board(council))
    assert ["KT3", 1, 1, 100.0] in board.table("unmet_district").rows


def test_an_edit_still_committing_during_a_refresh_is_seen_by_the_next(council, fixture_market):
    market_stats_refresh(now=NOW)
    # Saved (updated_at set) just before that run, committed just after it.
    Need.objects.filter(posted_at=NOW - 9 * D).update(postcode="KT3 1AA", updated_at=NOW - timedelta(minutes=5))
    market_stats_refresh(now=NOW + timedelta(minutes=15))
    assert _figures(_board(council)) == _figures(_live_board(council))
    assert ["KT3", 1, 1, 100.0] in _board(council).table("unmet_district").rows


def test_the_daily_rebuild_drops_a_need_deleted_outside_the_services(council, fixture_market):
    market_stats_refresh(now=NOW)
    Need.objects.filter(posted_at=NOW - 20 * D).delete()  # n5, e.g. in the admin: leaves no trace
    market_stats_refresh(now=NOW + timedelta(hours=1))
    assert _board(council).tiles["judged"] == 4  # not seen yet
    market_stats_refresh(now=NOW + timedelta(hours=25))  # a day after the last rebuild
    assert DailyMarketStatState.objects.get().full_refresh_at == NOW + timedelta(hours=25)
    assert _figures(_board(council)) == _figures(_live_board(council))
    assert _board(council).tiles["judged"] == 3


def test_a_confirmation_after_seven_days_does_not_change_a_settled_day(council, fixture_market):
    market_stats_refresh(now=NOW)
    n2 = Need.objects.get(postcode="KT1 1AA", posted_at=NOW - 9 * D)
    third = Match.objects.filter(need=n2).first().offer
    Match.objects.filter(need=n2).delete()
    _match(n2, third, status=Match.Status.CONFIRMED, confirmed_after=8 * D)
    market_stats_refresh(now=NOW + timedelta(minutes=15))
    assert _board(council).tiles["unmet"] == 2
    assert _figures(_board(council)) == _figures(_live_board(council))


def test_the_roll_up_covers_every_council(council, other_council, fixture_market):
    _need(other_council, ServiceCategoryFactory(council=other_council), "SM1", 12)
    market_stats_refresh(now=NOW)
    assert DailyMarketStat.objects.filter(council=other_council).count() == 1
    assert _figures(_board(council)) == _figures(_live_board(council))
    assert _board(other_council).tiles["posted"] == 1


def test_the_task_refreshes_the_roll_up(council, fixture_market):
    assert market_stats_refresh_task() >= 4  # the first run builds everything
    assert market_stats_refresh_task.name == "marketplace.tasks.market_stats_refresh_task"
    assert DailyMarketStatState.objects.get().settled_through is not None
