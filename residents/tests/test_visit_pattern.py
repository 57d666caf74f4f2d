"""A weekly need's pattern: how often, and until a date or for a number of visits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from residents.models import Need
from residents.services import need_create_posted, need_expire_overdue, need_update
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def _weekly(category, **pattern) -> dict:
    return {
        "category": category,
        "title": "Weekly shop",
        "description": "Carry the shopping home",
        "timing": "weekly",
        "weekly_slots": [0, 6, 12],
        **pattern,
    }


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_weekly_need_needs_an_end(resident, categories):
    with pytest.raises(ValidationError) as excinfo:
        need_create_posted(resident=resident, **_weekly(categories[0]))
    assert _errors(excinfo)["ends_on"] == ["Tell us when the visits should end: a date or a number of visits"]


def test_a_weekly_need_ends_on_a_date_or_after_a_number_of_visits(resident, categories):
    by_date = need_create_posted(
        resident=resident, **_weekly(categories[0], ends_on=timezone.localdate() + timedelta(weeks=6))
    )
    by_count = need_create_posted(resident=resident, **_weekly(categories[0], visit_count=18, repeat_every_weeks=2))
    assert by_date.status == by_count.status == Need.Status.OPEN
    assert (by_count.visit_count, by_count.repeat_every_weeks) == (18, 2)


@pytest.mark.parametrize(
    ("pattern", "field", "message"),
    [
        ({"visit_count": 5, "ends_on": date(2030, 1, 1)}, "ends_on", "not both"),
        ({"ends_on": date(2000, 1, 1)}, "ends_on", "must be in the future"),
        ({"ends_on": date(9999, 12, 31)}, "ends_on", "Enter an end date before"),
        ({"visit_count": 0}, "visit_count", "between 1 and 365"),
        ({"visit_count": 10000}, "visit_count", "between 1 and 365"),
        ({"visit_count": 4, "repeat_every_weeks": 0}, "repeat_every_weeks", "from 1 to 12"),
        ({"visit_count": 4, "repeat_every_weeks": 52}, "repeat_every_weeks", "from 1 to 12"),
    ],
)
def test_absurd_patterns_are_refused_with_a_clear_message(resident, categories, pattern, field, message):
    with pytest.raises(ValidationError) as excinfo:
        need_create_posted(resident=resident, **_weekly(categories[0], **pattern))
    assert any(message in m for m in _errors(excinfo)[field])


def test_switching_to_once_drops_the_pattern(resident, categories):
    need = need_create_posted(resident=resident, **_weekly(categories[0], visit_count=6, repeat_every_weeks=2))
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    need = need_update(need=need, timing="one_off", window_start=start, window_end=start + timedelta(hours=2))
    assert (need.repeat_every_weeks, need.ends_on, need.visit_count) == (1, None, None)


def test_a_weekly_need_still_waiting_after_its_last_day_expires(resident, categories):
    gone = NeedFactory(
        resident=resident, category=categories[0], weekly=True, ends_on=timezone.localdate() - timedelta(1)
    )
    going = NeedFactory(resident=resident, category=categories[0], weekly=True)
    assert need_expire_overdue() == 1
    gone.refresh_from_db()
    going.refresh_from_db()
    assert (gone.status, going.status) == (Need.Status.EXPIRED, Need.Status.OPEN)
    assert gone.status_reason == "The last day you asked for has passed."
