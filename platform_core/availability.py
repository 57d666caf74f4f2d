"""Weekly availability as integer slots, the one representation shared by
needs, offers and the matching engine.

A slot is `weekday * 3 + day_part` (Monday morning = 0 ... Sunday evening = 20),
so "a pair needs one slot in common" is a set intersection.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DayPart(models.IntegerChoices):
    MORNING = 0, _("Morning (8am to midday)")
    AFTERNOON = 1, _("Afternoon (midday to 5pm)")
    EVENING = 2, _("Evening (5pm to 9pm)")


DAY_PART_HOURS = {DayPart.MORNING: (8, 12), DayPart.AFTERNOON: (12, 17), DayPart.EVENING: (17, 21)}
# With a context, so the weekday inside "Monday morning" (lower case in Welsh: "bore dydd Llun")
# is not the one Django's dates use ("Dydd Llun").
WEEKDAYS = [
    pgettext_lazy("weekly time", "Monday"),
    pgettext_lazy("weekly time", "Tuesday"),
    pgettext_lazy("weekly time", "Wednesday"),
    pgettext_lazy("weekly time", "Thursday"),
    pgettext_lazy("weekly time", "Friday"),
    pgettext_lazy("weekly time", "Saturday"),
    pgettext_lazy("weekly time", "Sunday"),
]
DAY_PART_WORDS = [_("morning"), _("afternoon"), _("evening")]
SLOT_COUNT = 21


def slot_of(weekday: int, part: int) -> int:
    return weekday * 3 + part


def is_slot(value: object) -> bool:
    """A whole number 0..20 (not a bool, a float or a string): what a stored slot must be."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < SLOT_COUNT


def valid_slots(values: object) -> list[int]:
    """The valid slots among stored values, sorted and unique; anything else is dropped.

    Writes refuse bad slots (the services), but rows stored before that rule or
    by hand must not take down every page, feed or matching run that reads them.
    """
    if not isinstance(values, list | tuple | set | frozenset):
        return []
    return sorted({v for v in values if is_slot(v)})


def slot_label(slot: int) -> str:
    """'Monday morning', in the active language (Welsh puts the part of the day first)."""
    if not is_slot(slot):
        return str(_("Unknown time"))
    weekday, part = divmod(slot, 3)
    return capfirst(
        _("%(weekday)s %(part_of_day)s") % {"weekday": WEEKDAYS[weekday], "part_of_day": DAY_PART_WORDS[part]}
    )


def slot_choices() -> list[tuple[int, str]]:
    """Pass the function itself as a field's choices, so the labels follow the page's language."""
    return [(s, slot_label(s)) for s in range(SLOT_COUNT)]


def slots_for_window(start: datetime, end: datetime) -> list[int]:
    """The weekly slots a one-off time window touches (at most a week's worth).

    Eight days cover every weekday and day-part a window of any length can touch,
    and never step past the window's own last day (nor the calendar's end).
    """
    slots: set[int] = set()
    first: date = start.date()
    for offset in range(min((end.date() - first).days, 7) + 1):
        day = first + timedelta(days=offset)
        for part, (h0, h1) in DAY_PART_HOURS.items():
            part_start = datetime.combine(day, time(h0), tzinfo=start.tzinfo)
            part_end = datetime.combine(day, time(h1), tzinfo=start.tzinfo)
            if part_start < end and start < part_end:
                slots.add(slot_of(day.weekday(), part))
    return sorted(slots)


def slots_describe(slots: list[int]) -> str:
    return ", ".join(slot_label(s) for s in valid_slots(slots)) or str(_("Any time"))


def slot_occurrences(
    *,
    slots: list[int],
    first_day: date,
    every_weeks: int = 1,
    last_day: date | None = None,
    count: int | None = None,
    horizon_days: int = 366,
) -> list[tuple[date, int]]:
    """The days and slots of a weekly pattern, in time order.

    Each slot falls on its weekday in every `every_weeks`-th week, weeks counted
    from the Monday of `first_day`'s week; nothing before `first_day`, nothing
    after `last_day` (inclusive), at most `count` occurrences, and never more
    than `horizon_days` ahead, so an open pattern still ends.
    """
    wanted = valid_slots(slots)
    if not wanted or every_weeks < 1 or (count is not None and count < 1):
        return []
    by_weekday: dict[int, list[int]] = {}
    for slot in wanted:
        by_weekday.setdefault(slot // 3, []).append(slot)
    monday = first_day - timedelta(days=first_day.weekday())
    end = first_day + timedelta(days=horizon_days)
    if last_day is not None:
        end = min(end, last_day)
    found: list[tuple[date, int]] = []
    day = first_day
    while day <= end:
        if ((day - monday).days // 7) % every_weeks == 0:
            for slot in by_weekday.get(day.weekday(), []):
                found.append((day, slot))
                if count is not None and len(found) >= count:
                    return found
        day += timedelta(days=1)
    return found


def slot_span(day: date, slot: int, tzinfo) -> tuple[datetime, datetime]:
    """When a slot on a given day starts and ends, in the given time zone."""
    h0, h1 = DAY_PART_HOURS[DayPart(slot % 3)]
    return datetime.combine(day, time(h0), tzinfo=tzinfo), datetime.combine(day, time(h1), tzinfo=tzinfo)
