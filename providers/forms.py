"""Forms for the provider's pages. They parse input; the rules live in providers.services."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from platform_core.availability import slot_choices
from platform_core.fields import GovukDateField
from platform_core.forms import PostcodeField
from platform_core.models import Preference, SafeguardingTier, ServiceCategory
from platform_core.money import pence_from_pounds
from platform_core.spoken_languages import language_name
from providers.models import Offer, Provider, VerificationEvidence


class ProviderProfileForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the name residents will see"}
    )
    description = forms.CharField(
        label="Describe what you do",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Residents see this on your profile.",
    )
    email = forms.EmailField(
        label="Contact e-mail address",
        error_messages={
            "required": "Enter a contact e-mail address",
            "invalid": "Enter an e-mail address in the right format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Contact phone number (optional)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    website = forms.URLField(
        assume_scheme="https",
        label="Website (optional)",
        required=False,
        error_messages={"invalid": "Enter a website address, like https://example.org"},
    )
    postcode = PostcodeField(label="Base postcode", help_text="Where you work from. We use it to find your council.")


class ProviderRegisterForm(ProviderProfileForm):
    kind = forms.ChoiceField(
        label="What are you registering?",
        choices=Provider.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are registering"},
    )
    field_order = ["kind", "name", "description", "email", "phone", "website", "postcode"]


REFERENCE_LABELS = {
    VerificationEvidence.Kind.CQC: ("CQC location ID", "Starts with 1- then 9 to 11 digits, like 1-123456789."),
    VerificationEvidence.Kind.CHARITY_NUMBER: (
        "Registered charity number",
        "6 to 8 digits, like 1123456. Add a linked charity's suffix if it has one, like 1123456-1.",
    ),
    VerificationEvidence.Kind.DBS: (
        "DBS certificate number",
        "12 digits, printed at the top right of the certificate.",
    ),
    VerificationEvidence.Kind.ID_CHECK: (
        "Identity check reference",
        "The reference of your passport or driving licence check, as given by the council.",
    ),
    VerificationEvidence.Kind.COMPANY: (
        "Registration number",
        "Your Companies House number, or your group's registration or constitution reference.",
    ),
}


class EvidenceForm(forms.Form):
    reference = forms.CharField(max_length=40, error_messages={"required": "Enter the reference"})
    dbs_level = forms.ChoiceField(
        label="Level of the DBS check",
        choices=[(value, label[0].upper() + label[1:]) for value, label in VerificationEvidence.DbsLevel.choices],
        widget=forms.RadioSelect,
        help_text="Printed on the certificate. Visiting people at home needs an enhanced check.",
        error_messages={"required": "Choose the level of the DBS check"},
    )
    issued_on = GovukDateField(label="Date of issue", required=False, help_text="For example, 27 3 2025")
    expires_on = GovukDateField(label="Expiry date (optional)", required=False, help_text="For example, 27 3 2028")
    update_service_consent = forms.BooleanField(
        label="I agree that the council may check my certificate on the DBS Update Service",
        required=False,
    )

    def __init__(self, *args, kind: str, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        label, hint = REFERENCE_LABELS[kind]
        self.fields["reference"].label = label
        self.fields["reference"].help_text = hint
        self.fields["reference"].error_messages["required"] = f"Enter the {label[0].lower()}{label[1:]}"
        if kind == VerificationEvidence.Kind.DBS:
            self.fields["issued_on"].required = True
            self.fields["issued_on"].error_messages["required"] = "Enter the date the DBS certificate was issued"
            self.fields["expires_on"].help_text = "Leave empty: the council asks for a new check after 3 years."
            if provider.kind != Provider.Kind.VOLUNTEER:
                self.fields[
                    "update_service_consent"
                ].label = (
                    "The person named on the certificate agrees that the council may check it on the DBS Update Service"
                )
        else:
            del self.fields["update_service_consent"]
            del self.fields["dbs_level"]
            if kind in (VerificationEvidence.Kind.CHARITY_NUMBER, VerificationEvidence.Kind.COMPANY):
                del self.fields["issued_on"]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address of the person to invite",
        error_messages={
            "required": "Enter an e-mail address",
            "invalid": "Enter an e-mail address in the right format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ServiceCategory) -> str:
        if obj.safeguarding_tier == SafeguardingTier.OPEN:
            return obj.name
        return f"{obj.name} ({SafeguardingTier(obj.safeguarding_tier).label})"


class OfferForm(forms.Form):
    # The services name the price in pence; people type pounds.
    service_fields = {"price_pence": "price"}

    title = forms.CharField(label="Title", max_length=100, error_messages={"required": "Enter a title"})
    description = forms.CharField(
        label="Describe the help you offer",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Describe the help you offer"},
    )
    categories = CategoryChoiceField(
        label="What kinds of help does this offer cover?",
        queryset=ServiceCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Some kinds of help need a check, shown in brackets. You can only offer those your checks cover.",
        error_messages={"required": "Select at least one kind of help"},
    )
    capacity = forms.IntegerField(
        label="How many people can you help at once?",
        min_value=1,
        max_value=100,
        error_messages={
            "required": "Enter how many people you can help at once",
            "invalid": "Enter a whole number, like 3",
            "min_value": "Enter 1 or more",
            "max_value": "Enter 100 or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    postcode = PostcodeField(label="Postcode you travel from")
    radius_km = forms.DecimalField(
        label="How far will you travel, in kilometres?",
        max_digits=5,
        decimal_places=1,
        error_messages={"required": "Enter how far you will travel", "invalid": "Enter a number, like 5"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
    )
    weekly_slots = forms.TypedMultipleChoiceField(
        label="When are you available?",
        choices=slot_choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select none if you can help at any time.",
    )
    languages = forms.CharField(
        label="Languages you speak (optional)",
        required=False,
        max_length=300,
        help_text="Separate them with commas, like English, Welsh, Polish or British Sign Language.",
    )
    preferences_met = forms.MultipleChoiceField(
        label="Can you meet any of these needs? (optional)",
        choices=Preference.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cost_type = forms.ChoiceField(
        label="What does it cost?",
        choices=Offer.CostType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the help is free or paid"},
    )
    price = forms.DecimalField(
        label="Price in pounds, if not free",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        error_messages={"invalid": "Enter a price in pounds, like 12.50", "min_value": "Enter a price above £0"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
    )

    def __init__(self, *args, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = ServiceCategory.objects.filter(
            council_id=provider.council_id, is_active=True
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        price = data.get("price")
        return {
            "title": data["title"],
            "description": data["description"],
            "categories": list(data["categories"]),
            "capacity": data["capacity"],
            "postcode": data["postcode"],
            "radius_km": data["radius_km"],
            "weekly_slots": data["weekly_slots"],
            "languages": [x.strip() for x in data["languages"].split(",") if x.strip()],
            "preferences_met": data["preferences_met"],
            "cost_type": data["cost_type"],
            "price_pence": (pence_from_pounds(price) or 0) if data["cost_type"] != Offer.CostType.FREE else 0,
        }

    @staticmethod
    def initial_from(offer: Offer) -> dict:
        return {
            "title": offer.title,
            "description": offer.description,
            "categories": [c.pk for c in offer.categories.all()],
            "capacity": offer.capacity,
            "postcode": offer.postcode,
            "radius_km": offer.radius_km,
            "weekly_slots": offer.weekly_slots,
            "languages": ", ".join(language_name(code) for code in offer.languages),
            "preferences_met": offer.preferences_met,
            "cost_type": offer.cost_type,
            "price": Decimal(offer.price_pence) / 100 if offer.price_pence else None,
        }
