"""Writes of the match lifecycle: accept, decline, confirm, cancel, done,
complete, review, message, expiry and withdrawal.

Every transition is a conditional UPDATE on the match's current status (and,
for capacity, on the offer's `capacity_left`), so two requests racing on the
same row can never both win; the database constraints on Match and Offer are
the last line (see docs/decisions/0005-matching-triggering-and-locks.md).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching import notifications as kinds
from matching.models import LIVE_STATUSES, Match, Message, Review, Visit
from matching.permissions import require_party, require_provider_side, require_resident_side
from matching.selectors import match_attendance
from matching.services.visits import arrangement_start, visits_cancel_from
from platform_core.models import User
from platform_core.notifications import Kind, notify, notify_each
from platform_core.services import audit_record, market_changed
from providers.models import Offer, Provider, ProviderMember
from residents.models import Need

NO_LONGER_AVAILABLE = "This offer is no longer available"
Party = Match.Party


# --- helpers ------------------------------------------------------------------------------------------


def _transition(match: Match, *, from_statuses: tuple[str, ...], message: str, **changes: Any) -> Match:
    """Move a match on only if it is still in one of `from_statuses` (one UPDATE).

    Raises ValidationError(message) when another request moved it first.
    """
    updated = Match.objects.filter(pk=match.pk, status__in=from_statuses).update(**changes)
    if updated != 1:
        raise ValidationError(message)
    match.refresh_from_db()
    return match


def _set_need_status(*, need_id: int, to: str, from_statuses: tuple[str, ...], reason: str = "") -> bool:
    """Move a need on only if it is still where we expect: a need the resident
    cancelled meanwhile stays cancelled."""
    changes: dict = {"status": to, "updated_at": timezone.now()}
    if reason:
        changes["status_reason"] = reason[:300]
    if to in (Need.Status.COMPLETED, Need.Status.CANCELLED):
        changes["closed_at"] = timezone.now()
    return Need.objects.filter(pk=need_id, status__in=from_statuses).update(**changes) == 1


def _give_capacity_back(*, offer_id: int) -> None:
    # Guarded so a double release can never push capacity_left above capacity.
    Offer.objects.filter(pk=offer_id, capacity_left__lt=F("capacity")).update(
        capacity_left=F("capacity_left") + 1, updated_at=timezone.now()
    )


def _match_url(match: Match) -> str:
    return reverse("matching:detail", args=[match.pk])


def _notify_provider(match: Match, kind: Kind, **objects: Any) -> None:
    users = [member.user for member in match.offer.provider.members.select_related("user")]
    notify_each(kind=kind, users=users, url=_match_url(match), match=match, **objects)


def _notify_resident(match: Match, kind: Kind, **objects: Any) -> None:
    notify(kind=kind, user=match.need.resident.user, url=_match_url(match), match=match, **objects)


def _record_acting(*, match: Match, user: User, action: str) -> None:
    """An officer acting for the match's resident on the phone line is audited with
    the reason they gave when they started (ADR 0021); a referrer's or the resident's
    own answer is not (the match records it)."""
    resident = match.need.resident
    if user.pk != resident.user_id and user.is_officer:
        from residents.referrals.services import acting_record

        acting_record(by=user, resident=resident, action=action, obj=match)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Reason must be 500 characters or fewer")})
    return reason


# --- provider answers -----------------------------------------------------------------------------


def _attending_member(*, match: Match, attending_member_id: int | None) -> ProviderMember | None:
    """Who will attend: for help at the DBS tier and above, one of the members
    whose check is live now (named, or the only member); otherwise whoever was
    named, or a single volunteer themself (ADR 0023). Raises with a message the
    provider can act on."""
    attendance = match_attendance(match=match)
    if attending_member_id is not None:
        named = next((m for m in attendance.cleared if m.pk == attending_member_id), None)
        if named is None:
            raise ValidationError(
                {
                    "attending_member": "Choose a member whose enhanced DBS check the council has accepted and is "
                    "in date"
                    if attendance.named
                    else "Choose a member of this provider"
                }
            )
        return named
    if attendance.named and attendance.automatic is None:
        if not attendance.cleared:
            raise ValidationError(
                {
                    "attending_member": "Nobody here holds an enhanced DBS check the council has accepted and is in "
                    "date, so this request cannot be accepted. A member can send theirs from Members."
                }
            )
        raise ValidationError({"attending_member": "Choose who will visit"})
    return attendance.automatic


@transaction.atomic
def match_accept(
    *, match: Match, user: User, attending_member_id: int | None = None, now: datetime | None = None
) -> Match:
    """A provider member accepts a proposal before its deadline, taking one unit of capacity.

    Help at the DBS tier or above is accepted naming the member who will attend,
    one whose check is live (`attending_member_id`; a provider's only member is
    named without asking). Capacity is taken by ONE conditional UPDATE
    (`capacity_left > 0`), safe under READ COMMITTED: concurrent accepts on a full
    offer get "no longer available", and the CheckConstraint `capacity_left >= 0` backs it.
    """
    require_provider_side(match=match, user=user)
    now = now or timezone.now()
    if match.status != Match.Status.PROPOSED:
        raise ValidationError(_("This proposal has already been answered"))
    if match.respond_by < now:
        raise ValidationError(_("The deadline to answer this proposal has passed"))
    provider = match.offer.provider
    if provider.is_suspended:
        raise ValidationError(NO_LONGER_AVAILABLE)
    attending = _attending_member(match=match, attending_member_id=attending_member_id)
    taken = Offer.objects.filter(pk=match.offer_id, capacity_left__gt=0, status=Offer.Status.ACTIVE).update(
        capacity_left=F("capacity_left") - 1, updated_at=now
    )
    if taken != 1:
        raise ValidationError(NO_LONGER_AVAILABLE)
    rule = match.council.market_rule
    # The resident then has the council's deadline to confirm; until then the unit stays taken.
    _transition(
        match,
        from_statuses=(Match.Status.PROPOSED,),
        message="This proposal has already been answered",
        status=Match.Status.ACCEPTED,
        accepted_at=now,
        attending_member=attending,
        respond_by=now + timedelta(hours=rule.response_deadline_hours),
    )
    _notify_resident(match, kinds.MATCH_ACCEPTED)
    return match


@transaction.atomic
def match_decline(*, match: Match, user: User, reason: str) -> Match:
    """The provider (a proposal) or the resident (a proposal or an accepted match)
    declines. The need goes back to the pool and never meets this offer again."""
    reason = _clean_reason(reason)
    party = require_party(match=match, user=user)
    allowed = (Match.Status.PROPOSED,) if party == Party.PROVIDER else (Match.Status.PROPOSED, Match.Status.ACCEPTED)
    if match.status not in allowed:
        raise ValidationError(_("This match can no longer be declined"))
    was_accepted = match.status == Match.Status.ACCEPTED
    _transition(
        match,
        from_statuses=allowed,
        message="This match can no longer be declined",
        status=Match.Status.DECLINED,
        closed_at=timezone.now(),
        closed_by=party,
        close_reason=reason,
    )
    if was_accepted:
        _give_capacity_back(offer_id=match.offer_id)
    _set_need_status(need_id=match.need_id, to=Need.Status.OPEN, from_statuses=(Need.Status.PROPOSED,))
    if party == Party.RESIDENT:
        _record_acting(match=match, user=user, action="match.declined_for_resident")
    if party == Party.RESIDENT and was_accepted:
        _notify_provider(match, kinds.MATCH_DECLINED_BY_RESIDENT)
    market_changed(council_id=match.council_id)
    return match


# --- resident answers -----------------------------------------------------------------------------


@transaction.atomic
def match_confirm(*, match: Match, user: User) -> Match:
    """The resident confirms an accepted match, consenting to share their contact
    details and address with this provider (the consent time is recorded)."""
    require_resident_side(match=match, user=user)
    if match.status != Match.Status.ACCEPTED:
        raise ValidationError(_("Only a match the provider has accepted can be confirmed"))
    now = timezone.now()
    _transition(
        match,
        from_statuses=(Match.Status.ACCEPTED,),
        message="Only a match the provider has accepted can be confirmed",
        status=Match.Status.CONFIRMED,
        confirmed_at=now,
        consent_recorded_at=now,
    )
    _set_need_status(need_id=match.need_id, to=Need.Status.MATCHED, from_statuses=(Need.Status.PROPOSED,))
    # Ongoing help: a weekly need with an end becomes its scheduled visits (ADR 0018).
    arrangement_start(match=match, now=now)
    _record_acting(match=match, user=user, action="match.confirmed_for_resident")
    _notify_provider(match, kinds.MATCH_CONFIRMED_TO_PROVIDER)
    _notify_resident(match, kinds.MATCH_CONFIRMED_TO_RESIDENT)
    return match


@transaction.atomic
def match_cancel(*, match: Match, user: User, reason: str, need_still_wanted: bool = True) -> Match:
    """Either side cancels a live match. Capacity comes back if it was taken.

    The need returns to the pool, unless the resident says they no longer need help.
    """
    reason = _clean_reason(reason)
    party = require_party(match=match, user=user)
    if match.status not in LIVE_STATUSES:
        raise ValidationError(_("This match has already ended"))
    held_capacity = match.status in (Match.Status.ACCEPTED, Match.Status.CONFIRMED)
    _transition(
        match,
        from_statuses=LIVE_STATUSES,
        message="This match has already ended",
        status=Match.Status.CANCELLED,
        closed_at=timezone.now(),
        closed_by=party,
        close_reason=reason,
    )
    if held_capacity:
        _give_capacity_back(offer_id=match.offer_id)
    visits_cancel_from(match=match, moment=timezone.now(), reason=reason, party=party)
    live_need = (Need.Status.PROPOSED, Need.Status.MATCHED)
    if party == Party.RESIDENT and not need_still_wanted:
        _set_need_status(need_id=match.need_id, to=Need.Status.CANCELLED, from_statuses=live_need, reason=reason)
    else:
        _set_need_status(need_id=match.need_id, to=Need.Status.OPEN, from_statuses=live_need)
        market_changed(council_id=match.council_id)
    if party == Party.RESIDENT:
        _record_acting(match=match, user=user, action="match.cancelled_for_resident")
        if match.accepted_at:
            _notify_provider(match, kinds.MATCH_CANCELLED_BY_RESIDENT)
    else:
        if match.accepted_at:
            _notify_resident(match, kinds.MATCH_CANCELLED_BY_PROVIDER)
    return match


@transaction.atomic
def match_mark_done(*, match: Match, user: User) -> Match:
    """The provider says the help was given; the resident then confirms it."""
    require_provider_side(match=match, user=user)
    if match.status != Match.Status.CONFIRMED or match.provider_done_at is not None:
        raise ValidationError(_("Only a confirmed match can be marked as done, once"))
    _transition(
        match,
        from_statuses=(Match.Status.CONFIRMED,),
        message="Only a confirmed match can be marked as done, once",
        provider_done_at=timezone.now(),
    )
    _notify_resident(match, kinds.MATCH_DONE)
    return match


@transaction.atomic
def match_complete(*, match: Match, user: User) -> Match:
    """The resident confirms the help was given: the match ends, the unit of
    capacity comes back, and the contact details are hidden again."""
    require_resident_side(match=match, user=user)
    if match.status != Match.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed match can be completed"))
    if match.provider_done_at is None:
        raise ValidationError(_("The provider has not marked this as done yet"))
    now = timezone.now()
    _transition(
        match,
        from_statuses=(Match.Status.CONFIRMED,),
        message="Only a confirmed match can be completed",
        status=Match.Status.COMPLETED,
        completed_at=now,
        closed_at=now,
        closed_by=Party.RESIDENT,
    )
    _give_capacity_back(offer_id=match.offer_id)
    _set_need_status(need_id=match.need_id, to=Need.Status.COMPLETED, from_statuses=(Need.Status.MATCHED,))
    _record_acting(match=match, user=user, action="match.completed_for_resident")
    _notify_provider(match, kinds.MATCH_COMPLETED)
    market_changed(council_id=match.council_id)
    return match


@transaction.atomic
def review_create(*, match: Match, user: User, rating: int, comment: str = "") -> Review:
    """The resident rates a completed match once (1 to 5); the provider's rating
    is recomputed from every review, so it can never drift."""
    require_resident_side(match=match, user=user)
    if match.status != Match.Status.COMPLETED:
        raise ValidationError(_("You can leave a review once the help is complete"))
    if Review.objects.filter(match=match).exists():
        raise ValidationError(_("You have already reviewed this match"))
    review = Review(match=match, rating=rating, comment=(comment or "").strip())
    try:
        review.full_clean()
    except ValidationError as exc:
        if "rating" in exc.message_dict:
            raise ValidationError({"rating": _("Choose a rating from 1 to 5")})
        raise
    review.save()
    _record_acting(match=match, user=user, action="match.reviewed_for_resident")
    provider = match.offer.provider
    figures = Review.objects.filter(match__offer__provider=provider).aggregate(avg=Avg("rating"), n=Count("id"))
    Provider.objects.filter(pk=provider.pk).update(
        rating_average=round(figures["avg"], 2) if figures["avg"] is not None else None,
        rating_count=figures["n"],
        updated_at=timezone.now(),
    )
    return review


@transaction.atomic
def message_send(*, match: Match, user: User, body: str) -> Message:
    """A message in the conversation, open only while the match is confirmed."""
    party = require_party(match=match, user=user)
    if match.status != Match.Status.CONFIRMED:
        raise ValidationError(_("You can only send messages while the match is confirmed"))
    message = Message(match=match, sender=user, body=(body or "").strip())
    if not message.body:
        raise ValidationError({"body": _("Enter a message")})
    message.full_clean()
    message.save()
    # The notification says a message arrived, not what it says: mails stay free of personal data.
    if party == Party.PROVIDER:
        _notify_resident(match, kinds.MESSAGE_TO_RESIDENT)
    else:
        _record_acting(match=match, user=user, action="match.message_for_resident")
        _notify_provider(match, kinds.MESSAGE_TO_PROVIDER)
    return message


# --- the system and the council -------------------------------------------------------------------

_NEED_GONE = (Need.Status.CANCELLED, Need.Status.EXPIRED, Need.Status.HIDDEN, Need.Status.COMPLETED)


def match_expire_overdue(*, now: datetime | None = None) -> int:
    """Expire proposals and accepted matches past their deadline, and close live
    matches whose need was withdrawn meanwhile. Each need goes back to the pool
    and the council is told the market changed, so the next batch proposes the
    next best offer (never the same one: the pair is recorded). Safe to run twice.
    """
    now = now or timezone.now()
    changed = 0
    councils: set[int] = set()
    overdue = Match.objects.filter(
        status__in=(Match.Status.PROPOSED, Match.Status.ACCEPTED), respond_by__lt=now
    ).values_list("pk", "status", "need_id", "offer_id", "council_id")
    for pk, status, need_id, offer_id, council_id in overdue.iterator():
        with transaction.atomic():
            if not Match.objects.filter(pk=pk, status=status).update(
                status=Match.Status.EXPIRED, closed_at=now, closed_by=Party.SYSTEM, close_reason="No answer in time"
            ):
                continue
            if status == Match.Status.ACCEPTED:
                _give_capacity_back(offer_id=offer_id)
            if _set_need_status(need_id=need_id, to=Need.Status.OPEN, from_statuses=(Need.Status.PROPOSED,)):
                councils.add(council_id)
            changed += 1
    orphaned = Match.objects.filter(status__in=LIVE_STATUSES, need__status__in=_NEED_GONE).values_list(
        "pk", "status", "offer_id", "council_id"
    )
    for pk, status, offer_id, council_id in orphaned.iterator():
        with transaction.atomic():
            if not Match.objects.filter(pk=pk, status=status).update(
                status=Match.Status.CANCELLED, closed_at=now, closed_by=Party.SYSTEM, close_reason="Need withdrawn"
            ):
                continue
            if status in (Match.Status.ACCEPTED, Match.Status.CONFIRMED):
                _give_capacity_back(offer_id=offer_id)
            Visit.objects.filter(match_id=pk, status=Visit.Status.SCHEDULED, starts_at__gte=now).update(
                status=Visit.Status.CANCELLED, reason="Need withdrawn", cancelled_by=Party.SYSTEM, recorded_at=now
            )
            councils.add(council_id)
            changed += 1
    for council_id in councils:
        with transaction.atomic():
            market_changed(council_id=council_id)
    return changed


@transaction.atomic
def match_withdraw_for_provider(
    *, provider: Provider, reason: str, officer: User | None = None, include_confirmed: bool = False
) -> int:
    """Cancel, on the council's behalf, the open proposals and accepted matches of
    a provider (e.g. on suspension); needs return to the pool. Confirmed matches
    are withdrawn too when `include_confirmed` (a safeguarding concern)."""
    reason = _clean_reason(reason)
    statuses = [Match.Status.PROPOSED, Match.Status.ACCEPTED]
    if include_confirmed:
        statuses.append(Match.Status.CONFIRMED)
    now = timezone.now()
    count = 0
    matches = list(
        Match.objects.select_related("need__resident__user", "need__category", "offer__provider")
        .filter(offer__provider=provider, status__in=statuses)
        .order_by("pk")
    )
    for match in matches:
        if not Match.objects.filter(pk=match.pk, status=match.status).update(
            status=Match.Status.CANCELLED, closed_at=now, closed_by=Party.COUNCIL, close_reason=reason
        ):
            continue
        if match.status in (Match.Status.ACCEPTED, Match.Status.CONFIRMED):
            _give_capacity_back(offer_id=match.offer_id)
        visits_cancel_from(match=match, moment=now, reason=reason, party=Party.COUNCIL)
        _set_need_status(
            need_id=match.need_id, to=Need.Status.OPEN, from_statuses=(Need.Status.PROPOSED, Need.Status.MATCHED)
        )
        if match.accepted_at:
            _notify_resident(match, kinds.MATCH_CANCELLED_BY_COUNCIL)
        count += 1
    if officer is not None:
        audit_record(
            actor=officer,
            action="matching.withdraw_for_provider",
            obj=provider,
            council=provider.council,
            reason=reason,
            data={"matches_cancelled": count, "include_confirmed": include_confirmed},
        )
    if count:
        market_changed(council_id=provider.council_id)
    return count


# --- reminders ------------------------------------------------------------------------------------------


def visit_remind(*, match: Match, starts_at: datetime, ends_at: datetime | None = None) -> None:
    """Remind the resident and the provider's members of one occurrence of a
    confirmed match, due tomorrow: "remind about this occurrence".

    This sends; it keeps no record. The caller owns the "sent once" marker and
    claims it first, with a conditional UPDATE in the same transaction, so two
    beats (or a redelivered task) remind once:

        with transaction.atomic():
            if Visit.objects.filter(pk=visit.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                visit_remind(match=visit.match, starts_at=visit.starts_at, ends_at=visit.ends_at)

    One-off needs use `Match.reminder_sent_at` (`visit_reminders_send`); weekly
    visits keep their own marker on their own row.
    """
    _notify_resident(match, kinds.VISIT_REMINDER_TO_RESIDENT, starts_at=starts_at, ends_at=ends_at)
    _notify_provider(match, kinds.VISIT_REMINDER_TO_PROVIDER, starts_at=starts_at, ends_at=ends_at)


def visit_reminders_send(*, now: datetime | None = None) -> int:
    """The day before a confirmed one-off visit, or a planned visit of ongoing
    help, from VISIT_REMINDER_HOUR local time, remind both sides once. Run by the beat; safe to run twice and from
    two workers at once (`Match.reminder_sent_at` is claimed before sending).
    Returns how many visits were reminded."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.VISIT_REMINDER_HOUR:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    zone = timezone.get_current_timezone()
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    end = datetime.combine(tomorrow + timedelta(days=1), time.min, tzinfo=zone)
    due = Match.objects.filter(
        status=Match.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        need__timing=Need.Timing.ONE_OFF,
        need__window_start__gte=start,
        need__window_start__lt=end,
    ).select_related("need", "need__category", "need__resident__user", "offer__provider")
    sent = 0
    for match in due:
        with transaction.atomic():
            claimed = Match.objects.filter(
                pk=match.pk, status=Match.Status.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed or match.need.window_start is None:  # the filter above excludes None
                continue
            visit_remind(match=match, starts_at=match.need.window_start, ends_at=match.need.window_end)
            sent += 1
    # Ongoing help: each planned visit of a confirmed arrangement, on its own row's marker (ADR 0018).
    visits = Visit.objects.filter(
        status=Visit.Status.SCHEDULED,
        reminder_sent_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=end,
        match__status=Match.Status.CONFIRMED,
    ).select_related(
        "match", "match__need", "match__need__category", "match__need__resident__user", "match__offer__provider"
    )
    for visit in visits:
        with transaction.atomic():
            if not Visit.objects.filter(
                pk=visit.pk, status=Visit.Status.SCHEDULED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now):
                continue
            visit_remind(match=visit.match, starts_at=visit.starts_at, ends_at=visit.ends_at)
            sent += 1
    return sent
