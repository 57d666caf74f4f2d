"""Forms parse what was typed into Python values; the rules about a profile or a
need (postcode in the council, end after start, ...) are in services.py, and
their errors are shown on these forms' fields."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from platform_core.availability import slot_choices
from platform_core.fields import GovukDateField
from platform_core.models import Council, Preference
from platform_core.phones import phone_display
from platform_core.selectors import category_list_active
from platform_core.spoken_languages import language_name

from .models import ContactPreference, Need, Resident


def _heading(form: forms.Form, name: str) -> None:
    """The field's label is the page's <h1> (one question per page)."""
    form.fields[name].page_heading = True


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        error_messages={
            "required": _("Enter your full name"),
            "max_length": _("Your full name must be 150 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    preferred_name = forms.CharField(
        label=_("What should helpers call you? (optional)"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("The name must be 100 characters or fewer")},
    )
    address_line_1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        error_messages={
            "required": _("Enter address line 1, typically the building and street"),
            "max_length": _("Address line 1 must be 200 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line_2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Address line 2 must be 200 characters or fewer")},
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    town = forms.CharField(
        label=_("Town or city (optional)"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("Town or city must be 100 characters or fewer")},
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        error_messages={"required": _("Enter a postcode"), "max_length": _("Enter a real postcode, like KT1 1EU")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        help_text=_("For example, 07700 900 982. We will only use it to arrange your help."),
        max_length=30,
        required=False,
        error_messages={"max_length": _("Enter a telephone number, like 01632 960 001 or 07700 900 982")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"),
        # "Through the referrer" is for referred residents, chosen by their referrer.
        choices=[c for c in ContactPreference.choices if c[0] != ContactPreference.REFERRER],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how we should contact you")},
    )
    language = forms.CharField(
        label=_("Which language do you prefer to speak?"),
        help_text=_("For example, English, Welsh, Polish or British Sign Language."),
        max_length=40,
        initial="English",
        error_messages={
            "required": _("Enter the language you prefer to speak"),
            "max_length": _("The language must be 40 characters or fewer"),
        },
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (optional)"),
        help_text=_("For example, you use a wheelchair, or you are hard of hearing."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Accessibility needs must be 1000 characters or fewer")},
    )
    vulnerability_notes = forms.CharField(
        label=_("Anything a helper must know to keep you safe (optional)"),
        help_text=_("Only the helper you confirm will see this."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("This must be 1000 characters or fewer")},
    )
    consent_share_details = forms.BooleanField(
        label=_("Share my address and phone number with the helper I confirm"),
        required=False,
    )

    @classmethod
    def initial_for(cls, *, user, resident: Resident | None) -> dict:
        initial = {"full_name": user.full_name, "contact_preference": ContactPreference.EMAIL, "language": "English"}
        if resident is not None:
            for name in cls.base_fields:
                if name != "full_name":
                    initial[name] = getattr(resident, name)
            initial["phone"] = phone_display(resident.phone)
            initial["language"] = language_name(resident.language)
        return initial


# --- Need question pages ---------------------------------------------------------


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What kind of help do you need?"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the kind of help you need"),
            "invalid_choice": _("Select the kind of help you need"),
        },
    )

    def __init__(self, *args, council: Council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list_active(council=council)
        _heading(self, "category")


class WhatForm(forms.Form):
    title = forms.CharField(
        label=_("Give your request a short title"),
        help_text=_("For example, 'Lift to Kingston Hospital' or 'Weekly shopping'."),
        max_length=100,
        error_messages={
            "required": _("Enter a short title for your request"),
            "max_length": _("The title must be 100 characters or fewer"),
        },
    )
    description = forms.CharField(
        label=_("Describe the help you need"),
        help_text=_("Do not include your address or phone number: we share them only with the helper you confirm."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Describe the help you need"),
            "max_length": _("The description must be 1000 characters or fewer"),
        },
    )


class WhenForm(forms.Form):
    timing = forms.ChoiceField(
        label=_("How often do you need help?"),
        choices=Need.Timing.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how often you need help")},
    )
    urgency = forms.TypedChoiceField(
        label=_("How soon do you need help?"),
        choices=Need.Urgency.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how soon you need help")},
    )


def hour_choices() -> list[tuple[int | str, str]]:
    """7am to 10pm as people write them, in the page's language ("10am", "10yb")."""
    hours = [(h, time_format(time(h), "g") + time_format(time(h), "a").replace(".", "")) for h in range(7, 23)]
    return [("", str(_("Choose a time"))), *hours]


class OneOffTimesForm(forms.Form):
    date = GovukDateField(
        label=_("What date do you need help?"),
        help_text=_("For example, 27 3 2027"),
        error_messages={"required": _("Enter the date you need help"), "invalid": _("The date must be a real date")},
    )
    start_hour = forms.TypedChoiceField(
        label=_("From"),
        choices=hour_choices,
        coerce=int,
        error_messages={"required": _("Select the earliest time help can start"), "invalid_choice": _("Select a time")},
    )
    end_hour = forms.TypedChoiceField(
        label=_("Until"),
        choices=hour_choices,
        coerce=int,
        error_messages={"required": _("Select the latest time help can finish"), "invalid_choice": _("Select a time")},
    )

    # Where the services' errors on the need are shown on this page.
    service_fields = {"window_start": "date", "window_end": "end_hour"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _heading(self, "date")

    @classmethod
    def initial_for(cls, need: Need) -> dict:
        if not need.window_start or not need.window_end:
            return {}
        start = timezone.localtime(need.window_start)
        end = timezone.localtime(need.window_end)
        return {"date": start.date(), "start_hour": start.hour, "end_hour": end.hour}

    def window(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["date"]
        start = timezone.make_aware(datetime.combine(day, time(self.cleaned_data["start_hour"])))
        end = timezone.make_aware(datetime.combine(day, time(self.cleaned_data["end_hour"])))
        return start, end


class WeeklyTimesForm(forms.Form):
    weekly_slots = forms.TypedMultipleChoiceField(
        label=_("When in the week can help come?"),
        help_text=_("Select all that apply."),
        choices=slot_choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Select at least one time of the week"),
            "invalid_choice": _("Select times of the week from the list"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _heading(self, "weekly_slots")


class RepeatForm(forms.Form):
    """How often a weekly need's visits come, and until when (ADR 0018). The
    rules (an end within a year, at most 365 visits) are the services'."""

    DATE = "date"
    COUNT = "count"
    service_fields = {"repeat_every_weeks": "repeat_every_weeks", "ends_on": "ends_on", "visit_count": "visit_count"}

    repeat_every_weeks = forms.TypedChoiceField(
        label=_("How often should help come?"),
        choices=[
            (1, _("Every week")),
            (2, _("Every 2 weeks")),
            (3, _("Every 3 weeks")),
            (4, _("Every 4 weeks")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select how often help should come"),
            "invalid_choice": _("Select how often help should come"),
        },
    )
    end = forms.ChoiceField(
        label=_("When should the visits stop?"),
        choices=[(DATE, _("On a date")), (COUNT, _("After a number of visits"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select when the visits should stop")},
    )
    ends_on = GovukDateField(
        label=_("Last day of visits, if they stop on a date"),
        help_text=_("For example, 27 3 2027"),
        required=False,
    )
    visit_count = forms.IntegerField(
        label=_("Number of visits, if they stop after a number"),
        help_text=_("For example, 18 for three visits a week for six weeks."),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={"invalid": _("Enter the number of visits as a number, like 18")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _heading(self, "repeat_every_weeks")

    @classmethod
    def initial_for(cls, need: Need) -> dict:
        initial: dict = {"repeat_every_weeks": need.repeat_every_weeks}
        if need.ends_on:
            initial.update(end=cls.DATE, ends_on=need.ends_on)
        elif need.visit_count:
            initial.update(end=cls.COUNT, visit_count=need.visit_count)
        return initial

    def clean(self):
        data = super().clean()
        if data.get("end") == self.DATE and not data.get("ends_on") and "ends_on" not in self.errors:
            self.add_error("ends_on", _("Enter the last day of visits"))
        if data.get("end") == self.COUNT and data.get("visit_count") is None and "visit_count" not in self.errors:
            self.add_error("visit_count", _("Enter the number of visits"))
        return data

    def pattern(self) -> dict:
        data = self.cleaned_data
        by_date = data["end"] == self.DATE
        return {
            "repeat_every_weeks": data["repeat_every_weeks"],
            "ends_on": data["ends_on"] if by_date else None,
            "visit_count": None if by_date else data["visit_count"],
        }


class WhereForm(forms.Form):
    HOME = "home"
    ELSEWHERE = "elsewhere"
    service_fields = {"use_home_address": "where"}

    where = forms.ChoiceField(
        label=_("Where do you need help?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select where you need help")},
    )
    postcode = forms.CharField(
        label=_("Postcode of the place, if somewhere else"),
        max_length=10,
        required=False,
        error_messages={"max_length": _("Enter a real postcode, like KT1 1EU")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def __init__(self, *args, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = [
            (self.HOME, _("At my home address (%(postcode)s)") % {"postcode": resident.postcode}),
            (self.ELSEWHERE, _("Somewhere else")),
        ]
        _heading(self, "where")

    @classmethod
    def initial_for(cls, need: Need) -> dict:
        if need.use_home_address:
            return {"where": cls.HOME}
        return {"where": cls.ELSEWHERE, "postcode": need.postcode}


class PreferencesForm(forms.Form):
    preferences = forms.MultipleChoiceField(
        label=_("Do you have any preferences about your helper? (optional)"),
        help_text=_("Select all that apply."),
        choices=Preference.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Select preferences from the list")},
    )
    language = forms.CharField(
        label=_("Which language should your helper speak? (optional)"),
        help_text=_("For example, Welsh, Polish or British Sign Language."),
        max_length=40,
        required=False,
        error_messages={"max_length": _("The language must be 40 characters or fewer")},
    )
    accessibility = forms.CharField(
        label=_("Anything else the helper should know? (optional)"),
        help_text=_("For example, access to your home, mobility, hearing or sight."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("This must be 500 characters or fewer")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling this request?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Tell us why you are cancelling"),
            "max_length": _("The reason must be 300 characters or fewer"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _heading(self, "reason")
