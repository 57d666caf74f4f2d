"""Reads about providers and offers. Visibility is decided here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from platform_core.models import AnyUser, Council, ServiceCategory
from providers.models import (
    EVIDENCE_ALLOWED,
    EVIDENCE_REQUIRED,
    PERSON_EVIDENCE,
    Offer,
    Provider,
    ProviderInvitation,
    ProviderMember,
    VerificationEvidence,
)
from providers.permissions import is_member
from providers.services.verification import MemberChecks, attendance_named, member_checks_compute


def provider_list_for_user(*, user: AnyUser) -> QuerySet[Provider]:
    """The providers a user is a member of (usually one)."""
    if not user.is_authenticated:
        return Provider.objects.none()
    return Provider.objects.filter(members__user=user)


def provider_get_for_user(*, user: AnyUser, pk: int) -> Provider | None:
    """A provider the user is a member of, or None (shown as 404)."""
    return provider_list_for_user(user=user).select_related("council").filter(pk=pk).first()


def member_list_for_provider(*, provider: Provider) -> QuerySet[ProviderMember]:
    return ProviderMember.objects.filter(provider=provider).select_related("user").order_by("role", "joined_at", "id")


def member_get_for_user(*, user: AnyUser, provider: Provider, pk: int) -> ProviderMember | None:
    """A member of a provider the user belongs to."""
    if not is_member(user=user, provider_id=provider.pk):
        return None
    return ProviderMember.objects.select_related("user", "provider").filter(provider=provider, pk=pk).first()


def invitation_list_pending(*, provider: Provider) -> QuerySet[ProviderInvitation]:
    return ProviderInvitation.objects.filter(provider=provider, accepted_at__isnull=True).order_by("-created_at")


def invitation_get_for_user(*, user: AnyUser, token: str) -> ProviderInvitation | None:
    """The invitation with this token if it was sent to the user's address, else None."""
    if not user.is_authenticated:
        return None
    return ProviderInvitation.objects.select_related("provider").filter(token=token, email__iexact=user.email).first()


def evidence_list_for_provider(*, provider: Provider) -> QuerySet[VerificationEvidence]:
    return VerificationEvidence.objects.filter(provider=provider).order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class EvidenceRow:
    """One line of the Verification page: what, whether required, and where it stands.

    `per_person`: each member sends their own (a DBS certificate or identity check
    of an organisation's people), from the Members page."""

    kind: str
    label: str
    required: bool
    why: str
    latest: VerificationEvidence | None
    per_person: bool = False


def member_checks_for(*, members: Sequence[ProviderMember]) -> dict[int, MemberChecks]:
    """The live checks each of `members` holds, by member id (one query, whatever
    their number); a member with none maps to empty checks."""
    ids = [m.pk for m in members]
    evidence = VerificationEvidence.objects.filter(
        member_id__in=ids, kind__in=PERSON_EVIDENCE, status=VerificationEvidence.Status.ACCEPTED
    ).only("member_id", "kind", "status", "expires_on", "dbs_level")
    found = member_checks_compute(evidence=evidence, today=timezone.localdate())
    return {pk: found.get(pk, MemberChecks(member_id=pk)) for pk in ids}


def member_list_cleared_for(*, provider: Provider, tier: str) -> list[ProviderMember]:
    """The members who may be named to attend help of `tier` today (two queries)."""
    members = list(member_list_for_provider(provider=provider))
    checks = member_checks_for(members=members)
    return [m for m in members if checks[m.pk].covers(tier)]


@dataclass(frozen=True)
class Attendance:
    """Who may attend a proposal of `tier` for this provider: `named` says whether
    accepting names someone; `cleared` are the members who may be named; `automatic`
    is the one named without asking (a provider with a single member, cleared)."""

    named: bool
    cleared: list[ProviderMember]
    automatic: ProviderMember | None


def attendance_for(*, provider: Provider, tier: str) -> Attendance:
    """Whether and whom a provider names when accepting help of `tier` (ADR 0023)."""
    members = list(member_list_for_provider(provider=provider))
    checks = member_checks_for(members=members)
    cleared = [m for m in members if checks[m.pk].covers(tier)]
    named = attendance_named(provider_kind=provider.kind, tier=tier)
    sole = members[0] if len(members) == 1 else None
    # A sole member is named without asking: when cleared for a named tier, and always
    # for a volunteer (the person is the provider), so the resident sees who comes.
    automatic = sole if sole is not None and ((named and cleared) or provider.kind == Provider.Kind.VOLUNTEER) else None
    if automatic is not None and named and automatic not in cleared:
        automatic = None
    return Attendance(named=named, cleared=cleared if named else members, automatic=automatic)


def member_evidence_rows(*, member: ProviderMember, kinds: Sequence[str]) -> list[EvidenceRow]:
    """The latest of each kind of person evidence about one member."""
    rows = []
    for kind in kinds:
        latest = VerificationEvidence.objects.filter(member=member, kind=kind).order_by("-submitted_at", "-id").first()
        rows.append(
            EvidenceRow(
                kind=kind,
                label=VerificationEvidence.Kind(kind).label,
                required=False,
                why=EVIDENCE_WHY[kind],
                latest=latest,
            )
        )
    return rows


EVIDENCE_WHY: dict[str, str] = {
    VerificationEvidence.Kind.CQC: "Care firms must be registered with the Care Quality Commission to give personal "
    "care.",
    VerificationEvidence.Kind.CHARITY_NUMBER: "Your number on the Charity Commission register for England and Wales.",
    VerificationEvidence.Kind.DBS: "An enhanced DBS certificate lets the person it names make home visits and give "
    "other DBS-checked help.",
    VerificationEvidence.Kind.ID_CHECK: "The council checks who the person is before they help anyone.",
    VerificationEvidence.Kind.COMPANY: "Your Companies House number, or your group's registration or constitution.",
    VerificationEvidence.Kind.INSURANCE: "Public liability insurance covering your work in people's homes and "
    "communities; the council is told before it ends.",
}


def verification_requirements(*, provider: Provider) -> list[EvidenceRow]:
    """What evidence a provider of this kind can send, which is required, and the latest of each."""
    # The latest of each kind: one small query per kind (at most three), whatever the history's length.
    latest: dict[str, VerificationEvidence] = {}
    for kind in EVIDENCE_ALLOWED[provider.kind]:
        evidence = evidence_list_for_provider(provider=provider).filter(kind=kind).first()
        if evidence is not None:
            latest[kind] = evidence
    required = EVIDENCE_REQUIRED[provider.kind]
    rows = []
    for kind in EVIDENCE_ALLOWED[provider.kind]:
        is_required = required == kind or (required is None and kind == VerificationEvidence.Kind.COMPANY)
        rows.append(
            EvidenceRow(
                kind=kind,
                label=VerificationEvidence.Kind(kind).label,
                required=is_required,
                why=EVIDENCE_WHY[kind],
                latest=latest.get(kind),
                per_person=kind in PERSON_EVIDENCE and provider.kind != Provider.Kind.VOLUNTEER,
            )
        )
    return rows


def offer_list_for_user(*, user: AnyUser) -> QuerySet[Offer]:
    """Offers of every provider the user is a member of."""
    if not user.is_authenticated:
        return Offer.objects.none()
    return (
        Offer.objects.filter(provider_id__in=ProviderMember.objects.filter(user=user).values("provider_id"))
        .select_related("provider", "council")
        .prefetch_related(Prefetch("categories", queryset=ServiceCategory.objects.order_by("position", "name")))
    )


# Offers a provider no longer runs: the dashboard shows them one click away.
OFFER_PAST_STATUSES = (Offer.Status.CLOSED,)


def offer_list_current_for_user(*, user: AnyUser, past: bool = False) -> QuerySet[Offer]:
    """The user's offers still in play (or, with `past`, the closed ones), newest first."""
    offers = offer_list_for_user(user=user)
    if past:
        return offers.filter(status__in=OFFER_PAST_STATUSES)
    return offers.exclude(status__in=OFFER_PAST_STATUSES)


def offer_get_for_user(*, user: AnyUser, pk: int) -> Offer | None:
    return offer_list_for_user(user=user).filter(pk=pk).first()


def offer_list_in_market(*, council: Council | int) -> QuerySet[Offer]:
    """Offers the matching engine may propose: ACTIVE, with capacity left, of a
    provider that is VERIFIED and not suspended.

    Suspension and lapsed evidence take offers out here, so nothing on the
    offers themselves has to change. Whether the provider's clearance covers a
    given category's tier is for the caller (see providers.models.clearance_covers).
    """
    council_id = council.pk if isinstance(council, Council) else council
    return (
        Offer.objects.filter(
            council_id=council_id,
            status=Offer.Status.ACTIVE,
            capacity_left__gt=0,
            provider__verification_status=Provider.Verification.VERIFIED,
            provider__is_suspended=False,
        )
        .select_related("provider")
        .prefetch_related("categories")
    )
