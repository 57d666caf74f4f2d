"""Forms for referrers and the people they refer. They parse what was typed;
the rules are in referrals/services.py and residents/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from platform_core.fields import GovukDateField
from platform_core.models import Council

from ..forms import ProfileForm
from ..models import ClaimCode, ConsentRecord, ContactPreference

DEFAULT_AGREEMENT = _(
    "To the council keeping these details to find them help, and to sharing their name, address, phone "
    "number and access needs with the helper who is confirmed."
)


class ReferrerApplyForm(forms.Form):
    council = forms.ModelChoiceField(
        label=_("Which council do you want to refer residents to?"),
        queryset=Council.objects.order_by("name"),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select a council"), "invalid_choice": _("Select a council")},
    )
    organisation = forms.CharField(
        label=_("Your organisation"),
        help_text=_("For example, Kingston GP Surgery or Age UK Kingston."),
        max_length=200,
        error_messages={
            "required": _("Enter the name of your organisation"),
            "max_length": _("The organisation's name must be 200 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    role = forms.CharField(
        label=_("Your role"),
        help_text=_("For example, social prescriber, social worker or librarian."),
        max_length=100,
        error_messages={
            "required": _("Enter your role, for example social prescriber"),
            "max_length": _("Your role must be 100 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    phone = forms.CharField(
        label=_("Work phone number"),
        help_text=_("A helper calls this number about someone who chose to be contacted through you."),
        max_length=30,
        error_messages={"required": _("Enter a work phone number a helper can call")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "work tel"}),
    )


def _contact_choices(*, officer: bool) -> list[tuple[str, str]]:
    wanted = [ContactPreference.PHONE, ContactPreference.TEXT, ContactPreference.LETTER]
    if not officer:
        wanted.append(ContactPreference.REFERRER)
    labels = dict(ContactPreference.choices)
    return [(value, labels[value]) for value in wanted]


class ReferredResidentForm(forms.Form):
    """Everything about the person and their consent, on one page with sections:
    a referrer fills it in with the person beside them or on the phone."""

    full_name = ProfileForm.base_fields["full_name"]
    preferred_name = ProfileForm.base_fields["preferred_name"]
    address_line_1 = ProfileForm.base_fields["address_line_1"]
    address_line_2 = ProfileForm.base_fields["address_line_2"]
    town = ProfileForm.base_fields["town"]
    postcode = ProfileForm.base_fields["postcode"]
    phone = forms.CharField(
        label=_("Their phone number (optional)"),
        help_text=_("Needed for a phone call or text messages, for example 07700 900 982."),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How do they want to be contacted?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how they want to be contacted")},
    )
    accessibility_needs = forms.CharField(
        label=_("Their access needs (optional)"),
        help_text=_("For example, uses a wheelchair, hard of hearing, needs large print."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Access needs must be 1000 characters or fewer")},
    )
    consent_given_by = forms.CharField(
        label=_("Who agreed?"),
        help_text=_("The person themself, or who agreed for them and why (for example, their attorney)."),
        max_length=200,
        error_messages={"required": _("Enter who agreed"), "max_length": _("This must be 200 characters or fewer")},
    )
    consent_agreed_to = forms.CharField(
        label=_("What did they agree to?"),
        max_length=1000,
        initial=DEFAULT_AGREEMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Enter what they agreed to"),
            "max_length": _("This must be 1000 characters or fewer"),
        },
    )
    consent_given_on = GovukDateField(
        label=_("When did they agree?"),
        help_text=_("For example, 27 3 2026"),
        error_messages={"required": _("Enter the date they agreed"), "invalid": _("Enter a real date")},
    )
    consent_method = forms.ChoiceField(
        label=_("How did they agree?"),
        choices=ConsentRecord.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how they agreed")},
    )

    def __init__(self, *args, officer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_preference"].choices = _contact_choices(officer=officer)
        self.fields["full_name"].label = _("Their full name")
        self.fields["preferred_name"].label = _("What should helpers call them? (optional)")
        if officer:
            self.fields["reason"] = forms.CharField(
                label=_("Why are you creating this resident?"),
                help_text=_("For example, 'Caller phoned the helpline for help with shopping'. It is recorded."),
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": _("Enter why you are creating this resident")},
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            name: data[name]
            for name in (
                "full_name",
                "address_line_1",
                "address_line_2",
                "town",
                "postcode",
                "phone",
                "contact_preference",
                "accessibility_needs",
            )
        }
        arguments["consent"] = {
            "given_by": data["consent_given_by"],
            "agreed_to": data["consent_agreed_to"],
            "given_on": data["consent_given_on"],
            "method": data["consent_method"],
        }
        if "reason" in data:
            arguments["reason"] = data["reason"]
        return arguments


class ClaimCodeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How should we send them the code?"),
        choices=ClaimCode.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how to send the code")},
    )
    email = forms.CharField(
        label=_("Their email address, if by email"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "spellcheck": "false", "autocomplete": "off"}),
    )


class ClaimForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        help_text=_("It is 8 letters and numbers, for example ABCD-2345."),
        max_length=20,
        error_messages={"required": _("Enter the code we sent you")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    email = forms.CharField(
        label=_("Your email address"),
        help_text=_("You will sign in with it."),
        max_length=254,
        error_messages={"required": _("Enter your email address")},
        widget=forms.TextInput(attrs={"type": "email", "spellcheck": "false", "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        max_length=128,
        strip=False,
        error_messages={"required": _("Choose a password")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Do you approve this referrer?"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select approve or refuse")},
    )
    reason = forms.CharField(
        label=_("Reason (needed to refuse; the applicant is told)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("They asked for their details to be erased, and I have told them their requests will be cancelled"),
        error_messages={"required": _("Confirm that they asked for this")},
    )
