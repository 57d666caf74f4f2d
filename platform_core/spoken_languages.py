"""Languages people speak, as ISO 639 codes (not the language of the pages:
that is platform_core.i18n).

A helper's languages (Offer.languages), the language a need asks for
(Need.language) and the one a resident prefers to speak (Resident.language)
are stored as ISO 639 codes: the two-letter ISO 639-1 code where the language
has one ("cy", "pl"), else the three-letter ISO 639-3 code ("bfi", British
Sign Language). Codes, not words, so "Welsh", "welsh" and "Cymraeg" are one
language to the matching engine, and a page can name it in the reader's
language. The codes and names come from pycountry's copy of the ISO 639-3
tables, with their translations (docs/decisions/0016-languages.md).

People type a language as they would say it ("Polish", "Pwyleg", "pl");
`language_code` finds its code or says it does not know it.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterable
from functools import cache

import pycountry
from django.utils import translation
from django.utils.translation import gettext

# Names people use that are not the ISO name (checked before the tables).
ALIASES = {
    "bsl": "bfi",
    "sign language": "bfi",
    "iaith arwyddion prydain": "bfi",
    "cymraeg": "cy",
    "farsi": "fa",
    "mandarin": "zh",
    "cantonese": "yue",
    "punjabi": "pa",
    "panjabi": "pa",
    "gujerati": "gu",
}


def _code_of(language) -> str:
    return getattr(language, "alpha_2", None) or language.alpha_3


@cache
def _catalogue(locale: str) -> stdlib_gettext.NullTranslations:
    return stdlib_gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


@cache
def _names_to_codes(locale: str) -> dict[str, str]:
    """Every living language's name, lower-cased, in English and in `locale`."""
    table: dict[str, str] = {}
    catalogue = _catalogue(locale)
    for language in pycountry.languages:
        if getattr(language, "type", "L") != "L":
            continue
        code = _code_of(language)
        table.setdefault(language.name.lower(), code)
        table.setdefault(catalogue.gettext(language.name).lower(), code)
    return table


def language_code(text: str) -> str | None:
    """The ISO 639 code of a language named or coded in `text`, or None."""
    wanted = " ".join((text or "").split()).lower()
    if not wanted:
        return None
    if wanted in ALIASES:
        return ALIASES[wanted]
    found = None
    if len(wanted) == 2:
        found = pycountry.languages.get(alpha_2=wanted)
    elif len(wanted) == 3:
        found = pycountry.languages.get(alpha_3=wanted)
    if found is not None:
        return _code_of(found)
    locale = translation.to_locale(translation.get_language() or "en-gb").split("_")[0]
    return _names_to_codes(locale).get(wanted) or _names_to_codes("en").get(wanted)


def language_name(code: str) -> str:
    """The language's name in the active language ("Polish", "Pwyleg"); the code itself if unknown."""
    if not code:
        return ""
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if found is None:
        return code
    locale = translation.to_locale(translation.get_language() or "en-gb").split("_")[0]
    name = _catalogue(locale).gettext(found.name)
    if name == found.name:
        name = gettext(found.name)  # our own catalogue, for names ISO's lacks (British Sign Language)
    return name


def language_codes(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """(codes, the texts that name no language we know), codes unique, in order."""
    codes: list[str] = []
    unknown: list[str] = []
    for text in texts:
        code = language_code(text)
        if code is None:
            if text.strip():
                unknown.append(text.strip())
        elif code not in codes:
            codes.append(code)
    return codes, unknown
