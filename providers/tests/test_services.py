"""Services: verification and clearance, suspension, expiry, offers within the council's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from platform_core.models import AuditEvent, SafeguardingTier
from providers import services
from providers.models import Offer, Provider, ProviderMember, VerificationEvidence
from providers.selectors import offer_list_in_market
from providers.tasks import evidence_expire_lapsed_task
from providers.tests.conftest import make_provider
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderMemberFactory

pytestmark = pytest.mark.django_db


def _in_market(offer) -> bool:
    """Whether the matching engine may propose the offer (the rule is offer_list_in_market's)."""
    return offer_list_in_market(council=offer.council_id).filter(pk=offer.pk).exists()


TODAY = timezone.localdate()
NEXT_YEAR = TODAY + timedelta(days=365)
Kind = Provider.Kind
EK = VerificationEvidence.Kind


def submit(provider, user, kind, reference, **kw):
    if kind == EK.DBS:
        kw.setdefault("dbs_level", VerificationEvidence.DbsLevel.ENHANCED)
    if kind in (EK.DBS, EK.ID_CHECK) and "member" not in kw:
        kw["member"] = ProviderMember.objects.filter(provider=provider, user=user).first()
    return services.evidence_submit(provider=provider, user=user, kind=kind, reference=reference, **kw)


def member(provider):
    return ProviderMemberFactory(provider=provider).user


# --- evidence format checks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "provider_kind", "reference", "field", "message"),
    [
        (EK.CQC, Kind.CARE_FIRM, "1-12345", "reference", "like 1-123456789"),
        (EK.CQC, Kind.CARE_FIRM, "2-123456789", "reference", "like 1-123456789"),
        (EK.CHARITY_NUMBER, Kind.CHARITY, "12345", "reference", "6 to 8 digits"),
        (EK.CHARITY_NUMBER, Kind.CHARITY, "1123456-123", "reference", "6 to 8 digits"),
        (EK.DBS, Kind.CHARITY, "12345678901", "reference", "12-digit DBS certificate number"),
        (EK.DBS, Kind.CHARITY, "12345678901A", "reference", "12-digit DBS certificate number"),
    ],
)
def test_badly_formatted_evidence_is_refused_with_a_clear_message(
    council, kind, provider_kind, reference, field, message
):
    provider = make_provider(council, provider_kind)
    with pytest.raises(ValidationError) as exc:
        submit(provider, member(provider), kind, reference, issued_on=TODAY)
    assert message in " ".join(exc.value.message_dict[field])


@pytest.mark.parametrize(
    ("kind", "provider_kind", "reference"),
    [
        (EK.CQC, Kind.CARE_FIRM, "1-123456789"),
        (EK.CQC, Kind.CARE_FIRM, "1-12345678901"),
        (EK.CHARITY_NUMBER, Kind.CHARITY, "1123456"),
        (EK.CHARITY_NUMBER, Kind.CHARITY, "1123456-01"),
        (EK.DBS, Kind.CHARITY, "001234567890"),
    ],
)
def test_well_formatted_evidence_is_stored_and_the_provider_waits_for_the_council(
    council, kind, provider_kind, reference
):
    provider = make_provider(council, provider_kind)
    evidence = submit(provider, member(provider), kind, reference, issued_on=TODAY)
    provider.refresh_from_db()
    assert evidence.status == VerificationEvidence.Status.SUBMITTED
    assert provider.verification_status == Provider.Verification.SUBMITTED


def test_dbs_issue_date_in_the_future_is_refused(council):
    provider = make_provider(council, Kind.CHARITY)
    with pytest.raises(ValidationError) as exc:
        submit(provider, member(provider), EK.DBS, "001234567890", issued_on=TODAY + timedelta(days=1))
    assert "today or in the past" in exc.value.message_dict["issued_on"][0]


def test_dbs_without_issue_date_is_refused(council):
    provider = make_provider(council, Kind.CHARITY)
    with pytest.raises(ValidationError) as exc:
        submit(provider, member(provider), EK.DBS, "001234567890")
    assert "Enter the date" in exc.value.message_dict["issued_on"][0]


def test_volunteer_dbs_needs_update_service_consent(council):
    provider = make_provider(council, Kind.VOLUNTEER)
    with pytest.raises(ValidationError) as exc:
        submit(provider, member(provider), EK.DBS, "001234567890", issued_on=TODAY)
    assert "DBS Update Service" in exc.value.message_dict["update_service_consent"][0]
    evidence = submit(provider, member(provider), EK.DBS, "001234567890", issued_on=TODAY, update_service_consent=True)
    assert evidence.update_service_consent


def test_dbs_without_expiry_is_due_a_recheck_three_years_after_issue(council):
    provider = make_provider(council, Kind.CHARITY)
    evidence = submit(provider, member(provider), EK.DBS, "001234567890", issued_on=TODAY)
    assert evidence.expires_on == TODAY + timedelta(days=3 * 365)


def test_evidence_a_kind_cannot_send_is_refused(council):
    provider = make_provider(council, Kind.BUSINESS)
    with pytest.raises(ValidationError) as exc:
        submit(provider, member(provider), EK.DBS, "001234567890", issued_on=TODAY)
    assert "cannot send" in exc.value.message_dict["kind"][0]


def test_someone_outside_the_provider_cannot_submit_evidence(council, newcomer):
    provider = make_provider(council, Kind.CHARITY)
    with pytest.raises(PermissionDenied):
        submit(provider, newcomer, EK.CHARITY_NUMBER, "1123456")


def test_submitting_keeps_an_expired_provider_expired(council):
    provider = make_provider(council, Kind.CHARITY, verification_status=Provider.Verification.EXPIRED)
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status=VerificationEvidence.Status.EXPIRED)
    submit(provider, member(provider), EK.CHARITY_NUMBER, "1123457")
    provider.refresh_from_db()
    assert provider.verification_status == Provider.Verification.EXPIRED


def test_insurance_stays_with_the_organisation_and_needs_its_end_date(council):
    provider = make_provider(council, Kind.CHARITY)
    user = member(provider)
    with pytest.raises(ValidationError) as refused:
        submit(provider, user, EK.INSURANCE, "PL-1234567")
    assert refused.value.message_dict == {"expires_on": ["Enter the date your insurance ends"]}
    evidence = submit(provider, user, EK.INSURANCE, "PL-1234567", expires_on=NEXT_YEAR)
    assert evidence.member is None  # organisation evidence names no member (ADR 0023)
    volunteer = make_provider(council, Kind.VOLUNTEER)
    with pytest.raises(ValidationError):
        submit(volunteer, member(volunteer), EK.INSURANCE, "PL-1234567", expires_on=NEXT_YEAR)


# --- the clearance table ------------------------------------------------------------------


def accepted(kind, expires_on=NEXT_YEAR, level=VerificationEvidence.DbsLevel.ENHANCED, member_id=1):
    """Accepted evidence; person evidence names member 1 (as the migration and evidence_submit do)."""
    person = kind in (EK.DBS, EK.ID_CHECK)
    return VerificationEvidence(
        kind=kind,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=expires_on,
        member_id=member_id if person else None,
        dbs_level=level if kind == EK.DBS else "",
    )


@pytest.mark.parametrize(
    ("provider_kind", "evidence", "status", "clearance"),
    [
        (Kind.CARE_FIRM, [accepted(EK.CQC)], "verified", SafeguardingTier.REGULATED_CARE),
        (Kind.CARE_FIRM, [accepted(EK.COMPANY)], "unverified", ""),
        (Kind.CARE_FIRM, [accepted(EK.CQC, TODAY - timedelta(days=1))], "expired", ""),
        (Kind.CHARITY, [accepted(EK.CHARITY_NUMBER)], "verified", SafeguardingTier.ID_CHECKED),
        (Kind.CHARITY, [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS)], "verified", SafeguardingTier.DBS_CHECKED),
        (
            Kind.CHARITY,
            [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS, TODAY - timedelta(days=1))],
            "verified",
            SafeguardingTier.ID_CHECKED,
        ),
        (Kind.CHARITY, [accepted(EK.DBS)], "unverified", ""),
        # Vetting belongs to the person (ADR 0023): the level and the member count.
        (
            Kind.CHARITY,
            [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS, level=VerificationEvidence.DbsLevel.STANDARD)],
            "verified",
            SafeguardingTier.ID_CHECKED,
        ),
        (
            Kind.CHARITY,
            [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS, level=VerificationEvidence.DbsLevel.ENHANCED_BARRED)],
            "verified",
            SafeguardingTier.DBS_CHECKED,
        ),
        (Kind.CHARITY, [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS, level="")], "verified", "dbs_checked"),
        (Kind.CHARITY, [accepted(EK.CHARITY_NUMBER), accepted(EK.DBS, member_id=None)], "verified", "id_checked"),
        (
            Kind.CHARITY,
            [
                accepted(EK.CHARITY_NUMBER),
                accepted(EK.DBS, TODAY - timedelta(days=1), member_id=1),
                accepted(EK.DBS, member_id=2),
            ],
            "verified",
            SafeguardingTier.DBS_CHECKED,
        ),
        (Kind.COMMUNITY_GROUP, [accepted(EK.COMPANY)], "verified", SafeguardingTier.ID_CHECKED),
        (Kind.COMMUNITY_GROUP, [accepted(EK.COMPANY), accepted(EK.DBS)], "verified", SafeguardingTier.DBS_CHECKED),
        (Kind.BUSINESS, [accepted(EK.COMPANY)], "verified", SafeguardingTier.ID_CHECKED),
        # Insurance is kept on the organisation's file and verifies nobody by itself.
        (Kind.BUSINESS, [accepted(EK.INSURANCE)], "unverified", ""),
        (Kind.COMMUNITY_GROUP, [accepted(EK.INSURANCE)], "unverified", ""),
        (Kind.CHARITY, [accepted(EK.CHARITY_NUMBER), accepted(EK.INSURANCE)], "verified", SafeguardingTier.ID_CHECKED),
        (Kind.VOLUNTEER, [accepted(EK.ID_CHECK)], "verified", SafeguardingTier.ID_CHECKED),
        (Kind.VOLUNTEER, [accepted(EK.ID_CHECK), accepted(EK.DBS)], "verified", SafeguardingTier.DBS_CHECKED),
        (Kind.VOLUNTEER, [accepted(EK.DBS)], "unverified", ""),
        (Kind.VOLUNTEER, [], "unverified", ""),
        (
            Kind.VOLUNTEER,
            [VerificationEvidence(kind=EK.ID_CHECK, status=VerificationEvidence.Status.REJECTED)],
            "rejected",
            "",
        ),
    ],
)
def test_clearance_table(provider_kind, evidence, status, clearance):
    assert services.clearance_compute(kind=provider_kind, evidence=evidence, today=TODAY) == (status, clearance)


# --- officer decisions ----------------------------------------------------------------------


def test_accepting_cqc_verifies_a_care_firm_for_regulated_care_and_is_audited(council, officer):
    provider = make_provider(council, Kind.CARE_FIRM)
    evidence = submit(provider, member(provider), EK.CQC, "1-123456789", expires_on=NEXT_YEAR)
    services.evidence_accept(evidence=evidence, officer=officer)
    provider.refresh_from_db()
    assert provider.verification_status == Provider.Verification.VERIFIED
    assert provider.clearance == SafeguardingTier.REGULATED_CARE
    event = AuditEvent.objects.get(action="provider.evidence_accept")
    assert event.actor == officer and event.object_id == str(evidence.pk)


def test_rejecting_needs_a_reason_the_provider_can_read(council, officer):
    provider = make_provider(council, Kind.VOLUNTEER)
    evidence = submit(provider, member(provider), EK.ID_CHECK, "PASSPORT-1234")
    with pytest.raises(ValidationError):
        services.evidence_reject(evidence=evidence, officer=officer, reason="  ")
    services.evidence_reject(evidence=evidence, officer=officer, reason="The photo is unreadable")
    provider.refresh_from_db()
    evidence.refresh_from_db()
    assert provider.verification_status == Provider.Verification.REJECTED
    assert evidence.decision_reason == "The photo is unreadable"
    assert AuditEvent.objects.filter(action="provider.evidence_reject", reason="The photo is unreadable").exists()


def test_officer_of_another_council_cannot_decide_evidence(council, other_officer):
    provider = make_provider(council, Kind.VOLUNTEER)
    evidence = submit(provider, member(provider), EK.ID_CHECK, "PASSPORT-1234")
    with pytest.raises(PermissionDenied):
        services.evidence_accept(evidence=evidence, officer=other_officer)


def test_suspended_provider_offers_leave_the_market_and_come_back_on_reinstatement(council, officer):
    offer = OfferFactory(provider__council=council)
    assert _in_market(offer)
    services.provider_suspend(provider=offer.provider, officer=officer, reason="Safeguarding concern")
    assert not offer_list_in_market(council=council).filter(pk=offer.pk).exists()
    assert AuditEvent.objects.filter(action="provider.suspend", reason="Safeguarding concern").exists()
    EvidenceFactory(provider=offer.provider, status=VerificationEvidence.Status.ACCEPTED)
    services.provider_reinstate(provider=offer.provider, officer=officer)
    assert _in_market(offer)
    assert AuditEvent.objects.filter(action="provider.reinstate").exists()


def test_suspension_announces_a_market_change_after_commit(council, officer, django_capture_on_commit_callbacks):
    from unittest import mock

    provider = make_provider(council, Kind.CHARITY)
    with (
        mock.patch("platform_core.services.send_task_safely") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.provider_suspend(provider=provider, officer=officer, reason="Concern")
    send.assert_called_once_with("matching.tasks.match_council_task", council.pk)


def test_market_excludes_unverified_paused_full_and_other_council_offers(council, other_council):
    in_market = OfferFactory(provider__council=council)
    OfferFactory(provider__council=council, provider__verification_status=Provider.Verification.SUBMITTED)
    OfferFactory(provider__council=council, status=Offer.Status.PAUSED)
    OfferFactory(provider__council=council, status=Offer.Status.PENDING_REVIEW)
    OfferFactory(provider__council=council, capacity=2, capacity_left=0)
    OfferFactory(provider__council=other_council)
    assert list(offer_list_in_market(council=council)) == [in_market]


def test_expired_evidence_takes_offers_out_of_the_market_through_the_task(council):
    offer = OfferFactory(provider__council=council)
    EvidenceFactory(
        provider=offer.provider,
        kind=EK.CHARITY_NUMBER,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=TODAY - timedelta(days=1),
    )
    assert _in_market(offer)
    assert evidence_expire_lapsed_task() == 1
    offer.provider.refresh_from_db()
    assert offer.provider.verification_status == Provider.Verification.EXPIRED
    assert offer.provider.clearance == ""
    assert not _in_market(offer)
    assert evidence_expire_lapsed_task() == 0  # safe to run twice


def test_expiry_of_dbs_lowers_clearance_but_keeps_a_charity_verified(council):
    provider = make_provider(council, Kind.CHARITY)
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status=VerificationEvidence.Status.ACCEPTED)
    EvidenceFactory(
        provider=provider, kind=EK.DBS, status=VerificationEvidence.Status.ACCEPTED, expires_on=TODAY + timedelta(1)
    )
    services.provider_recompute_clearance(provider=provider)
    assert provider.clearance == SafeguardingTier.DBS_CHECKED
    services.evidence_expire_lapsed(today=TODAY + timedelta(days=2))
    provider.refresh_from_db()
    assert provider.verification_status == Provider.Verification.VERIFIED
    assert provider.clearance == SafeguardingTier.ID_CHECKED


# --- offers ---------------------------------------------------------------------------------


def offer_kwargs(categories, **kw):
    base = {
        "title": "Help at home",
        "description": "We visit.",
        "categories": categories,
        "capacity": 2,
        "postcode": "KT1 1EU",
        "radius_km": 5,
    }
    base.update(kw)
    return base


def test_provider_without_dbs_clearance_cannot_offer_a_dbs_tier_category(provider, owner, categories):
    with pytest.raises(ValidationError) as exc:
        services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["home_visits"]]))
    assert exc.value.message_dict["categories"] == [
        "Home visits needs a DBS check. Add your DBS certificate to offer it."
    ]


def test_price_above_the_cap_is_refused_naming_the_cap(provider, owner, categories):
    with pytest.raises(ValidationError) as exc:
        services.offer_create(
            provider=provider,
            user=owner,
            **offer_kwargs([categories["shopping"]], cost_type=Offer.CostType.PER_HOUR, price_pence=1501),
        )
    assert exc.value.message_dict["price_pence"] == ["The council's cap for Shopping is £15.00 per hour"]


def test_radius_beyond_the_council_limit_is_refused_naming_the_limit(provider, owner, categories):
    with pytest.raises(ValidationError) as exc:
        services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]], radius_km=11))
    assert "The council's limit is 10 km" in exc.value.message_dict["radius_km"][0]


def test_verified_charity_offer_goes_straight_to_active(provider, owner, categories):
    offer = services.offer_create(
        provider=provider,
        user=owner,
        **offer_kwargs(
            [categories["shopping"]], cost_type=Offer.CostType.PER_HOUR, price_pence=1500, weekly_slots=[0, 3, 3]
        ),
    )
    assert offer.status == Offer.Status.ACTIVE
    assert offer.capacity_left == 2
    assert offer.weekly_slots == [0, 3]
    assert _in_market(offer)


def test_volunteer_offer_waits_for_council_review(council, categories, kingston_postcodes, officer):
    provider = make_provider(
        council, Kind.VOLUNTEER, verification_status="verified", clearance=SafeguardingTier.ID_CHECKED
    )
    offer = services.offer_create(provider=provider, user=member(provider), **offer_kwargs([categories["transport"]]))
    assert offer.status == Offer.Status.PENDING_REVIEW
    services.offer_approve(offer=offer, officer=officer)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE
    assert AuditEvent.objects.filter(action="offer.approve", object_id=str(offer.pk)).exists()


def test_hiding_an_offer_needs_a_reason_and_is_audited(provider, owner, categories, officer):
    offer = services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]]))
    with pytest.raises(ValidationError):
        services.offer_hide(offer=offer, officer=officer, reason="")
    offer = services.offer_hide(offer=offer, officer=officer, reason="Misleading title")
    assert offer.status == Offer.Status.HIDDEN and offer.status_reason == "Misleading title"
    assert AuditEvent.objects.filter(action="offer.hide").exists()


def test_capacity_cannot_drop_below_what_is_in_use(provider, owner, categories):
    offer = services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]], capacity=3))
    Offer.objects.filter(pk=offer.pk).update(capacity_left=1)  # two needs being helped
    with pytest.raises(ValidationError) as exc:
        services.offer_update(offer=offer, user=owner, capacity=1)
    assert "Enter 2 or more" in exc.value.message_dict["capacity"][0]
    offer = services.offer_update(offer=offer, user=owner, capacity=5)
    assert (offer.capacity, offer.capacity_left) == (5, 3)


def test_pause_resume_close(provider, owner, categories):
    offer = services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]]))
    offer = services.offer_pause(offer=offer, user=owner)
    assert not _in_market(offer)
    offer = services.offer_resume(offer=offer, user=owner)
    assert _in_market(offer)
    offer = services.offer_close(offer=offer, user=owner)
    assert offer.status == Offer.Status.CLOSED
    with pytest.raises(ValidationError):
        services.offer_resume(offer=offer, user=owner)


def test_non_member_cannot_change_an_offer(provider, owner, categories, other_member):
    offer = services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]]))
    with pytest.raises(PermissionDenied):
        services.offer_pause(offer=offer, user=other_member)


def test_every_offer_change_announces_a_market_change_after_commit(
    provider, owner, categories, django_capture_on_commit_callbacks
):
    from unittest import mock

    with (
        mock.patch("platform_core.services.send_task_safely") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        offer = services.offer_create(provider=provider, user=owner, **offer_kwargs([categories["shopping"]]))
        services.offer_update(offer=offer, user=owner, capacity=4)
        services.offer_pause(offer=offer, user=owner)
    assert len(callbacks) == 3
    send.assert_called_with("matching.tasks.match_council_task", provider.council_id)  # debounced to one publish


def test_invitation_for_another_address_cannot_be_accepted(provider, owner, newcomer):
    invitation = services.invitation_create(provider=provider, user=owner, email="someone@example.org")
    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=invitation, user=newcomer)


def test_owner_of_a_volunteer_cannot_invite(council, kingston_postcodes):
    provider = make_provider(council, Kind.VOLUNTEER)
    with pytest.raises(ValidationError):
        services.invitation_create(provider=provider, user=member(provider), email="friend@example.org")


def test_an_invitation_is_mailed_by_a_task_after_commit_and_only_once(
    provider, owner, django_capture_on_commit_callbacks, tasks_inline
):
    from django.core import mail

    from providers.models import ProviderInvitation

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invitation_create(provider=provider, user=owner, email="helper@example.org")
    assert mail.outbox == []  # nothing is sent inside the request
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["helper@example.org"]]
    assert ProviderInvitation.objects.get(pk=invitation.pk).emailed_at is not None
    assert services.invitation_email_send(invitation_id=invitation.pk) is False  # a redelivery sends nothing
    assert len(mail.outbox) == 1
