"""Telephone numbers: one rule for every app, stored in E.164 (+447700900982).

Parsed by `phonenumbers` (Google's libphonenumber) with the UK as the default
region, so people can type numbers the way they write them ("07700 900 982",
"+44 (0)20 7946 0000", "0044 ..."). A UK number is accepted when it has a
possible length for its kind; Ofcom's ranges for drama and examples (07700
900xxx, 020 7946 0xxx), which GOV.UK's pattern library and GOV.UK Notify's test
numbers use, are therefore accepted too. A number abroad must be valid.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE_MESSAGE = _("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")
MOBILE_MESSAGE = _("Enter a mobile phone number to get text messages, like 07700 900 982")
UK = "GB"


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, UK)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == 44:
        # Whole UK numbers are 9 or 10 digits after the 0 (short codes like 999 are not contacts).
        possible = phonenumbers.is_possible_number(number) and len(str(number.national_number)) in (9, 10)
        return number if possible else None
    return number if phonenumbers.is_valid_number(number) else None


def phone_normalise(value: str) -> str:
    """A telephone number in E.164 ('07700 900 982' -> '+447700900982'); '' for ''.

    Raises ValidationError(PHONE_MESSAGE) for anything that is not a number.
    """
    value = (value or "").strip()
    if not value:
        return ""
    number = _parse(value)
    if number is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_mobile(value: str) -> bool:
    """Whether a stored (or typed) number can receive text messages."""
    number = _parse(value or "") if value else None
    if number is None:
        return False
    if number.country_code == 44:
        # UK mobiles are 07xxx xxxxxx: the national number starts with 7 (not 70, personal numbers).
        national = str(number.national_number)
        return len(national) == 10 and national.startswith("7") and not national.startswith("70")
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def phone_display(value: str) -> str:
    """How a stored number is shown to people: national form for UK numbers
    ('07700 900982'), international form otherwise; unparseable text as it is."""
    if not value:
        return ""
    number = _parse(value)
    if number is None:
        return value
    national = number.country_code == 44
    style = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def phone_normalise_stored(value: str) -> str:
    """For data migrations: E.164 when the stored text is a number, else the text unchanged
    (the next edit of the profile asks for a real number)."""
    try:
        return phone_normalise(value)
    except ValidationError:
        return value
