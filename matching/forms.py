"""Forms of the match pages. They only parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PROVIDER_DECLINE_REASONS = [
    ("no_one_free", _("No one is free at that time")),
    ("too_far", _("It is too far for us")),
    ("not_suitable", _("We cannot offer this kind of help")),
    ("other", _("Another reason")),
]
RESIDENT_DECLINE_REASONS = [
    ("found_help", _("I have found help elsewhere")),
    ("not_suitable", _("This provider is not right for me")),
    ("no_longer_needed", _("I no longer need help")),
    ("other", _("Another reason")),
]


class DeclineForm(forms.Form):
    """Why the proposal is declined: a choice, or "another reason" in words."""

    reason = forms.ChoiceField(
        label=_("Why are you declining?"), widget=forms.RadioSelect, error_messages={"required": _("Select a reason")}
    )
    other = forms.CharField(
        label=_("Tell us the reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, resident: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = RESIDENT_DECLINE_REASONS if resident else PROVIDER_DECLINE_REASONS
        self.fields["reason"].page_heading = True

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("other") or "").strip():
            self.add_error("other", _("Enter the reason"))
        return data

    def reason_text(self) -> str:
        choice = self.cleaned_data["reason"]
        if choice == "other":
            return self.cleaned_data["other"].strip()
        return dict(self.fields["reason"].choices)[choice]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the reason")},
    )
    still_needed = forms.TypedChoiceField(
        label=_("Do you still need help?"),
        choices=[("yes", _("Yes, find someone else")), ("no", _("No, I no longer need help"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
        initial="yes",
    )

    def __init__(self, *args, resident: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].page_heading = True
        if not resident:
            del self.fields["still_needed"]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter a message")},
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How would you rate the help you got?"),
        choices=[
            (5, _("5 – Excellent")),
            (4, _("4 – Good")),
            (3, _("3 – Fair")),
            (2, _("2 – Poor")),
            (1, _("1 – Very poor")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select a rating")},
    )
    comment = forms.CharField(
        label=_("Comments (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    exclude = forms.BooleanField(
        label=_("Do not match me with this provider again"),
        help_text=_("We will never tell the provider. You can change your mind later."),
        required=False,
    )


class AcceptForm(forms.Form):
    """Who will attend, for help that names them (ADR 0023): the members cleared now."""

    attending_member = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label=_("Who will visit?"),
        help_text=_("Only members whose enhanced DBS check the council has accepted, and is in date, can be named."),
        error_messages={
            "invalid_choice": _("Choose a member whose enhanced DBS check the council has accepted and is in date")
        },
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attending_member"].choices = [(m.pk, m.user.display_name) for m in members]
