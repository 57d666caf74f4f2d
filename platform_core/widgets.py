"""Widgets in GOV.UK markup that Django has no template for."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_PARTS = ("day", "month", "year")
DATE_PART_LABELS = (_("Day"), _("Month"), _("Year"))


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year text inputs in the GOV.UK date-input pattern.

    Posts `<name>_day`, `<name>_month`, `<name>_year`; the inputs' ids are
    `<id>_0`, `<id>_1`, `<id>_2`. `error_parts` (indices, set by
    GovukDateField.clean) says which inputs to mark as wrong; with an error but
    none named, all three are marked, as GOV.UK asks.
    """

    template_name = "django/forms/widgets/govuk_date.html"
    govuk_date = True
    use_fieldset = True

    def __init__(self, attrs=None):
        widgets = {
            part: forms.TextInput(
                attrs={
                    "class": f"govuk-date-input__input govuk-input--width-{4 if part == 'year' else 2}",
                    "inputmode": "numeric",
                }
            )
            for part in DATE_PARTS
        }
        super().__init__(widgets, attrs)
        self.error_parts: list[int] = []

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        has_error = attrs.pop("govuk_error", False)
        # The error modifier comes per input below, not on the group.
        attrs.pop("class", None)
        # Each input's value is exactly what was typed, even "" (so "3" stays "3", not "03").
        context = super().get_context(name, value, attrs)
        marked = set(self.error_parts or range(3)) if has_error else set()
        for index, (label, sub) in enumerate(zip(DATE_PART_LABELS, context["widget"]["subwidgets"], strict=True)):
            sub["govuk_label"] = label
            sub["attrs"].pop("required", None)
            if index in marked:
                sub["attrs"]["class"] = f"{sub['attrs'].get('class', '')} govuk-input--error".strip()
        return context

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_
