"""Form fields with GOV.UK behaviour: a date asked as day, month and year."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .widgets import GovukDateWidget

DATE_PART_WORDS = (_("day"), _("month"), _("year"))


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK error messages.

    "Date must include a month", "Date must include a day and year", "Enter a
    real date", "Year must include 4 numbers". Override any of them with
    `error_messages` (keys: required, incomplete, invalid, year); `incomplete`
    is formatted with `{parts}`.
    """

    widget = GovukDateWidget
    default_error_messages = {
        "required": _("Enter a date"),
        "incomplete": _("Date must include a {parts}"),
        "invalid": _("Enter a real date"),
        "year": _("Year must include 4 numbers"),
    }

    def __init__(self, **kwargs):
        fields = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields=fields, **kwargs)

    def _fail(self, code: str, error_parts: list[int], **params) -> None:
        self.widget.error_parts = error_parts
        message = self.error_messages[code]
        raise ValidationError(str(message).format(**params) if params else message, code=code)

    def clean(self, value):
        self.widget.error_parts = []
        if isinstance(value, datetime.date):
            return value
        raw = [str(v).strip() if v is not None else "" for v in (value or ["", "", ""])]
        raw = [*raw, "", "", ""][:3]
        if not any(raw):
            if self.required:
                self._fail("required", [])
            return None
        missing = [i for i, v in enumerate(raw) if not v]
        if missing:
            names = [str(DATE_PART_WORDS[i]) for i in missing]
            self._fail("incomplete", missing, parts=str(_(" and ")).join(names))
        not_numbers = [i for i, v in enumerate(raw) if not v.isdigit()]
        if not_numbers:
            self._fail("invalid", not_numbers)
        day, month, year = raw
        if len(year) != 4:
            self._fail("year", [2])
        try:
            result = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # 31 2 2025, or a day of 10**30 digits
            self._fail("invalid", [])
        self.run_validators(result)
        return result

    def compress(self, data_list):  # clean() above does the whole job
        raise NotImplementedError
