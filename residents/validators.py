"""Checks on what residents type, shared by the web forms and the API (through the services)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

PHONE_MESSAGE = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
_PHONE_NOISE = re.compile(r"[\s\-().]")
_UK_NATIONAL = re.compile(r"^0[1-9]\d{8,9}$")


def uk_phone_normalise(value: str) -> str:
    """A UK telephone number in national form without spaces ('+44 7700 900123' -> '07700900123').

    Accepts the ways people write numbers: spaces, dashes, brackets, +44, 0044, +44 (0).
    """
    compact = _PHONE_NOISE.sub("", value or "")
    if not compact:
        return ""
    for prefix in ("+44", "0044"):
        if compact.startswith(prefix):
            # "+44 (0)20 ..." is common: drop the trunk zero before adding it back.
            compact = "0" + compact[len(prefix) :].removeprefix("0")
            break
    if not _UK_NATIONAL.match(compact):
        raise ValidationError(PHONE_MESSAGE, code="invalid")
    return compact
