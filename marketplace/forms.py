from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from platform_core.forms import BoundedDateField
from platform_core.geo import Place, locate
from platform_core.models import SafeguardingTier, default_weights
from platform_core.money import pence_from_pounds
from residents.models import Need

from .models import SafeguardingConcern


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={"required": "Enter a reason"},
    )

    def __init__(self, *args, label: str = "Reason", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class ResidentExclusionForm(forms.Form):
    """An officer keeps a provider away from a resident, on their behalf (issue 9)."""

    provider = forms.ModelChoiceField(
        label="Which provider should never be matched with this resident?",
        queryset=None,
        empty_label="Choose a provider",
        error_messages={"required": "Choose a provider", "invalid_choice": "Choose a provider from the list"},
    )
    reason = forms.CharField(
        label="Why?",
        help_text="Recorded with the exclusion and in the audit log with your name. The provider is never told.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={
            "required": "Give the reason for this exclusion",
            "max_length": "The reason must be 500 characters or fewer",
        },
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class ResidentSearchForm(forms.Form):
    """Finding a resident shows names, so the search says why (ADR 0015)."""

    q = forms.CharField(
        label="Name, e-mail address, postcode or need reference",
        max_length=200,
        error_messages={"required": "Enter a name, e-mail address, postcode or need reference"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Why are you searching?",
        help_text="For example, 'Resident phoned about her shopping request'. Your reason is recorded "
        "in the audit log with your name, against each resident the search finds.",
        max_length=300,
        error_messages={"required": "Enter why you are searching"},
    )


class OptionalReasonForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False


class ConcernRaiseForm(forms.Form):
    description = forms.CharField(
        label=_("What is your concern?"),
        help_text=_(
            "Tell us what happened or what worries you. Only council officers will read this. "
            "If someone is in immediate danger, call 999."
        ),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8, "class": "govuk-textarea"}),
        error_messages={"required": _("Tell us what your concern is")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].page_heading = True


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-textarea"}),
        error_messages={"required": _("Tell us what is wrong")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].page_heading = True


class TriageForm(forms.Form):
    risk = forms.ChoiceField(
        label="Level of risk",
        choices=SafeguardingConcern.Risk.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of risk"},
    )
    note = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe what was done"},
    )


class PauseForm(forms.Form):
    reason_for_provider = forms.CharField(
        label="Reason the provider will see",
        help_text="Do not mention the concern. For example: “Paused by the council while we review your account.”",
        initial="Paused by the council while we review your account.",
        max_length=300,
    )


class EscalateForm(forms.Form):
    escalated_to = forms.CharField(
        label="Referred to",
        help_text="The council's safeguarding team e-mail address, or the team's name",
        max_length=200,
        required=False,
    )
    reference = forms.CharField(label="Referral reference (optional)", max_length=60, required=False)
    note = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "Record the outcome"}
    )


class BlockedWordForm(forms.Form):
    word = forms.CharField(label="Word or phrase", max_length=60, error_messages={"required": "Enter a word or phrase"})


class CategoryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, error_messages={"required": "Enter a name"})
    description = forms.CharField(
        label="Description", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    safeguarding_tier = forms.ChoiceField(
        label="Safeguarding tier",
        choices=SafeguardingTier.choices,
        widget=forms.RadioSelect,
        help_text="Which providers may serve this category.",
    )
    price_cap = forms.DecimalField(
        label="Price cap in pounds (optional)",
        help_text="The most a provider may charge per hour or visit. Leave empty for no cap.",
        required=False,
        min_value=Decimal("0"),
        max_digits=7,
        decimal_places=2,
    )
    is_active = forms.BooleanField(label="Residents can choose this category", required=False, initial=True)

    @classmethod
    def initial_for(cls, category) -> dict:
        return {
            "name": category.name,
            "description": category.description,
            "safeguarding_tier": category.safeguarding_tier,
            "price_cap": None if category.price_cap_pence is None else Decimal(category.price_cap_pence) / 100,
            "is_active": category.is_active,
        }

    @property
    def price_cap_pence(self) -> int | None:
        return pence_from_pounds(self.cleaned_data.get("price_cap"))


class CouncilLanguagesForm(forms.Form):
    welsh_enabled = forms.BooleanField(
        label="Offer the service in Welsh (Cymraeg) as well as English",
        required=False,
        help_text="Residents and referrers get a language switcher, and pages, e-mails and texts in the "
        "language they choose. Turned off, everyone gets English; their choices are kept.",
    )


class MarketRuleForm(forms.Form):
    max_distance_km = forms.DecimalField(
        label="Furthest a match may span, in km", min_value=Decimal("0.5"), max_value=Decimal("100"), decimal_places=1
    )
    response_deadline_hours = forms.IntegerField(
        label="Hours a provider has to answer a proposal", min_value=1, max_value=24 * 14
    )
    max_open_proposals_volunteer = forms.IntegerField(
        label="Open proposals an individual volunteer may hold", min_value=1, max_value=50
    )
    missed_visits_alert_after = forms.IntegerField(
        label="Missed visits in a row that alert the council's officers",
        help_text="Of one arrangement of ongoing help (a visit the resident says did not happen counts too).",
        min_value=1,
        max_value=20,
        required=False,  # left empty: kept as it is
    )
    visit_notice_days = forms.IntegerField(
        label="Days of notice a provider gives before pausing or ending ongoing visits",
        min_value=0,
        max_value=60,
        required=False,
    )
    urgent_unmatched_alert_hours = forms.IntegerField(
        label="Hours an urgent request may wait unmatched before officers are alerted",
        help_text="Each such request alerts the council's officers once.",
        min_value=1,
        max_value=24 * 14,
        required=False,  # left empty: kept as it is
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in default_weights():
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=f"Weight: {name}", min_value=0, max_value=10, help_text="0 ignores this term; 10 at most."
            )

    @classmethod
    def initial_for(cls, rule) -> dict:
        data = {
            "max_distance_km": rule.max_distance_km,
            "response_deadline_hours": rule.response_deadline_hours,
            "max_open_proposals_volunteer": rule.max_open_proposals_volunteer,
            "missed_visits_alert_after": rule.missed_visits_alert_after,
            "urgent_unmatched_alert_hours": rule.urgent_unmatched_alert_hours,
            "visit_notice_days": rule.visit_notice_days,
        }
        weights = {**default_weights(), **(rule.weights or {})}
        data.update({f"weight_{k}": v for k, v in weights.items()})
        return data

    @property
    def weights(self) -> dict[str, float]:
        return {k: self.cleaned_data[f"weight_{k}"] for k in default_weights()}


class PeriodForm(forms.Form):
    """From and to dates of a console page's period (a GET form); the end on or after the start."""

    date_from = BoundedDateField(
        name="Start date", label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        name="End date", label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": "The end date must be on or after the start date"})
        return data


class AnalyticsFilterForm(PeriodForm):
    category = forms.TypedChoiceField(label="Category", required=False, coerce=int, empty_value=None)
    district = forms.ChoiceField(label="Postcode district", required=False)

    def __init__(self, *args, categories=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [(c.pk, c.name) for c in categories]
        self.fields["district"].choices = [("", "All districts")] + [(d, d) for d in districts]


class MarketMapForm(PeriodForm):
    """The map's period, category and what the cells are coloured by."""

    category = forms.TypedChoiceField(label="Category", required=False, coerce=int, empty_value=None)
    show = forms.ChoiceField(label="Colour the cells by", required=False)

    def __init__(self, *args, categories=(), show_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [(c.pk, c.name) for c in categories]
        self.fields["show"].choices = list(show_choices)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Officer or person (e-mail)", required=False)
    action = forms.CharField(label="Action", required=False, help_text="For example: safeguarding or provider.suspend")
    object_type = forms.CharField(label="Object type", required=False, help_text="For example: residents.Resident")
    object_id = forms.CharField(label="Object id", required=False)
    date_from = BoundedDateField(
        name="Start date", label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        name="End date", label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


NEED_STATUS_LABELS = dict(Need.Status.choices)


class OpportunitiesForm(forms.Form):
    """Where a prospective provider would work from: a postcode, or a council (a GET form)."""

    postcode = forms.CharField(label=_("Your postcode"), max_length=10, required=False)
    council = forms.ChoiceField(label=_("Or choose a council"), required=False)

    def __init__(self, *args, councils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = [("", _("Choose a council"))] + [(c.slug, c.name) for c in councils]
        self.place: Place | None = None

    def clean(self):
        data = super().clean()
        if data.get("postcode"):
            try:
                self.place = locate(data["postcode"])
            except ValidationError as exc:
                self.add_error(None, exc)
        elif not data.get("council") and not self.errors:
            raise ValidationError({"postcode": _("Enter a postcode, or choose a council")})
        return data
