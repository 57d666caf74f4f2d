"""What the residents' and providers' pages show about matches, without those
apps importing matching (the templates compose the pages; the layering of the
Python code stays `matching → residents | providers`)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from matching import selectors
from matching.models import Match, NeedRisk
from residents.models import Need

register = template.Library()

#: What the resident's list says of a need whose live match moved on from
#: "proposed" (the need itself stays "proposed" until the resident confirms).
_RESIDENT_NEED_LABELS = {
    Match.Status.ACCEPTED: (_("A helper said yes: confirm"), "govuk-tag--purple"),
}


@register.simple_tag(takes_context=True)
def resident_match_counts(context, needs=()) -> dict:
    """`{% resident_match_counts page.object_list as counts %}`: helpers to confirm,
    proposals waiting for a reply, and `labels` that say where each listed need's
    proposal stands (need id -> (label, colour)); one query for the page."""
    counts = selectors.match_counts_for_resident_user(user=context["request"].user, need_ids=[n.pk for n in needs])
    label = _RESIDENT_NEED_LABELS[Match.Status.ACCEPTED]
    return {**counts, "labels": dict.fromkeys(counts["accepted"], label)}


@register.simple_tag(takes_context=True)
def provider_to_answer(context) -> int:
    """`{% provider_to_answer as n %}`: proposals waiting for the provider's answer."""
    return selectors.match_count_to_answer_for_provider_user(user=context["request"].user)


@register.simple_tag(takes_context=True)
def resident_live_match(context, need) -> Match | None:
    """The live match of one of the resident's needs, for a link from the need's page."""
    return selectors.match_live_for_needs(user=context["request"].user, need_ids=[need.pk]).get(need.pk)


#: What the resident's need page says when the last batch could not match it
#: (issue 9): what happened, in plain words, and what they can do.
_RISK_WORDS = {
    "no_offer": (
        _("No helper offers this kind of help near you yet."),
        _("We have told the council. You could ask for a different kind of help, or contact the council."),
    ),
    "not_cleared": (
        _("The helpers who offer this have not yet been checked for this kind of help."),
        _("The council checks helpers before they can help with this. Contact the council if you need help sooner."),
    ),
    "too_far": (
        _("No helper can reach the place where you need help."),
        _("If help could come to another place, change where you need help."),
    ),
    "no_shared_time": (
        _("No helper is free at the times you chose: %(when)s."),
        _("Choosing more times may help."),
    ),
    "all_busy": (
        _("Every helper who could help is busy at the moment."),
        _("We will keep looking and tell you as soon as someone is free."),
    ),
    "excluded": (
        _("The only helpers free are ones you asked us not to use, or who could not help with this before."),
        _("You can allow a provider again from your list of providers you do not want."),
    ),
}


@register.inclusion_tag("matching/_need_risk.html", takes_context=True)
def need_risk(context, need: Need) -> dict:
    """Why the last batch left the resident's open need unmatched, what to do, and who to call."""
    if need.status != Need.Status.OPEN:
        return {"risk": None}
    risk = NeedRisk.objects.filter(need_id=need.pk).first()
    if risk is None or risk.reason not in _RISK_WORDS:
        return {"risk": None}
    what, advice = _RISK_WORDS[risk.reason]
    when = need.weekly_description if need.timing == Need.Timing.WEEKLY else _when_one_off(need)
    return {
        "risk": risk,
        "what": str(what) % {"when": when} if "%(when)s" in str(what) else str(what),
        "advice": advice,
        "council": need.council,
        "exclusions": risk.reason == "excluded",
    }


def _when_one_off(need: Need) -> str:
    from django.utils import timezone
    from django.utils.formats import date_format

    if need.window_start is None:
        return str(_("any time"))
    return date_format(timezone.localtime(need.window_start), "l j F")
