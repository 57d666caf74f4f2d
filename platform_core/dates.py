"""Bounds for dates that come from outside (filters, feeds, API input).

Python's dates stop at year 9999 and PostgreSQL's ranges go further than our
arithmetic does: `date_to + 1 day` on 9999-12-31 was an OverflowError, a 500.
Every date a caller may choose is checked against one window, with a message
saying what is allowed, before any arithmetic is done with it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

EARLIEST = date(1970, 1, 1)


def latest() -> date:
    """A year ahead: far enough for any real question, far from the end of the calendar."""
    return timezone.localdate() + timedelta(days=366)


def in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= latest()


def out_of_range_message(label: str) -> str:
    return f"{label} must be between {EARLIEST:%-d %B %Y} and {latest():%-d %B %Y}"
