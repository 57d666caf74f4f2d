"""Forms shared by every app: the extra sign-up questions and a postcode field."""

from __future__ import annotations

from django import forms

from .geo import postcode_normalise
from .models import User


class PostcodeField(forms.CharField):
    """A UK postcode, normalised ('kt1 1eu' -> 'KT1 1EU') with a message a person can act on."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "Postcode")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "postal-code", "spellcheck": "false"})
        self.error_messages["required"] = "Enter a postcode"

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return postcode_normalise(value)


class SignupExtraForm(forms.Form):
    """Asked at sign-up on top of allauth's e-mail and password."""

    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            (User.Role.RESIDENT, "Get help for myself or someone I live with"),
            (User.Role.PROVIDER, "Offer help, as an organisation or a volunteer"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you want to get help or offer help"},
    )

    def signup(self, request, user: User) -> None:
        # allauth calls this while saving the new user; the role is a plain
        # attribute of the account, there is no further rule to apply.
        user.full_name = self.cleaned_data["full_name"]
        user.role = self.cleaned_data["role"]
        user.save(update_fields=["full_name", "role"])


class AccountEraseForm(forms.Form):
    """Erasing an account: an explicit confirmation and the password again."""

    confirm = forms.BooleanField(
        label="I understand this cannot be undone",
        error_messages={"required": "Confirm that you understand this cannot be undone"},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Your password is not right")
        return password
