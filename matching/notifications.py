"""What the match lifecycle tells residents and providers: the kinds it sends.

Registered in platform_core's one registry of kinds (MatchingConfig.ready).
The words name the provider, the kind of help, the need's reference, its
postcode district and dates; never an address, a postcode, a phone number or
an e-mail address, whether the match is confirmed or not: a text is read on a
locked phone. The details are on the match's page, behind sign-in.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platform_core.notifications import Audience, Kind, register

RESIDENT, PROVIDER = Audience.RESIDENT, Audience.PROVIDER


def clock(local: datetime) -> str:
    """A time as people write it: "10am", "10:30am" (GOV.UK style)."""
    return date_format(local, "g:i").replace(":00", "") + date_format(local, "a").replace(".", "")


def when(moment: datetime) -> str:
    """A date and time in words, in the active language: "3 March at 10:30am"."""
    local = timezone.localtime(moment)
    return gettext("%(day)s at %(time)s") % {"day": date_format(local, "j F"), "time": clock(local)}


def _category(match) -> str:
    return match.need.category.name if match.need.category_id else gettext("help")


def _provider(match) -> str:
    return match.offer.provider.name


def _about(*, match) -> dict:
    return {"category": _category(match), "provider": _provider(match), "reference": match.need.reference}


def checks_words(checks) -> str:
    """The checks a helper holds, in the active language: "DBS checked (enhanced), ID checked"."""
    words = []
    if checks.dbs_level is not None:
        if checks.dbs_level_label:
            words.append(gettext("DBS checked (%(level)s)") % {"level": checks.dbs_level_label})
        else:
            words.append(gettext("DBS checked"))
    if checks.id_checked:
        words.append(gettext("ID checked"))
    return ", ".join(words)


def helper_sentence(helper) -> str:
    """ "Alice will help you: DBS checked (enhanced), ID checked." (empty without a helper)."""
    if helper is None:
        return ""
    name = helper.first_name or gettext("Your helper")
    words = checks_words(helper.checks)
    if not words:
        return gettext("%(name)s will help you.") % {"name": name}
    return gettext("%(name)s will help you: %(checks)s.") % {"name": name, "checks": words}


def _confirmed(*, match) -> dict:
    from matching.selectors import match_helper_for

    helper = match_helper_for(match=match, user=match.need.resident.user)
    sentence = helper_sentence(helper)
    return {**_about(match=match), "helper": f" {sentence}" if sentence else ""}


def _proposed(*, match) -> dict:
    return {
        "category": _category(match),
        "district": match.need.district or gettext("your area"),
        "deadline": when(match.respond_by),
    }


def _visit(*, match, starts_at: datetime, ends_at: datetime | None = None) -> dict:
    local_start = timezone.localtime(starts_at)
    span = clock(local_start)
    if ends_at is not None:
        local_end = timezone.localtime(ends_at)
        if local_end.date() == local_start.date():
            span = gettext("%(start)s to %(end)s") % {"start": span, "end": clock(local_end)}
    return {**_about(match=match), "day": date_format(local_start, "l j F"), "time": span}


MATCH_PROPOSED = register(
    Kind(
        "match.proposed",
        PROVIDER,
        _("New request: %(category)s in %(district)s. Please answer by %(deadline)s."),
        _proposed,
    )
)
MATCH_ACCEPTED = register(
    Kind(
        "match.accepted",
        RESIDENT,
        _("%(provider)s can help with your request for %(category)s. Please confirm."),
        _about,
    )
)
MATCH_DECLINED_BY_RESIDENT = register(
    Kind(
        "match.declined_by_resident",
        PROVIDER,
        _("The resident decided not to go ahead with the %(category)s request."),
        _about,
    )
)
MATCH_CONFIRMED_TO_PROVIDER = register(
    Kind(
        "match.confirmed_to_provider",
        PROVIDER,
        _("The resident confirmed the %(category)s request %(reference)s. You can now see their details."),
        _about,
    )
)
MATCH_CONFIRMED_TO_RESIDENT = register(
    Kind(
        "match.confirmed_to_resident",
        RESIDENT,
        _("You confirmed %(provider)s.%(helper)s You can now message them."),
        _confirmed,
    )
)
MATCH_CANCELLED_BY_RESIDENT = register(
    Kind("match.cancelled_by_resident", PROVIDER, _("The resident cancelled the %(category)s request."), _about)
)
MATCH_CANCELLED_BY_PROVIDER = register(
    Kind(
        "match.cancelled_by_provider",
        RESIDENT,
        _("%(provider)s cancelled. We will look for someone else."),
        _about,
    )
)
MATCH_CANCELLED_BY_COUNCIL = register(
    Kind(
        "match.cancelled_by_council",
        RESIDENT,
        _("Your match was cancelled by the council. We will look for someone else."),
        _about,
    )
)
MATCH_DONE = register(
    Kind(
        "match.done",
        RESIDENT,
        _("%(provider)s says your %(category)s request is done. Please confirm."),
        _about,
    )
)
MATCH_COMPLETED = register(
    Kind(
        "match.completed",
        PROVIDER,
        _("The resident confirmed the %(category)s request is complete. Thank you."),
        _about,
    )
)
MESSAGE_TO_RESIDENT = register(Kind("match.message_to_resident", RESIDENT, _("New message from %(provider)s."), _about))
MESSAGE_TO_PROVIDER = register(
    Kind("match.message_to_provider", PROVIDER, _("New message about the %(category)s request."), _about)
)
MATCH_WITHDRAWN_RESIDENT_LEFT = register(
    Kind(
        "match.withdrawn_resident_left",
        PROVIDER,
        _("A %(category)s request you accepted was withdrawn: the resident left Convene."),
        _about,
    )
)
MATCH_WITHDRAWN_HELPER_LEFT = register(
    Kind(
        "match.withdrawn_helper_left",
        RESIDENT,
        _("Your helper is no longer available. We will look for someone else."),
        _about,
    )
)
VISIT_REMINDER_TO_RESIDENT = register(
    Kind(
        "visit.reminder_to_resident",
        RESIDENT,
        _("Reminder: %(provider)s is due to help with %(category)s tomorrow, %(day)s, %(time)s."),
        _visit,
    )
)
VISIT_REMINDER_TO_PROVIDER = register(
    Kind(
        "visit.reminder_to_provider",
        PROVIDER,
        _(
            "Reminder: the %(category)s request %(reference)s is due tomorrow, %(day)s, %(time)s. "
            "The address is on the request's page."
        ),
        _visit,
    )
)


# --- ongoing help: visits and their arrangement ---------------------------------------------------


def _day(day) -> str:
    return date_format(day, "l j F")


def _visit_of(*, visit) -> dict:
    return {**_about(match=visit.match), "day": _day(timezone.localtime(visit.starts_at))}


def _pause(*, arrangement) -> dict:
    return {
        **_about(match=arrangement.match),
        "start": _day(arrangement.paused_from),
        "end": _day(arrangement.paused_until),
    }


def _end(*, arrangement) -> dict:
    return {**_about(match=arrangement.match), "last": _day(arrangement.ended_on)}


def _missed_in_a_row(*, arrangement, count: int) -> dict:
    return {**_about(match=arrangement.match), "count": count}


VISIT_MISSED = register(
    Kind(
        "visit.missed",
        RESIDENT,
        _(
            "%(provider)s did not come for your %(category)s visit on %(day)s. "
            "If you need help now, contact them or the council."
        ),
        _visit_of,
    )
)
VISIT_CANCELLED_BY_PROVIDER = register(
    Kind(
        "visit.cancelled_by_provider",
        RESIDENT,
        _("%(provider)s cancelled your %(category)s visit on %(day)s."),
        _visit_of,
    )
)
VISIT_DISPUTED = register(
    Kind(
        "visit.disputed",
        PROVIDER,
        _("The resident says the %(category)s visit on %(day)s (%(reference)s) did not happen."),
        _visit_of,
    )
)
ARRANGEMENT_PAUSED_TO_RESIDENT = register(
    Kind(
        "arrangement.paused_to_resident",
        RESIDENT,
        _("%(provider)s paused your %(category)s visits from %(start)s to %(end)s."),
        _pause,
    )
)
ARRANGEMENT_PAUSED_TO_PROVIDER = register(
    Kind(
        "arrangement.paused_to_provider",
        PROVIDER,
        _("The resident paused the %(category)s visits %(reference)s from %(start)s to %(end)s."),
        _pause,
    )
)
ARRANGEMENT_ENDED_TO_RESIDENT = register(
    Kind(
        "arrangement.ended_to_resident",
        RESIDENT,
        _("%(provider)s is ending your %(category)s visits. The last day is %(last)s."),
        _end,
    )
)
ARRANGEMENT_ENDED_TO_PROVIDER = register(
    Kind(
        "arrangement.ended_to_provider",
        PROVIDER,
        _("The resident is ending the %(category)s visits %(reference)s. The last day is %(last)s."),
        _end,
    )
)
VISITS_MISSED_IN_A_ROW = register(
    Kind(
        "arrangement.missed_in_a_row",
        Audience.OFFICER,
        _("%(count)s visits in a row were missed for the %(category)s request %(reference)s with %(provider)s."),
        _missed_in_a_row,
    )
)

OFFICER = Audience.OFFICER


def _at_risk(*, need) -> dict:
    return {"reference": need.reference, "category": need.category.name if need.category_id else gettext("help")}


# Once per need, when an urgent need is still unmatched after the council's time (issue 9).
NEED_AT_RISK = register(
    Kind(
        "need.at_risk",
        OFFICER,
        _("An urgent request for %(category)s (%(reference)s) is still unmatched. See the needs at risk."),
        _at_risk,
    )
)
