"""Ongoing help: the visits of a confirmed weekly match (ADR 0018).

- `arrangement_start` (called by `match_confirm`) copies the need's pattern and
  generates its visits; `visits_generate` is idempotent (a unique constraint on
  match and start, inserts that ignore conflicts), so running it twice or after
  a pause adds nothing that exists.
- `visit_record`: the provider says a visit was done (with the time spent, which
  a paid offer must give), missed or cancelled (with a reason).
- `visit_dispute`: the resident says a visit did not happen; it then counts as
  missed in every figure.
- `arrangement_pause` / `arrangement_end`: either side, the provider with the
  council's notice (`MarketRule.visit_notice_days`); the visits inside the pause
  or after the end are cancelled and the other side is told.
- A missed (or disputed) visit tells the resident through their contact route;
  `MarketRule.missed_visits_alert_after` in a row alert the council's officers
  once, until a visit is done again.

This module imports nothing from `matching.services` (which imports it).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matching import notifications as kinds
from matching.models import Arrangement, Match, Visit
from matching.permissions import require_party, require_provider_side, require_resident_side
from platform_core import dates
from platform_core.availability import slot_occurrences, slot_span, valid_slots
from platform_core.models import MarketRule, User
from platform_core.notifications import Kind, notify, notify_each
from providers.models import Offer
from residents.models import Need

Party = Match.Party
Status = Visit.Status
MINUTES_MAX = 12 * 60
REASON_MAX = 500
# The longest run of misses any council may ask about (MarketRule's validator), plus one.
_STREAK_LOOKBACK = 21


# --- helpers ------------------------------------------------------------------------------------------


def _visits_url(match: Match) -> str:
    return reverse("matching:visits", args=[match.pk])


def _notify_provider(match: Match, kind: Kind, **objects: Any) -> None:
    users = [member.user for member in match.offer.provider.members.select_related("user")]
    notify_each(kind=kind, users=users, url=_visits_url(match), **objects)


def _notify_resident(match: Match, kind: Kind, **objects: Any) -> None:
    notify(kind=kind, user=match.need.resident.user, url=_visits_url(match), **objects)


def _reason(reason: str, *, field: str = "reason", missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: missing})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: _("The reason must be %(n)s characters or fewer") % {"n": REASON_MAX}})
    return reason


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _rule(council_id: int) -> MarketRule:
    rule = MarketRule.objects.filter(council_id=council_id).first()
    return rule if rule is not None else MarketRule(council_id=council_id)


def _long_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


def agreed_slots(*, need: Need, offer: Offer) -> list[int]:
    """The need's times the offer covers (an offer without times covers all):
    the times both sides agreed to when the match was confirmed."""
    wanted = valid_slots(need.weekly_slots)
    offered = set(valid_slots(offer.weekly_slots))
    if not offered:
        return wanted
    return [s for s in wanted if s in offered] or wanted


# --- generation ---------------------------------------------------------------------------------------


def has_pattern(need: Need) -> bool:
    """A weekly need with an end (a date or a number of visits) becomes visits."""
    return need.timing == Need.Timing.WEEKLY and (need.ends_on is not None or need.visit_count is not None)


@transaction.atomic
def arrangement_start(*, match: Match, now: datetime | None = None) -> Arrangement | None:
    """The arrangement of a confirmed weekly match and its visits, from the day
    after confirmation; None for a one-off need or a weekly need without an end.
    Safe to call twice: the second call finds the arrangement and adds nothing."""
    need = match.need
    if not has_pattern(need):
        return None
    now = now or timezone.now()
    arrangement, _created = Arrangement.objects.get_or_create(
        match=match,
        defaults={
            "council_id": match.council_id,
            "slots": agreed_slots(need=need, offer=match.offer),
            "every_weeks": need.repeat_every_weeks or 1,
            "starts_on": timezone.localtime(now).date() + timedelta(days=1),
            "ends_on": need.ends_on,
            "visit_count": need.visit_count,
        },
    )
    visits_generate(arrangement=arrangement)
    return arrangement


def visits_generate(*, arrangement: Arrangement) -> int:
    """Write the visits the pattern plans that are not written yet; returns how
    many were added. Visits inside a pause or after an early end are left out."""
    zone = timezone.get_current_timezone()
    occurrences = slot_occurrences(
        slots=arrangement.slots,
        first_day=arrangement.starts_on,
        every_weeks=arrangement.every_weeks,
        last_day=arrangement.ends_on,
        count=arrangement.visit_count,
    )
    rows = []
    for day, slot in occurrences:
        if arrangement.ended_on is not None and day > arrangement.ended_on:
            break
        paused = arrangement.paused_from is not None and arrangement.paused_until is not None
        if paused and arrangement.paused_from <= day <= arrangement.paused_until:  # type: ignore[operator]
            continue
        starts_at, ends_at = slot_span(day, slot, zone)
        rows.append(
            Visit(
                match_id=arrangement.match_id,
                council_id=arrangement.council_id,
                starts_at=starts_at,
                ends_at=ends_at,
                slot=slot,
            )
        )
    before = Visit.objects.filter(match_id=arrangement.match_id).count()
    Visit.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Visit.objects.filter(match_id=arrangement.match_id).count() - before


def visits_cancel_from(*, match: Match, moment: datetime, reason: str, party: str) -> int:
    """Cancel the planned visits of a match from `moment` on (the match was
    cancelled, paused or ended). One UPDATE; returns how many."""
    return Visit.objects.filter(match_id=match.pk, status=Status.SCHEDULED, starts_at__gte=moment).update(
        status=Status.CANCELLED, reason=reason[:REASON_MAX], cancelled_by=party, recorded_at=timezone.now()
    )


# --- recording and disputing --------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    user: User,
    outcome: str,
    reason: str = "",
    minutes: int | None = None,
    now: datetime | None = None,
) -> Visit:
    """The provider says how a planned visit went: done (with the minutes spent,
    required for a paid offer), missed or cancelled (with a reason). Once."""
    match = visit.match
    require_provider_side(match=match, user=user)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if outcome not in (Status.DONE, Status.MISSED, Status.CANCELLED):
        raise ValidationError({"outcome": _("Select what happened")})
    if outcome == Status.DONE:
        reason = ""
        paid = match.offer.cost_type != Offer.CostType.FREE
        if minutes is None and paid:
            errors["minutes"] = _("Enter the time spent, in minutes")
        elif minutes is not None and not 1 <= minutes <= MINUTES_MAX:
            errors["minutes"] = _("The time spent must be between 1 and %(max)s minutes") % {"max": MINUTES_MAX}
    else:
        minutes = None
        missing = _("Say why the visit was missed") if outcome == Status.MISSED else _("Say why the visit is cancelled")
        try:
            reason = _reason(reason, missing=missing)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if outcome in (Status.DONE, Status.MISSED) and visit.starts_at > now:
        errors["outcome"] = _("You can say a visit was done or missed once its time has come")
    if errors:
        raise ValidationError(errors)
    updated = Visit.objects.filter(pk=visit.pk, status=Status.SCHEDULED).update(
        status=outcome,
        reason=reason,
        minutes_spent=minutes,
        recorded_at=now,
        recorded_by=user,
        cancelled_by=Party.PROVIDER if outcome == Status.CANCELLED else "",
    )
    if updated != 1:
        raise ValidationError(_("This visit has already been recorded"))
    visit.refresh_from_db()
    if outcome == Status.MISSED:
        _notify_resident(match, kinds.VISIT_MISSED, visit=visit)
    elif outcome == Status.CANCELLED:
        _notify_resident(match, kinds.VISIT_CANCELLED_BY_PROVIDER, visit=visit)
    missed_streak_check(match=match, now=now)
    return visit


@transaction.atomic
def visit_dispute(*, visit: Visit, user: User, reason: str, now: datetime | None = None) -> Visit:
    """The resident says a visit did not happen (whether or not the provider
    recorded it as done). Once; the provider is told."""
    match = visit.match
    require_resident_side(match=match, user=user)
    now = now or timezone.now()
    reason = _reason(reason, missing=_("Tell us what happened"))
    if visit.starts_at > now:
        raise ValidationError(_("You can say a visit did not happen once its time has come"))
    updated = Visit.objects.filter(
        pk=visit.pk, disputed_at__isnull=True, status__in=(Status.SCHEDULED, Status.DONE)
    ).update(disputed_at=now, dispute_reason=reason)
    if updated != 1:
        raise ValidationError(_("This visit was already recorded as missed, cancelled or not having happened"))
    visit.refresh_from_db()
    _notify_provider(match, kinds.VISIT_DISPUTED, visit=visit)
    missed_streak_check(match=match, now=now)
    return visit


def missed_streak(*, match: Match, now: datetime | None = None) -> int:
    """How many of the match's latest visits that have taken place were missed
    (or disputed) in a row. Visits cancelled, or not yet recorded and not
    disputed, neither count nor break the run."""
    now = now or timezone.now()
    rows = (
        Visit.objects.filter(match_id=match.pk, starts_at__lte=now)
        .exclude(status=Status.CANCELLED)
        .exclude(status=Status.SCHEDULED, disputed_at__isnull=True)
        .order_by("-starts_at")
        .values_list("status", "disputed_at")[:_STREAK_LOOKBACK]
    )
    streak = 0
    for status, disputed_at in rows:
        if status == Status.MISSED or disputed_at is not None:
            streak += 1
        else:
            break
    return streak


def missed_streak_check(*, match: Match, now: datetime | None = None) -> bool:
    """Alert the council's officers once when the run of missed visits reaches
    the council's number; a visit done ends the run (and re-arms the alert).
    The claim is one conditional UPDATE, so two requests alert once. Returns
    whether officers were alerted now."""
    arrangement = Arrangement.objects.filter(match_id=match.pk).first()
    if arrangement is None:
        return False
    streak = missed_streak(match=match, now=now)
    threshold = _rule(match.council_id).missed_visits_alert_after
    if streak < threshold:
        Arrangement.objects.filter(pk=arrangement.pk, missed_alerted_at__isnull=False).update(missed_alerted_at=None)
        return False
    claimed = Arrangement.objects.filter(pk=arrangement.pk, missed_alerted_at__isnull=True).update(
        missed_alerted_at=now or timezone.now()
    )
    if not claimed:
        return False
    officers = User.objects.filter(council_id=match.council_id, role=User.Role.OFFICER, is_active=True)
    url = reverse("marketplace:provider_detail", args=[match.offer.provider_id])
    notify_each(kind=kinds.VISITS_MISSED_IN_A_ROW, users=officers, url=url, arrangement=arrangement, count=streak)
    return True


# --- pausing and ending -------------------------------------------------------------------------------


def _locked(arrangement: Arrangement) -> Arrangement:
    return Arrangement.objects.select_for_update().select_related("match").get(pk=arrangement.pk)


def _earliest(*, party: str, council_id: int, today: date) -> date:
    """A resident may change their own help from today; a provider gives the council's notice."""
    if party == Party.PROVIDER:
        return today + timedelta(days=_rule(council_id).visit_notice_days)
    return today


def _too_soon(*, party: str, earliest: date, today: date) -> str:
    if party == Party.PROVIDER and earliest > today:
        return _("Give the council's notice: the earliest date is %(day)s") % {"day": _long_date(earliest)}
    return _("The date cannot be in the past")


def _require_running(arrangement: Arrangement) -> None:
    if arrangement.ended_on is not None or arrangement.match.status != Match.Status.CONFIRMED:
        raise ValidationError(_("These visits have ended"))


@transaction.atomic
def arrangement_pause(
    *, arrangement: Arrangement, user: User, starts_on: date, ends_on: date, reason: str, today: date | None = None
) -> Arrangement:
    """Either side pauses the visits from one day to another (inclusive); the
    visits in between are cancelled and the other side is told."""
    party = require_party(match=arrangement.match, user=user)
    arrangement = _locked(arrangement)
    _require_running(arrangement)
    today = today or timezone.localdate()
    reason = _reason(reason, missing=_("Say why the visits are paused"))
    earliest = _earliest(party=party, council_id=arrangement.council_id, today=today)
    errors: dict[str, str] = {}
    if starts_on < earliest:
        errors["starts_on"] = _too_soon(party=party, earliest=earliest, today=today)
    if ends_on < starts_on:
        errors["ends_on"] = _("The pause must end on or after the day it starts")
    elif not dates.in_range(ends_on):
        errors["ends_on"] = _("Enter a date before %(day)s") % {"day": _long_date(dates.latest())}
    if errors:
        raise ValidationError(errors)
    arrangement.paused_from, arrangement.paused_until = starts_on, ends_on
    arrangement.pause_reason, arrangement.paused_by = reason, party
    arrangement.save(update_fields=["paused_from", "paused_until", "pause_reason", "paused_by"])
    Visit.objects.filter(
        match_id=arrangement.match_id,
        status=Status.SCHEDULED,
        starts_at__gte=_day_start(starts_on),
        starts_at__lt=_day_start(ends_on + timedelta(days=1)),
    ).update(
        status=Status.CANCELLED,
        reason=(_("Paused: %(reason)s") % {"reason": reason})[:REASON_MAX],
        cancelled_by=party,
        recorded_at=timezone.now(),
    )
    match = arrangement.match
    if party == Party.PROVIDER:
        _notify_resident(match, kinds.ARRANGEMENT_PAUSED_TO_RESIDENT, arrangement=arrangement)
    else:
        _notify_provider(match, kinds.ARRANGEMENT_PAUSED_TO_PROVIDER, arrangement=arrangement)
    return arrangement


@transaction.atomic
def arrangement_end(
    *, arrangement: Arrangement, user: User, last_day: date, reason: str, today: date | None = None
) -> Arrangement:
    """Either side ends the visits after `last_day`; later visits are cancelled
    and the other side is told. The match itself completes as usual."""
    party = require_party(match=arrangement.match, user=user)
    arrangement = _locked(arrangement)
    _require_running(arrangement)
    today = today or timezone.localdate()
    reason = _reason(reason, missing=_("Say why the visits are ending"))
    earliest = _earliest(party=party, council_id=arrangement.council_id, today=today)
    if last_day < earliest:
        raise ValidationError({"last_day": _too_soon(party=party, earliest=earliest, today=today)})
    if not dates.in_range(last_day):
        raise ValidationError({"last_day": _("Enter a date before %(day)s") % {"day": _long_date(dates.latest())}})
    arrangement.ended_on, arrangement.ended_by, arrangement.end_reason = last_day, party, reason
    arrangement.save(update_fields=["ended_on", "ended_by", "end_reason"])
    visits_cancel_from(
        match=arrangement.match,
        moment=_day_start(last_day + timedelta(days=1)),
        reason=_("Ended: %(reason)s") % {"reason": reason},
        party=party,
    )
    match = arrangement.match
    if party == Party.PROVIDER:
        _notify_resident(match, kinds.ARRANGEMENT_ENDED_TO_RESIDENT, arrangement=arrangement)
    else:
        _notify_provider(match, kinds.ARRANGEMENT_ENDED_TO_PROVIDER, arrangement=arrangement)
    return arrangement
