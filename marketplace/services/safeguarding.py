"""Safeguarding concerns: raised by a party to a match, worked by officers.

A concern is never shown to, nor mentioned in anything sent to, the provider it
concerns: pausing the provider uses a neutral reason the officer writes, and no
notification about the concern goes to the provider's members.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Match
from matching.permissions import party_of
from matching.services.exclusions import exclusion_add_for_concern, match_concern_mark
from platform_core.models import User
from platform_core.notifications import notify_each
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record, task_send_on_commit
from providers.models import Provider

from ..models import ConcernAction, SafeguardingConcern
from ..notifications import CONCERN_RAISED
from .people import provider_pause

Status = SafeguardingConcern.Status
REFERRAL_EMAIL_TASK = "marketplace.tasks.concern_referral_email_send_task"


def _console_url(concern: SafeguardingConcern) -> str:
    from django.urls import reverse

    return reverse("marketplace:concern_detail", kwargs={"pk": concern.pk})


@transaction.atomic
def concern_raise(
    *, user: User, match: Match, description: str, request: HttpRequest | None = None
) -> SafeguardingConcern:
    """A resident or a provider member of a match raises a concern.

    Raised by the resident, it concerns the match's provider; raised by the
    provider, it concerns the resident's welfare and names no provider.
    """
    party = party_of(match=match, user=user)
    if party is None:
        raise PermissionDenied(_("Only the people involved in this match can raise a concern about it."))
    role = (
        SafeguardingConcern.RaisedAs.RESIDENT
        if party == Match.Party.RESIDENT
        else SafeguardingConcern.RaisedAs.PROVIDER
    )
    description = (description or "").strip()
    if len(description) < 10:
        raise ValidationError({"description": _("Tell us what happened, in a few words at least")})
    concern = SafeguardingConcern(
        council_id=match.council_id,
        match=match,
        provider_id=match.offer.provider_id if role == SafeguardingConcern.RaisedAs.RESIDENT else None,
        raised_by=user,
        raised_as=role,
        description=description,
    )
    concern.full_clean()
    concern.save()
    # Continuity never brings this helper back, and a resident's concern keeps the
    # provider away from them in every later batch (issue 9); the provider is not told.
    match_concern_mark(match=match)
    if role == SafeguardingConcern.RaisedAs.RESIDENT:
        exclusion_add_for_concern(match=match, user=user)
    audit_record(
        actor=user,
        action="safeguarding.raise",
        obj=concern,
        council=match.council,
        data={"match_id": match.pk, "raised_as": role},
        request=request,
    )
    # Officers hear of it in the console; the message says nothing of whom it is about.
    officers = User.objects.filter(council_id=match.council_id, role=User.Role.OFFICER, is_active=True)
    notify_each(kind=CONCERN_RAISED, users=officers, url=_console_url(concern))
    return concern


NOTE_MAX = ConcernAction._meta.get_field("note").max_length or 4000


def _within_limit(text: str, *, field: str, label: str) -> str:
    """An officer's note or outcome, refused before anything is written if the case log could not hold it."""
    if len(text) > NOTE_MAX:
        raise ValidationError({field: f"{label} must be {NOTE_MAX} characters or less"})
    return text


def _log(
    *,
    concern: SafeguardingConcern,
    officer: User,
    kind: str,
    note: str,
    request: HttpRequest | None,
    data: dict | None = None,
) -> ConcernAction:
    action = ConcernAction.objects.create(concern=concern, officer=officer, kind=kind, note=note)
    audit_record(
        actor=officer,
        action=f"safeguarding.{kind}",
        obj=concern,
        council=concern.council,
        reason=note,
        data={"status": concern.status, **(data or {})},
        request=request,
    )
    return action


def _open(concern: SafeguardingConcern, officer: User) -> None:
    """Check the officer, then lock the concern and read it afresh (inside the
    caller's transaction), so two officers working one case never write over
    each other's step or act on a concern closed a moment ago."""
    require_officer_of(user=officer, council_id=concern.council_id)
    concern.refresh_from_db(from_queryset=SafeguardingConcern.objects.select_for_update())
    if concern.status == Status.CLOSED:
        raise ValidationError("This concern is closed.")


@transaction.atomic
def concern_triage(
    *, concern: SafeguardingConcern, officer: User, risk: str, note: str = "", request: HttpRequest | None = None
) -> SafeguardingConcern:
    _within_limit(note, field="note", label="Notes")
    _open(concern, officer)
    if risk not in SafeguardingConcern.Risk.values:
        raise ValidationError({"risk": "Choose the level of risk"})
    concern.risk = risk
    if concern.status == Status.NEW:
        concern.status = Status.TRIAGED
    concern.save(update_fields=["risk", "status"])
    _log(
        concern=concern,
        officer=officer,
        kind=ConcernAction.Kind.TRIAGE,
        note=note,
        request=request,
        data={"risk": risk},
    )
    return concern


@transaction.atomic
def concern_record_action(
    *, concern: SafeguardingConcern, officer: User, note: str, request: HttpRequest | None = None
) -> ConcernAction:
    _open(concern, officer)
    note = _within_limit((note or "").strip(), field="note", label="What was done")
    if not note:
        raise ValidationError({"note": "Describe what was done"})
    return _log(concern=concern, officer=officer, kind=ConcernAction.Kind.NOTE, note=note, request=request)


@transaction.atomic
def concern_pause_provider(
    *, concern: SafeguardingConcern, officer: User, reason_for_provider: str, request: HttpRequest | None = None
) -> int:
    """Pause the provider concerned at once: its offers leave the market and its
    open proposals are withdrawn. `reason_for_provider` is what the provider
    reads; the concern itself is never disclosed. Returns proposals withdrawn."""
    _open(concern, officer)
    if concern.provider is None:
        raise ValidationError("This concern does not name a provider.")
    concern.provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    if concern.provider.is_suspended:
        raise ValidationError("This provider is already paused.")
    withdrawn = provider_pause(
        provider=concern.provider,
        officer=officer,
        reason=reason_for_provider,
        include_confirmed=True,
        request=request,
    )
    concern.provider_paused_at = timezone.now()
    concern.save(update_fields=["provider_paused_at"])
    _log(
        concern=concern,
        officer=officer,
        kind=ConcernAction.Kind.PAUSE_PROVIDER,
        note=f"Provider paused; {withdrawn} match(es) withdrawn. Reason given: {reason_for_provider}",
        request=request,
        data={"provider_id": concern.provider_id, "withdrawn": withdrawn},
    )
    return withdrawn


@transaction.atomic
def concern_escalate(
    *,
    concern: SafeguardingConcern,
    officer: User,
    escalated_to: str = "",
    reference: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> SafeguardingConcern:
    """Record the referral to the council's safeguarding team and send it to them."""
    _within_limit(note, field="note", label="Notes")
    _open(concern, officer)
    escalated_to = (escalated_to or concern.council.safeguarding_email or "").strip()
    if not escalated_to:
        raise ValidationError({"escalated_to": "Enter who the concern was referred to"})
    concern.status = Status.ESCALATED
    concern.escalated_at = timezone.now()
    concern.escalated_to = escalated_to[:200]
    concern.escalation_reference = (reference or "").strip()[:60]
    concern.save(update_fields=["status", "escalated_at", "escalated_to", "escalation_reference"])
    action = _log(
        concern=concern,
        officer=officer,
        kind=ConcernAction.Kind.ESCALATE,
        note=note,
        request=request,
        data={"escalated_to": concern.escalated_to, "reference": concern.escalation_reference},
    )
    if "@" in concern.escalated_to:
        action.email_to = concern.escalated_to
        action.save(update_fields=["email_to"])
        task_send_on_commit(REFERRAL_EMAIL_TASK, action.pk)
    return concern


def concern_referral_email_send(*, action_id: int) -> bool:
    """Mail an escalation to the safeguarding team it names; False if there is
    nothing (more) to send. Called by `marketplace.tasks.concern_referral_email_send_task`;
    mailed before it is marked, so a crash repeats rather than loses the referral."""
    action = (
        ConcernAction.objects.select_related("concern", "officer")
        .filter(pk=action_id, kind=ConcernAction.Kind.ESCALATE, emailed_at__isnull=True)
        .exclude(email_to="")
        .first()
    )
    if action is None:
        return False
    concern = action.concern
    referred_by = action.officer.email if action.officer else "a council officer"
    send_mail(
        subject=f"Safeguarding referral {concern.pk}",
        message=(
            f"Safeguarding concern {concern.pk} raised on {concern.created_at:%-d %B %Y} "
            f"by a {concern.get_raised_as_display().lower()} is referred to you by {referred_by}.\n\n"
            f"{concern.description}\n\nOfficer's note: {action.note}\n"
        ),
        from_email=None,
        recipient_list=[action.email_to],
    )
    ConcernAction.objects.filter(pk=action.pk).update(emailed_at=timezone.now())
    return True


@transaction.atomic
def concern_close(
    *, concern: SafeguardingConcern, officer: User, outcome: str, request: HttpRequest | None = None
) -> SafeguardingConcern:
    _open(concern, officer)
    outcome = _within_limit((outcome or "").strip(), field="outcome", label="Outcome")
    if not outcome:
        raise ValidationError({"outcome": "Record the outcome"})
    concern.status = Status.CLOSED
    concern.outcome = outcome
    concern.closed_at = timezone.now()
    concern.save(update_fields=["status", "outcome", "closed_at"])
    _log(concern=concern, officer=officer, kind=ConcernAction.Kind.CLOSE, note=outcome, request=request)
    return concern
