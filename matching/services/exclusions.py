"""A resident's "never match me with this provider again" (issue 9, item 1).

An exclusion is a hard constraint in every later batch (the runner gives the
engine each need's `excluded_providers`). It is never shown or told to the
provider: nothing here notifies a provider member, and a live proposal between
the two is declined with the same neutral words as any resident's decline.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching import notifications as kinds
from matching.models import Exclusion, Match
from matching.permissions import require_resident_side
from matching.services import _give_capacity_back, _notify_provider, _set_need_status
from platform_core.models import User
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record, market_changed
from providers.models import Provider
from residents.models import Need, Resident

#: Why a proposal ended when the resident excluded its provider: the words of any decline.
_DECLINED = "Declined by the resident"


def _decline_live_between(*, resident_id: int, provider_id: int) -> int:
    """Close the proposals (not yet confirmed) between the resident and the provider, as
    a resident's decline: the need goes back to the pool and never meets that provider."""
    now = timezone.now()
    closed = 0
    live = Match.objects.select_related("need__category", "offer__provider").filter(
        need__resident_id=resident_id,
        offer__provider_id=provider_id,
        status__in=(Match.Status.PROPOSED, Match.Status.ACCEPTED),
    )
    for match in live.order_by("pk"):
        if not Match.objects.filter(pk=match.pk, status=match.status).update(
            status=Match.Status.DECLINED, closed_at=now, closed_by=Match.Party.RESIDENT, close_reason=_DECLINED
        ):
            continue
        if match.status == Match.Status.ACCEPTED:
            _give_capacity_back(offer_id=match.offer_id)
            # The same notice as any resident's decline of an accepted match: no word of the exclusion.
            _notify_provider(match, kinds.MATCH_DECLINED_BY_RESIDENT)
        _set_need_status(need_id=match.need_id, to=Need.Status.OPEN, from_statuses=(Need.Status.PROPOSED,))
        closed += 1
    return closed


def _put(
    *,
    resident: Resident,
    provider_id: int,
    source: str,
    match: Match | None,
    user: User | None,
    reason: str = "",
    decline_live: bool = True,
) -> Exclusion:
    exclusion, created = Exclusion.objects.get_or_create(
        resident=resident,
        provider_id=provider_id,
        defaults={"source": source, "match": match, "created_by": user, "reason": reason},
    )
    if created and decline_live and _decline_live_between(resident_id=resident.pk, provider_id=provider_id):
        market_changed(council_id=resident.council_id)
    return exclusion


@transaction.atomic
def exclusion_add(*, match: Match, user: User, source: str = Exclusion.Source.MATCH) -> Exclusion:
    """The resident of a match says "do not match me with this provider again"
    (from the match's page or with their review). Saying it twice changes nothing."""
    require_resident_side(match=match, user=user)
    if source not in (Exclusion.Source.MATCH, Exclusion.Source.REVIEW):
        raise ValidationError(_("Choose where this comes from"))
    exclusion = _put(
        resident=match.need.resident, provider_id=match.offer.provider_id, source=source, match=match, user=user
    )
    if user.is_officer:  # on the phone line, for the resident: audited with the access's reason (ADR 0021)
        from residents.referrals.services import acting_record

        acting_record(by=user, resident=match.need.resident, action="matching.exclusion_add_for_resident", obj=match)
    return exclusion


@transaction.atomic
def exclusion_add_for_concern(*, match: Match, user: User) -> Exclusion:
    """A safeguarding concern a resident raised about a match's provider keeps that
    provider away from them. Called by `concern_raise`, which checked the resident."""
    require_resident_side(match=match, user=user)
    return _put(
        resident=match.need.resident,
        provider_id=match.offer.provider_id,
        source=Exclusion.Source.CONCERN,
        match=match,
        user=user,
        # What happens to live matches is the officers' call on the concern (pause, withdraw).
        decline_live=False,
    )


@transaction.atomic
def exclusion_add_by_officer(*, officer: User, resident: Resident, provider: Provider, reason: str) -> Exclusion:
    """An officer adds an exclusion on the resident's behalf (e.g. on the phone), with a
    reason recorded on the exclusion and in the audit log."""
    require_officer_of(user=officer, council_id=resident.council_id)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for this exclusion")
    elif len(reason) > 500:
        errors["reason"] = _("The reason must be 500 characters or fewer")
    if provider.council_id != resident.council_id:
        errors["provider"] = _("Choose a provider of this council")
    if errors:
        raise ValidationError(errors)
    if Exclusion.objects.filter(resident=resident, provider=provider).exists():
        raise ValidationError({"provider": _("This resident already excludes this provider")})
    exclusion = _put(
        resident=resident,
        provider_id=provider.pk,
        source=Exclusion.Source.OFFICER,
        match=None,
        user=officer,
        reason=reason,
    )
    audit_record(
        actor=officer,
        action="matching.exclusion_add",
        obj=exclusion,
        council=resident.council,
        reason=reason,
        data={"resident_id": resident.pk, "provider_id": provider.pk},
    )
    return exclusion


@transaction.atomic
def exclusion_remove(*, exclusion: Exclusion, user: User) -> None:
    """The resident allows the provider again: later batches may propose them."""
    if not (user.is_authenticated and exclusion.resident.user_id == user.pk):
        raise PermissionDenied(_("Only the resident can do this."))
    Exclusion.objects.filter(pk=exclusion.pk).delete()
    market_changed(council_id=exclusion.resident.council_id)


@transaction.atomic
def match_concern_mark(*, match: Match) -> None:
    """A safeguarding concern was raised about this match: continuity never counts it.
    Called by `concern_raise` (which checked the person raising it)."""
    Match.objects.filter(pk=match.pk, concern_raised_at__isnull=True).update(concern_raised_at=timezone.now())
