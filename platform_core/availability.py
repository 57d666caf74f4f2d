"""Weekly availability as integer slots, the one representation shared by
needs, offers and the matching engine.

A slot is `weekday * 3 + day_part` (Monday morning = 0 ... Sunday evening = 20),
so "a pair needs one slot in common" is a set intersection.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models


class DayPart(models.IntegerChoices):
    MORNING = 0, "Morning (8am to midday)"
    AFTERNOON = 1, "Afternoon (midday to 5pm)"
    EVENING = 2, "Evening (5pm to 9pm)"


DAY_PART_HOURS = {DayPart.MORNING: (8, 12), DayPart.AFTERNOON: (12, 17), DayPart.EVENING: (17, 21)}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
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
    if not is_slot(slot):
        return "Unknown time"
    weekday, part = divmod(slot, 3)
    return f"{WEEKDAYS[weekday]} {DayPart(part).label.split(' (')[0].lower()}"


def slot_choices() -> list[tuple[int, str]]:
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
    return ", ".join(slot_label(s) for s in valid_slots(slots)) or "Any time"
