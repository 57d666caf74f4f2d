"""Verification: evidence a provider submits, the council's decisions on it,
and the safeguarding clearance that follows from what was accepted.

The clearance table is the decision recorded in
docs/decisions/0004-safeguarding-clearance.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from platform_core.models import SafeguardingTier, User, tier_rank
from platform_core.notifications import Kind as NotificationKind
from platform_core.notifications import notify_each
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record, market_changed
from providers.models import (
    EVIDENCE_ALLOWED,
    EVIDENCE_REQUIRED,
    PERSON_EVIDENCE,
    SUPPORTING_EVIDENCE,
    Provider,
    ProviderMember,
    VerificationEvidence,
)
from providers.notifications import EVIDENCE_ACCEPTED, EVIDENCE_REJECTED, expired_kind
from providers.permissions import is_owner, require_member

Kind = Provider.Kind
EvidenceKind = VerificationEvidence.Kind
EvidenceStatus = VerificationEvidence.Status
DbsLevel = VerificationEvidence.DbsLevel

ORGANISATIONS = frozenset({Kind.CARE_FIRM, Kind.CHARITY, Kind.COMMUNITY_GROUP, Kind.BUSINESS})

# Kinds whose DBS certificate raises their clearance to DBS_CHECKED.
DBS_KINDS = frozenset({Kind.VOLUNTEER, Kind.CHARITY, Kind.COMMUNITY_GROUP})

# A DBS certificate has no expiry of its own; the council re-checks it after this.
DBS_RECHECK_DAYS = 3 * 365

# The DBS levels that clear a person for the DBS tier: an enhanced check, the one
# for visiting people at home. An empty level was sent before levels were asked and
# cleared the DBS tier then, so it still does until it lapses (ADR 0023).
DBS_CLEARING_LEVELS = frozenset({"", DbsLevel.ENHANCED, DbsLevel.ENHANCED_BARRED})
_DBS_LEVEL_RANK = {DbsLevel.BASIC: 0, DbsLevel.STANDARD: 1, "": 2, DbsLevel.ENHANCED: 3, DbsLevel.ENHANCED_BARRED: 4}

# From this tier up, the person who visits must hold the check, and a proposal is
# accepted naming them (for the kinds cleared through their people's DBS).
NAMED_TIER = SafeguardingTier.DBS_CHECKED

CQC_RE = re.compile(r"^1-\d{9,11}$")
CHARITY_RE = re.compile(r"^\d{6,8}(-\d{1,2})?$")
DBS_RE = re.compile(r"^\d{12}$")


def _today() -> date:
    return timezone.localdate()


def _is_live(evidence: VerificationEvidence, today: date) -> bool:
    return evidence.status == EvidenceStatus.ACCEPTED and (evidence.expires_on is None or evidence.expires_on >= today)


def _is_lapsed(evidence: VerificationEvidence, today: date) -> bool:
    return evidence.status == EvidenceStatus.EXPIRED or (
        evidence.status == EvidenceStatus.ACCEPTED and evidence.expires_on is not None and evidence.expires_on < today
    )


@dataclass(frozen=True)
class MemberChecks:
    """The live checks one member holds: their best DBS level (None: no live
    certificate) and whether their identity was checked."""

    member_id: int
    dbs_level: str | None = None
    id_checked: bool = False

    @property
    def dbs_level_label(self) -> str:
        """The level in words ("enhanced"), in the active language; empty for none or not recorded."""
        return str(DbsLevel(self.dbs_level).label) if self.dbs_level else ""

    @property
    def any(self) -> bool:
        return self.dbs_level is not None or self.id_checked

    @property
    def dbs_clears(self) -> bool:
        return self.dbs_level is not None and self.dbs_level in DBS_CLEARING_LEVELS

    def covers(self, tier: str) -> bool:
        """Whether this person may be the one who attends help of `tier`. Regulated
        care is cleared by the firm's CQC registration, never by a person."""
        rank = tier_rank(tier)
        if rank >= tier_rank(SafeguardingTier.REGULATED_CARE):
            return False
        if rank >= tier_rank(SafeguardingTier.DBS_CHECKED):
            return self.dbs_clears
        if rank >= tier_rank(SafeguardingTier.ID_CHECKED):
            return self.id_checked or self.dbs_clears
        return True


def member_checks_compute(*, evidence: Iterable[VerificationEvidence], today: date) -> dict[int, MemberChecks]:
    """The live person evidence in `evidence`, by member id: the one home of "what
    checks does this person hold". Pure. Evidence whose member left counts for nobody."""
    best: dict[int, str | None] = {}
    ids: set[int] = set()
    for e in evidence:
        if e.kind not in PERSON_EVIDENCE or e.member_id is None or not _is_live(e, today):
            continue
        best.setdefault(e.member_id, None)
        if e.kind == EvidenceKind.ID_CHECK:
            ids.add(e.member_id)
        elif best[e.member_id] is None or _DBS_LEVEL_RANK[e.dbs_level] > _DBS_LEVEL_RANK[best[e.member_id] or ""]:
            best[e.member_id] = e.dbs_level
    return {m: MemberChecks(member_id=m, dbs_level=level, id_checked=m in ids) for m, level in best.items()}


def attendance_named(*, provider_kind: str, tier: str) -> bool:
    """Whether accepting help of `tier` names the member who attends: from the DBS
    tier up, for the kinds whose DBS clearance comes from their people (a care
    firm's comes from its CQC registration)."""
    return provider_kind in DBS_KINDS and tier_rank(tier) >= tier_rank(NAMED_TIER)


def clearance_compute(*, kind: str, evidence: list[VerificationEvidence], today: date) -> tuple[str, str]:
    """(verification_status, clearance) for a provider of `kind` holding `evidence`.

    Pure: no queries, so the table can be tested row by row. Person evidence
    (DBS, identity check) counts through the member it names
    (`member_checks_compute`): the DBS tier is cleared while at least one member
    holds a live enhanced check, and lost when the last one lapses or is rejected.

    verification_status, first that applies:
      VERIFIED    the kind's required evidence is accepted and unexpired
                  (care firm: CQC; charity: charity number; volunteer: ID check;
                  community group / business: any accepted evidence)
      EXPIRED     required evidence was accepted once and has lapsed
      SUBMITTED   some evidence is waiting for the council
      REJECTED    evidence was rejected and nothing is waiting
      UNVERIFIED  nothing submitted

    clearance (the highest tier cleared; blank unless VERIFIED):
      OPEN            verified at all
      ID_CHECKED      organisations once verified; volunteers with an accepted ID check
      DBS_CHECKED     volunteer, charity or community group with at least one member
                      holding an accepted, unexpired enhanced DBS certificate; a care firm
                      with an accepted CQC registration
      REGULATED_CARE  care firm with an accepted, unexpired CQC registration
    """
    required = EVIDENCE_REQUIRED[kind]

    def matches(e: VerificationEvidence) -> bool:
        # Insurance is kept on file; it verifies nobody by itself.
        return e.kind not in SUPPORTING_EVIDENCE and (required is None or e.kind == required)

    # Person evidence counts while it names a member (a leaver's clears nobody).
    live = [e for e in evidence if _is_live(e, today) and (e.kind not in PERSON_EVIDENCE or e.member_id is not None)]
    if any(matches(e) for e in live):
        status = Provider.Verification.VERIFIED
    elif any(matches(e) and _is_lapsed(e, today) for e in evidence):
        status = Provider.Verification.EXPIRED
    elif any(e.status == EvidenceStatus.SUBMITTED for e in evidence):
        status = Provider.Verification.SUBMITTED
    elif any(e.status == EvidenceStatus.REJECTED for e in evidence):
        status = Provider.Verification.REJECTED
    else:
        status = Provider.Verification.UNVERIFIED

    if status != Provider.Verification.VERIFIED:
        return status, ""
    live_kinds = {e.kind for e in live}
    if kind == Kind.CARE_FIRM and EvidenceKind.CQC in live_kinds:
        return status, SafeguardingTier.REGULATED_CARE
    people = member_checks_compute(evidence=live, today=today)
    if kind in DBS_KINDS and any(c.covers(SafeguardingTier.DBS_CHECKED) for c in people.values()):
        return status, SafeguardingTier.DBS_CHECKED
    if kind in ORGANISATIONS or EvidenceKind.ID_CHECK in live_kinds:
        return status, SafeguardingTier.ID_CHECKED
    return status, SafeguardingTier.OPEN


@transaction.atomic
def provider_recompute_clearance(*, provider: Provider) -> Provider:
    """Set verification_status and clearance from the provider's evidence.

    See `clearance_compute` for the table. Suspension is separate
    (is_suspended) and left alone. Announces a market change when either moved.
    The provider's row is locked first, so two recomputes (an evidence decision
    and the nightly expiry) read the evidence one after the other.
    """
    provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    evidence = list(VerificationEvidence.objects.filter(provider=provider))
    status, clearance = clearance_compute(kind=provider.kind, evidence=evidence, today=_today())
    if (status, clearance) != (provider.verification_status, provider.clearance):
        provider.verification_status = status
        provider.clearance = clearance
        provider.save(update_fields=["verification_status", "clearance", "updated_at"])
        market_changed(council_id=provider.council_id)
    return provider


def evidence_validate(
    *,
    provider: Provider,
    kind: str,
    reference: str,
    issued_on: date | None,
    expires_on: date | None,
    update_service_consent: bool,
    today: date | None = None,
    dbs_level: str | None = None,
) -> str:
    """Check evidence before it is stored; returns the normalised reference.

    Raises ValidationError keyed by field with a message the provider can act on.
    """
    today = today or _today()
    errors: dict[str, str] = {}
    if kind not in EVIDENCE_ALLOWED[provider.kind]:
        raise ValidationError(
            {"kind": f"A {Kind(provider.kind).label.lower()} cannot send a {EvidenceKind(kind).label}."}
        )
    reference = "".join((reference or "").split()) if kind != EvidenceKind.COMPANY else " ".join(reference.split())
    if kind == EvidenceKind.CQC:
        reference = reference.upper()
        if not CQC_RE.match(reference):
            errors["reference"] = "Enter a CQC location ID in the right format, like 1-123456789"
    elif kind == EvidenceKind.CHARITY_NUMBER:
        if not CHARITY_RE.match(reference):
            errors["reference"] = "Enter a charity number of 6 to 8 digits, like 1123456 or 1123456-1"
    elif kind == EvidenceKind.DBS:
        if not DBS_RE.match(reference):
            errors["reference"] = "Enter the 12-digit DBS certificate number, like 001234567890"
        # None: not being asked (a stored certificate sent before levels were asked).
        if dbs_level is not None and dbs_level not in DbsLevel.values:
            errors["dbs_level"] = (
                "Choose the level of the DBS check: basic, standard, enhanced or enhanced with barred lists"
            )
        if issued_on is None:
            errors["issued_on"] = "Enter the date the DBS certificate was issued"
        elif issued_on > today:
            errors["issued_on"] = "The date the DBS certificate was issued must be today or in the past"
        if provider.kind == Kind.VOLUNTEER and not update_service_consent:
            errors["update_service_consent"] = (
                "Agree to the council checking your certificate on the DBS Update Service"
            )
    elif kind == EvidenceKind.ID_CHECK:
        if not 4 <= len(reference) <= 40:
            errors["reference"] = "Enter the reference of your identity check, 4 to 40 characters"
    elif kind == EvidenceKind.INSURANCE:
        if not 4 <= len(reference) <= 40:
            errors["reference"] = "Enter the policy number of your insurance, 4 to 40 characters"
        if expires_on is None:
            errors["expires_on"] = "Enter the date your insurance ends"
    elif not 3 <= len(reference) <= 40:
        errors["reference"] = "Enter the registration number, 3 to 40 characters"
    if expires_on is not None:
        if expires_on < today:
            errors["expires_on"] = "The expiry date must be in the future"
        elif issued_on is not None and expires_on <= issued_on:
            errors["expires_on"] = "The expiry date must be after the date of issue"
    if issued_on is not None and issued_on > today and "issued_on" not in errors:
        errors["issued_on"] = "The date of issue must be today or in the past"
    if errors:
        raise ValidationError(errors)
    return reference


@transaction.atomic
def evidence_submit(
    *,
    provider: Provider,
    user: User,
    kind: str,
    reference: str,
    issued_on: date | None = None,
    expires_on: date | None = None,
    update_service_consent: bool = False,
    member: ProviderMember | None = None,
    dbs_level: str = "",
) -> VerificationEvidence:
    """A member sends evidence for the council to check.

    Person evidence (DBS, identity check) names the member it is about: the
    member themself or an owner sends it, and a provider with one member (a
    single volunteer) needs name nobody. A DBS certificate gives its level, and
    without an expiry date is due a re-check three years after issue. The
    provider moves to SUBMITTED if it was unverified or rejected.
    """
    require_member(user=user, provider_id=provider.pk)
    member = _evidence_member(provider=provider, user=user, kind=kind, member=member)
    reference = evidence_validate(
        provider=provider,
        kind=kind,
        reference=reference,
        issued_on=issued_on,
        expires_on=expires_on,
        update_service_consent=update_service_consent,
        dbs_level=dbs_level if kind == EvidenceKind.DBS else None,
    )
    if kind == EvidenceKind.DBS and expires_on is None and issued_on is not None:
        expires_on = issued_on + timedelta(days=DBS_RECHECK_DAYS)
        if expires_on < _today():
            raise ValidationError(
                {"issued_on": "This certificate is more than 3 years old. Apply for a new DBS check first"}
            )
    evidence = VerificationEvidence(
        provider=provider,
        member=member,
        dbs_level=dbs_level if kind == EvidenceKind.DBS else "",
        kind=kind,
        reference=reference,
        issued_on=issued_on,
        expires_on=expires_on,
        update_service_consent=update_service_consent,
        submitted_by=user,
    )
    evidence.full_clean()
    evidence.save()
    provider_recompute_clearance(provider=provider)
    return evidence


def _evidence_member(
    *, provider: Provider, user: User, kind: str, member: ProviderMember | None
) -> ProviderMember | None:
    """The member person evidence is about (None for organisation evidence)."""
    if kind not in PERSON_EVIDENCE:
        if member is not None:
            raise ValidationError({"member": f"A {EvidenceKind(kind).label} is about the organisation, not a member."})
        return None
    if member is None:
        only = list(ProviderMember.objects.filter(provider=provider)[:2])
        if len(only) != 1:
            raise ValidationError({"member": f"Choose the member this {EvidenceKind(kind).label} is about"})
        member = only[0]
    if member.provider_id != provider.pk:
        raise ValidationError({"member": "Choose a member of this provider"})
    if member.user_id != user.pk and not is_owner(user=user, provider_id=provider.pk):
        raise PermissionDenied("Only the member it is about or an owner can send someone's evidence.")
    return member


def _notify_members(provider: Provider, kind: NotificationKind, url: str = "", **objects: Any) -> None:
    users = [member.user for member in ProviderMember.objects.filter(provider=provider).select_related("user")]
    notify_each(kind=kind, users=users, url=url, **objects)


def _verification_url(provider: Provider) -> str:
    from django.urls import reverse

    return reverse("providers:verification", kwargs={"pk": provider.pk})


@transaction.atomic
def evidence_accept(
    *, evidence: VerificationEvidence, officer: User, request: HttpRequest | None = None
) -> VerificationEvidence:
    """An officer accepts evidence; the provider's status and clearance follow."""
    provider = evidence.provider
    require_officer_of(user=officer, council_id=provider.council_id)
    # Locked and read afresh: two officers deciding at once cannot both pass the status check.
    evidence.refresh_from_db(from_queryset=VerificationEvidence.objects.select_for_update())
    if evidence.status != EvidenceStatus.SUBMITTED:
        raise ValidationError("Only evidence waiting for the council can be accepted.")
    if evidence.expires_on is not None and evidence.expires_on < _today():
        raise ValidationError("This evidence has already expired. Ask the provider for up-to-date evidence.")
    evidence.status = EvidenceStatus.ACCEPTED
    evidence.reviewed_by = officer
    evidence.reviewed_at = timezone.now()
    evidence.decision_reason = ""
    evidence.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_reason"])
    provider_recompute_clearance(provider=provider)
    audit_record(
        actor=officer,
        action="provider.evidence_accept",
        obj=evidence,
        council=provider.council,
        data={"provider_id": provider.pk, "kind": evidence.kind, "clearance": provider.clearance},
        request=request,
    )
    _notify_members(provider, EVIDENCE_ACCEPTED, _verification_url(provider), evidence=evidence)
    return evidence


@transaction.atomic
def evidence_reject(
    *, evidence: VerificationEvidence, officer: User, reason: str, request: HttpRequest | None = None
) -> VerificationEvidence:
    """An officer rejects evidence with a reason the provider will read."""
    provider = evidence.provider
    require_officer_of(user=officer, council_id=provider.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter a reason the provider can act on"})
    evidence.refresh_from_db(from_queryset=VerificationEvidence.objects.select_for_update())
    if evidence.status not in (EvidenceStatus.SUBMITTED, EvidenceStatus.ACCEPTED):
        raise ValidationError("This evidence has already been decided.")
    evidence.status = EvidenceStatus.REJECTED
    evidence.reviewed_by = officer
    evidence.reviewed_at = timezone.now()
    evidence.decision_reason = reason[:500]
    evidence.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_reason"])
    provider_recompute_clearance(provider=provider)
    audit_record(
        actor=officer,
        action="provider.evidence_reject",
        obj=evidence,
        council=provider.council,
        reason=reason,
        data={"provider_id": provider.pk, "kind": evidence.kind},
        request=request,
    )
    _notify_members(provider, EVIDENCE_REJECTED, _verification_url(provider), evidence=evidence)
    return evidence


@transaction.atomic
def provider_suspend(*, provider: Provider, officer: User, reason: str, request: HttpRequest | None = None) -> Provider:
    """Take a provider out of the market at once (its offers drop out of
    `offer_list_in_market`; nothing on the offers changes)."""
    require_officer_of(user=officer, council_id=provider.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the provider is suspended"})
    provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    provider.is_suspended = True
    provider.suspended_reason = reason[:300]
    provider.save(update_fields=["is_suspended", "suspended_reason", "updated_at"])
    audit_record(
        actor=officer, action="provider.suspend", obj=provider, council=provider.council, reason=reason, request=request
    )
    market_changed(council_id=provider.council_id)
    return provider


@transaction.atomic
def provider_reinstate(*, provider: Provider, officer: User, request: HttpRequest | None = None) -> Provider:
    require_officer_of(user=officer, council_id=provider.council_id)
    provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    if not provider.is_suspended:
        raise ValidationError("This provider is not suspended.")
    provider.is_suspended = False
    provider.suspended_reason = ""
    provider.save(update_fields=["is_suspended", "suspended_reason", "updated_at"])
    provider_recompute_clearance(provider=provider)
    audit_record(actor=officer, action="provider.reinstate", obj=provider, council=provider.council, request=request)
    market_changed(council_id=provider.council_id)
    return provider


@transaction.atomic
def evidence_expire_lapsed(*, today: date | None = None) -> int:
    """Mark accepted evidence past its expiry date EXPIRED and recompute its
    providers. Safe to run twice: the second run finds nothing to expire."""
    today = today or _today()
    lapsed = VerificationEvidence.objects.select_for_update(of=("self",)).filter(
        status=EvidenceStatus.ACCEPTED, expires_on__lt=today
    )
    expired = list(lapsed.select_related("provider", "member__user").order_by("pk"))
    provider_ids = {e.provider_id for e in expired}
    count = VerificationEvidence.objects.filter(pk__in=[e.pk for e in expired]).update(status=EvidenceStatus.EXPIRED)
    # Told once: the next run finds these EXPIRED, not ACCEPTED.
    for lapsed_one in expired:
        _notify_members(
            lapsed_one.provider, expired_kind(lapsed_one), _verification_url(lapsed_one.provider), evidence=lapsed_one
        )
    for provider in Provider.objects.select_for_update().filter(pk__in=provider_ids).order_by("pk"):
        evidence = list(VerificationEvidence.objects.filter(provider=provider))
        status, clearance = clearance_compute(kind=provider.kind, evidence=evidence, today=today)
        if (status, clearance) != (provider.verification_status, provider.clearance):
            provider.verification_status = status
            provider.clearance = clearance
            provider.save(update_fields=["verification_status", "clearance", "updated_at"])
        audit_record(
            actor=None,
            action="provider.evidence_expired",
            obj=provider,
            council=provider.council,
            data={"verification_status": status, "clearance": clearance},
        )
        market_changed(council_id=provider.council_id)
    return count
