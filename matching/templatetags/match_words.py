"""`{% load match_words %}{{ match.explanation|explanation }}`: a proposal's
explanation in the reader's language.

The runner stores the explanation once, in English (matching/runner.py
`_explanation`: "2.1 km away · available Monday morning · rated 4.8"), since
one match is read by a resident and a provider who may read different
languages. Each of its parts is one of a few known shapes, so it is put back
into words here; a part of no known shape is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from django import template
from django.utils import translation
from django.utils.translation import gettext

from platform_core.availability import SLOT_COUNT, slot_label

register = template.Library()

SEPARATOR = " · "
_KM = re.compile(r"^(\d+(?:\.\d+)?) km away$")
_RATED = re.compile(r"^rated (\d+(?:\.\d+)?)$")
_AVAILABLE = re.compile(r"^available (.+)$")


@cache
def _english_slots() -> dict[str, int]:
    with translation.override("en-gb"):
        return {slot_label(s): s for s in range(SLOT_COUNT)}


def _part(text: str) -> str:
    if m := _KM.match(text):
        return gettext("%(km)s km away") % {"km": m.group(1)}
    if m := _RATED.match(text):
        return gettext("rated %(rating)s") % {"rating": m.group(1)}
    if (m := _AVAILABLE.match(text)) and m.group(1) in _english_slots():
        return gettext("available %(when)s") % {"when": slot_label(_english_slots()[m.group(1)])}
    if text == "new provider":
        return gettext("new provider")
    if text == "helped you before":
        return gettext("helped you before")
    return text


@register.filter
def explanation(value: str) -> str:
    if not value:
        return ""
    return SEPARATOR.join(_part(part) for part in value.split(SEPARATOR))
