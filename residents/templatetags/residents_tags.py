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
def need_status_tag(need: Need, labels: dict | None = None) -> dict:
    """The need's status; `labels` (need id -> (label, colour)) may say more, e.g.
    that the provider has answered a proposal (matching's `resident_match_counts`)."""
    if labels and need.pk in labels:
        label, colour = labels[need.pk]
        return {"label": label, "colour": colour}
    return {"label": need.get_status_display(), "colour": _TAG_COLOURS.get(need.status, "")}
