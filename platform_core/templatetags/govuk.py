"""Template helpers for GOV.UK markup: widget classes by error state, error summary items."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()

# The modifier GOV.UK Frontend puts on a control whose answer has an error.
_ERROR_CLASS = {
    "textarea": "govuk-textarea--error",
    "select": "govuk-select--error",
    "selectmultiple": "govuk-select--error",
    "clearablefile": "govuk-file-upload--error",
    "file": "govuk-file-upload--error",
}
_CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)
# Checkboxes and radios carry no error modifier of their own: the group shows it.
_NO_ERROR_CLASS = (*_CHOICE_WIDGETS, forms.CheckboxInput)


def _character_count(bound_field: BoundField) -> int | None:
    """The limit to count down from: a Textarea on a field with max_length."""
    if isinstance(bound_field.field.widget, forms.Textarea):
        return getattr(bound_field.field, "max_length", None)
    return None


@register.filter
def character_count(bound_field: BoundField) -> int | None:
    return _character_count(bound_field)


@register.simple_tag
def govuk_widget(bound_field: BoundField):
    """Render a field's widget with the GOV.UK error modifier and describedby ids.

    The widget templates add the base class (govuk-input, govuk-select...); this
    adds what depends on the bound field: its errors and the character count.
    """
    widget = bound_field.field.widget
    attrs: dict = {}
    classes = widget.attrs.get("class", "")
    if bound_field.errors:
        if getattr(widget, "govuk_date", False):
            attrs["govuk_error"] = True
        elif not isinstance(widget, _NO_ERROR_CLASS):
            error_class = _ERROR_CLASS.get(bound_field.widget_type, "govuk-input--error")
            classes = f"{classes} {error_class}".strip()
    if classes:
        attrs["class"] = classes
    if _character_count(bound_field) and bound_field.auto_id:
        # GOV.UK: no maxlength attribute with a character count, it cuts text off unannounced.
        attrs["maxlength"] = None
        attrs["class"] = f"{attrs.get('class', '')} govuk-js-character-count".strip()
        ids = [bound_field.aria_describedby or "", f"{bound_field.auto_id}-info"]
        attrs["aria-describedby"] = " ".join(i for i in ids if i)
    return bound_field.as_widget(attrs=attrs)


def error_target_id(bound_field: BoundField) -> str:
    """The id of the control an error summary link should move focus to."""
    auto_id = bound_field.auto_id
    widget = bound_field.field.widget
    if isinstance(widget, (*_CHOICE_WIDGETS, forms.MultiWidget)):
        parts = getattr(widget, "error_parts", None) or [0]
        return f"{auto_id}_{min(parts)}"
    return auto_id


@register.simple_tag
def govuk_error_items(form) -> list[dict]:
    """Every error of a form as {"href", "text"}, in the order the fields appear.

    Errors not tied to a field link to the first visible field, so the summary
    still takes the user somewhere they can act.
    """
    if form is None or not getattr(form, "errors", None):
        return []
    visible = list(form.visible_fields())
    first_href = f"#{error_target_id(visible[0])}" if visible and visible[0].auto_id else ""
    items = [{"href": first_href, "text": error} for error in form.non_field_errors()]
    for bound_field in form:
        for error in bound_field.errors:
            if bound_field.is_hidden or not bound_field.auto_id:
                items.append({"href": first_href, "text": error})
            else:
                items.append({"href": f"#{error_target_id(bound_field)}", "text": error})
    return items


@register.filter
def label_size(bound_field: BoundField) -> str:
    """ "l" when the question is the page's heading, else the field's own label_size, else ""."""
    field = bound_field.field
    if getattr(field, "page_heading", False):
        return getattr(field, "label_size", "") or "l"
    return getattr(field, "label_size", "") or ""


@register.filter
def is_page_heading(bound_field: BoundField) -> bool:
    return bool(getattr(bound_field.field, "page_heading", False))
