"""Small display helpers for the residents' templates."""

from django import template

from residents.models import Need

register = template.Library()

_TAG_COLOURS = {
    Need.Status.DRAFT: "govuk-tag--grey",
    Need.Status.OPEN: "govuk-tag--blue",
    Need.Status.PROPOSED: "govuk-tag--yellow",
    Need.Status.MATCHED: "govuk-tag--green",
    Need.Status.COMPLETED: "govuk-tag--teal",
    Need.Status.CANCELLED: "govuk-tag--red",
    Need.Status.EXPIRED: "govuk-tag--grey",
    Need.Status.HIDDEN: "govuk-tag--orange",
}


@register.inclusion_tag("residents/includes/status_tag.html")
def need_status_tag(need: Need) -> dict:
    return {"label": need.get_status_display(), "colour": _TAG_COLOURS.get(need.status, "")}
