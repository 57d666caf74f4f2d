"""Forms of the visits pages. They only parse input; matching.services.visits holds the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Visit
from platform_core.fields import GovukDateField


class RecordForm(forms.Form):
    """The provider says how a visit went."""

    outcome = forms.ChoiceField(
        label=_("What happened?"),
        choices=[
            (Visit.Status.DONE, _("The visit took place")),
            (Visit.Status.MISSED, _("The visit was missed")),
            (Visit.Status.CANCELLED, _("The visit is cancelled")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select what happened"), "invalid_choice": _("Select what happened")},
    )
    minutes = forms.IntegerField(
        label=_("Time spent, in minutes"),
        help_text=_("Required for a paid offer. For example, 90."),
        required=False,
        min_value=1,
        max_value=720,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "invalid": _("Enter the time spent as a number of minutes, like 90"),
            "min_value": _("The time spent must be between 1 and 720 minutes"),
            "max_value": _("The time spent must be between 1 and 720 minutes"),
        },
    )
    reason = forms.CharField(
        label=_("If it was missed or cancelled, why?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("The reason must be 500 characters or fewer")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].page_heading = True


class DisputeForm(forms.Form):
    """The resident says a visit did not happen."""

    reason = forms.CharField(
        label=_("What happened?"),
        help_text=_("For example, nobody came, or they left early."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Tell us what happened"),
            "max_length": _("The reason must be 500 characters or fewer"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].page_heading = True


class PauseForm(forms.Form):
    starts_on = GovukDateField(
        label=_("First day of the pause"),
        help_text=_("For example, 27 3 2027"),
        error_messages={"required": _("Enter the first day of the pause")},
    )
    ends_on = GovukDateField(
        label=_("Last day of the pause"),
        help_text=_("Visits start again the day after."),
        error_messages={"required": _("Enter the last day of the pause")},
    )
    reason = forms.CharField(
        label=_("Why are the visits paused?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say why the visits are paused"),
            "max_length": _("The reason must be 500 characters or fewer"),
        },
    )


class EndForm(forms.Form):
    last_day = GovukDateField(
        label=_("Last day of visits"),
        help_text=_("For example, 27 3 2027"),
        error_messages={"required": _("Enter the last day of visits")},
    )
    reason = forms.CharField(
        label=_("Why are the visits ending?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say why the visits are ending"),
            "max_length": _("The reason must be 500 characters or fewer"),
        },
    )
