"""A service's errors land on the form that called it."""

from django import forms
from django.core.exceptions import ValidationError

from platform_core.forms import apply_service_errors


class PriceForm(forms.Form):
    service_fields = {"price_pence": "price"}
    price = forms.DecimalField(required=False)
    title = forms.CharField(required=False)


def _form() -> PriceForm:
    form = PriceForm(data={})
    form.is_valid()
    return form


def test_errors_go_beside_the_field_of_the_same_or_mapped_name_and_the_rest_to_the_top():
    form = _form()
    apply_service_errors(
        form, ValidationError({"title": ["Enter a title"], "price_pence": ["Too dear"], "capacity": ["Too many"]})
    )
    assert form.errors == {"title": ["Enter a title"], "price": ["Too dear"], "__all__": ["Too many"]}


def test_an_error_of_no_field_goes_to_the_top_and_a_map_given_wins_over_the_forms_own():
    form = _form()
    apply_service_errors(form, ValidationError("This offer is closed."))
    apply_service_errors(form, ValidationError({"price_pence": ["Too dear"]}), field_map={"price_pence": "title"})
    assert form.errors == {"__all__": ["This offer is closed."], "title": ["Too dear"]}
