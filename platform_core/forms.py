"""Forms shared by every app: the extra sign-up questions, a postcode field, a
bounded date field, and how a service's errors are shown on the form that called it."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import dates
from .geo import postcode_normalise
from .models import Language, User


def apply_service_errors(form: forms.Form, exc: ValidationError, field_map: Mapping[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: each error beside the field
    of the same name, or of the name `field_map` (or the form's own
    `service_fields`) gives it; errors of no field on the form go at the top.

    Services hold the rules and name their errors after their own arguments
    ("price_pence"); a form may ask for the same thing differently ("price").
    """
    names = {**getattr(form, "service_fields", {}), **(field_map or {})}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        target = names.get(field, field)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class PostcodeField(forms.CharField):
    """A UK postcode, normalised ('kt1 1eu' -> 'KT1 1EU') with a message a person can act on."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", _("Postcode"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "postal-code", "spellcheck": "false"})
        self.error_messages["required"] = _("Enter a postcode")

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return postcode_normalise(value)


class BoundedDateField(forms.DateField):
    """A date a person chooses for a filter, within platform_core.dates' window.

    `name` is how the error message calls it ("Start date must be between ...").
    """

    def __init__(self, *, name: str = "Date", **kwargs):
        super().__init__(**kwargs)
        self.name = name

    def clean(self, value):
        value = super().clean(value)
        if value is not None and not dates.in_range(value):
            raise forms.ValidationError(dates.out_of_range_message(self.name), code="range")
        return value


class SignupExtraForm(forms.Form):
    """Asked at sign-up on top of allauth's e-mail and password."""

    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (User.Role.RESIDENT, _("Get help for myself or someone I live with")),
            (User.Role.PROVIDER, _("Offer help, as an organisation or a volunteer")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you want to get help or offer help")},
    )

    def signup(self, request, user: User) -> None:
        # allauth calls this while saving the new user; the role is a plain
        # attribute of the account, there is no further rule to apply.
        # The language they signed up in (switcher or browser) is theirs from now on:
        # the confirmation e-mail and every later message use it.
        user.full_name = self.cleaned_data["full_name"]
        user.role = self.cleaned_data["role"]
        language = translation.get_language()
        user.language = language if language in Language.values and language != settings.LANGUAGE_CODE else ""
        user.save(update_fields=["full_name", "role", "language"])


class AccountEraseForm(forms.Form):
    """Erasing an account: an explicit confirmation and the password again."""

    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone"),
        error_messages={"required": _("Confirm that you understand this cannot be undone")},
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Your password is not right")
        return password


class AccountContactForm(forms.Form):
    """How a provider member or an officer gets notifications (a resident's profile asks the same)."""

    notify_by = forms.ChoiceField(
        label="How should we send you notifications?",
        choices=User._meta.get_field("notify_by").choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how we should send you notifications"},
    )
    phone = forms.CharField(
        label="Mobile phone number (for text messages)",
        help_text="For example, 07700 900 982.",
        max_length=30,
        required=False,
        error_messages={"max_length": "Enter a telephone number, like 07700 900 982"},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class ApiTokenForm(forms.Form):
    """A new API token: what it is for and how long it lasts (the choices depend on who you are)."""

    name = forms.CharField(
        label=_("Name"),
        help_text=_("Say what will use it, so you can tell your tokens apart. For example, 'Spreadsheet at home'."),
        max_length=80,
        error_messages={
            "required": _("Enter a name for the token, such as the program that will use it"),
            "max_length": _("The name must be 80 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    hours = forms.TypedChoiceField(
        label=_("How long should it last?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how long the token lasts")},
    )

    def __init__(self, *args, lifetimes: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hours"].choices = lifetimes
        self.fields["hours"].initial = lifetimes[-1][0] if len(lifetimes) <= 3 else 30 * 24
