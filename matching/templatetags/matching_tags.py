"""What the residents' and providers' pages show about matches, without those
apps importing matching (the templates compose the pages; the layering of the
Python code stays `matching → residents | providers`)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from matching import selectors
from matching.models import Match

register = template.Library()

#: What the resident's list says of a need whose live match moved on from
#: "proposed" (the need itself stays "proposed" until the resident confirms).
_RESIDENT_NEED_LABELS = {
    Match.Status.ACCEPTED: (_("A helper said yes: confirm"), "govuk-tag--purple"),
}


@register.simple_tag(takes_context=True)
def resident_match_counts(context) -> dict[str, int]:
    """`{% resident_match_counts as counts %}`: helpers to confirm, proposals waiting for a reply."""
    return selectors.match_counts_for_resident_user(user=context["request"].user)


@register.simple_tag(takes_context=True)
def provider_to_answer(context) -> int:
    """`{% provider_to_answer as n %}`: proposals waiting for the provider's answer."""
    return selectors.match_count_to_answer_for_provider_user(user=context["request"].user)


@register.simple_tag(takes_context=True)
def resident_need_labels(context, needs) -> dict[int, tuple[str, str]]:
    """Labels that say where each listed need's proposal stands (one query for the page)."""
    live = selectors.match_live_for_needs(user=context["request"].user, need_ids=[n.pk for n in needs])
    labels = _RESIDENT_NEED_LABELS
    return {need_id: labels[m.status] for need_id, m in live.items() if m.status in labels}


@register.simple_tag(takes_context=True)
def resident_live_match(context, need) -> Match | None:
    """The live match of one of the resident's needs, for a link from the need's page."""
    return selectors.match_live_for_needs(user=context["request"].user, need_ids=[need.pk]).get(need.pk)
