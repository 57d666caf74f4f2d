"""Referrers and assisted digital: the rules in residents/referrals/services.py,
the one predicate in residents/permissions.py, and the selectors that use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from platform_core.models import AuditEvent, Delivery, Notification, User
from platform_core.tests.factories import UserFactory
from residents.models import ClaimCode, ConsentRecord, ContactPreference, Need, Referral, Referrer, Resident
from residents.notifications import CLAIM_CODE
from residents.permissions import may_act_for
from residents.referrals import services
from residents.referrals.selectors import referred_resident_list_for
from residents.selectors import need_get_for, resident_get_managed_by
from residents.services import need_create_posted, need_draft_create, need_post
from residents.tests.factories import NeedFactory, ReferralFactory, ReferrerFactory, ResidentFactory

pytestmark = pytest.mark.django_db

CONSENT = {
    "given_by": "Mrs Ada Lovelace, in person at the surgery",
    "agreed_to": "Keeping her details to find help and sharing them with the confirmed helper",
    "method": "verbal",
}


def _consent(**changes):
    return {**CONSENT, "given_on": timezone.localdate(), **changes}


def _person(**changes):
    return {
        "full_name": "Ada Lovelace",
        "address_line_1": "3 Eden Street",
        "postcode": "KT1 1EU",
        "phone": "07700 900123",
        "contact_preference": ContactPreference.REFERRER,
        "accessibility_needs": "Uses a walking frame",
        "consent": _consent(),
        **changes,
    }


@pytest.fixture
def referrer(council, kingston_postcodes):
    return ReferrerFactory(council=council, user__full_name="Sam Prescriber")


@pytest.fixture
def referred(referrer):
    return services.referred_resident_create(by=referrer.user, **_person())


# --- becoming a referrer ------------------------------------------------------------------


def test_asking_to_be_a_referrer_tells_the_councils_officers(council, officer):
    user = UserFactory(role=User.Role.RESIDENT)
    referrer = services.referrer_apply(
        user=user, council=council, organisation="Kingston Library", role="Librarian", phone="020 7946 0000"
    )
    assert referrer.status == Referrer.Status.PENDING
    assert referrer.phone == "+442079460000"
    assert Notification.objects.filter(user=officer, kind="referrer.applied").exists()
    assert AuditEvent.objects.filter(action="referrer.applied", object_id=str(referrer.pk)).exists()


def test_asking_twice_for_the_same_council_is_refused(council):
    user = UserFactory(role=User.Role.RESIDENT)
    services.referrer_apply(user=user, council=council, organisation="Library", role="Librarian", phone="02079460000")
    with pytest.raises(ValidationError) as excinfo:
        services.referrer_apply(
            user=user, council=council, organisation="Library", role="Librarian", phone="02079460000"
        )
    assert "already asked" in str(excinfo.value)


def test_an_officer_approves_a_referrer_audited_and_the_applicant_is_told(council, officer):
    referrer = ReferrerFactory(council=council, pending=True)
    services.referrer_decide(referrer=referrer, officer=officer, approve=True)
    referrer.refresh_from_db()
    assert (referrer.status, referrer.decided_by) == (Referrer.Status.APPROVED, officer)
    assert AuditEvent.objects.filter(action="referrer.approved", actor=officer).exists()
    assert Notification.objects.filter(user=referrer.user, kind="referrer.approved").exists()


def test_refusing_needs_a_reason_which_the_applicant_is_told(council, officer):
    referrer = ReferrerFactory(council=council, pending=True)
    with pytest.raises(ValidationError):
        services.referrer_decide(referrer=referrer, officer=officer, approve=False, reason="")
    services.referrer_decide(referrer=referrer, officer=officer, approve=False, reason="We could not confirm your job")
    event = AuditEvent.objects.get(action="referrer.refused")
    assert event.reason == "We could not confirm your job"
    assert "could not confirm" in Notification.objects.get(user=referrer.user).message


def test_an_officer_of_another_council_cannot_decide(council, other_officer):
    referrer = ReferrerFactory(council=council, pending=True)
    with pytest.raises(PermissionDenied):
        services.referrer_decide(referrer=referrer, officer=other_officer, approve=True)


# --- referring a resident -------------------------------------------------------------------


def test_a_referrer_creates_a_resident_with_no_account_and_a_consent_record(referrer, referred):
    user = referred.user
    assert not user.has_usable_password()
    assert user.email.endswith("@referred.invalid")
    assert user.full_name == "Ada Lovelace"
    assert referred.phone == "+447700900123"
    assert referred.referral.referrer == referrer
    consent = ConsentRecord.objects.get(resident=referred)
    assert (consent.given_by, consent.method, consent.recorded_by) == (CONSENT["given_by"], "verbal", referrer.user)


@pytest.mark.parametrize("missing", ["given_by", "agreed_to", "given_on", "method"])
def test_without_consent_nothing_is_saved(referrer, missing):
    users, residents = User.objects.count(), Resident.objects.count()
    consent = _consent()
    consent.pop(missing)
    with pytest.raises(ValidationError) as excinfo:
        services.referred_resident_create(by=referrer.user, **_person(consent=consent))
    assert f"consent_{missing}" in excinfo.value.message_dict
    assert (User.objects.count(), Resident.objects.count()) == (users, residents)
    assert not Referral.objects.exists() and not ConsentRecord.objects.exists()


def test_consent_in_the_future_is_refused(referrer):
    with pytest.raises(ValidationError) as excinfo:
        services.referred_resident_create(
            by=referrer.user, **_person(consent=_consent(given_on=timezone.localdate() + timedelta(days=1)))
        )
    assert "consent_given_on" in excinfo.value.message_dict


def test_profile_and_consent_errors_are_reported_together(referrer):
    with pytest.raises(ValidationError) as excinfo:
        services.referred_resident_create(by=referrer.user, **_person(postcode="nonsense", consent={}))
    assert {"postcode", "consent_given_by"} <= set(excinfo.value.message_dict)


def test_a_pending_referrer_cannot_refer(council, kingston_postcodes):
    pending = ReferrerFactory(council=council, pending=True)
    with pytest.raises(PermissionDenied):
        services.referred_resident_create(by=pending.user, **_person())


def test_a_referrer_cannot_refer_someone_in_another_councils_area(council, other_council, kingston_postcodes):
    sutton = ReferrerFactory(council=other_council)
    with pytest.raises(ValidationError) as excinfo:
        services.referred_resident_create(by=sutton.user, **_person())
    assert "has not approved you" in excinfo.value.message_dict["postcode"][0]


def test_only_a_referred_resident_may_be_contacted_through_a_referrer(resident):
    from residents.services import resident_save

    with pytest.raises(ValidationError) as excinfo:
        resident_save(
            user=resident.user,
            full_name="X",
            address_line_1="1 Road",
            postcode="KT1 1EU",
            contact_preference=ContactPreference.REFERRER,
        )
    assert "contact_preference" in excinfo.value.message_dict


# --- who may act for whom ---------------------------------------------------------------------


def test_a_referrer_sees_only_the_residents_they_referred(referrer, referred, council, resident):
    other = ReferrerFactory(council=council)
    theirs = services.referred_resident_create(by=other.user, **_person(full_name="Someone Else"))
    assert list(referred_resident_list_for(user=referrer.user)) == [referred]
    assert resident_get_managed_by(user=referrer.user, pk=referred.pk) == referred
    assert resident_get_managed_by(user=referrer.user, pk=theirs.pk) is None
    assert resident_get_managed_by(user=referrer.user, pk=resident.pk) is None
    assert not may_act_for(user=referrer.user, resident=resident)


def test_a_referrer_whose_approval_is_withdrawn_loses_their_residents(referrer, referred):
    Referrer.objects.filter(pk=referrer.pk).update(status=Referrer.Status.REFUSED)
    assert resident_get_managed_by(user=referrer.user, pk=referred.pk) is None


def test_a_referrer_posts_a_need_through_the_residents_services(referrer, referred, categories):
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    need = need_create_posted(
        resident=referred,
        by=referrer.user,
        category=categories[0],
        title="Shopping",
        description="Carry bags",
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    assert need.status == Need.Status.OPEN
    assert need_get_for(user=referrer.user, reference=need.reference) == need
    assert need_get_for(user=UserFactory(), reference=need.reference) is None


def test_the_services_refuse_someone_who_may_not_act_for_the_resident(referrer, resident, categories):
    with pytest.raises(PermissionDenied):
        need_draft_create(resident=resident, by=referrer.user, category=categories[0])
    need = NeedFactory(resident=resident, draft=True)
    with pytest.raises(PermissionDenied):
        need_post(need=need, by=referrer.user)


# --- assisted digital -----------------------------------------------------------------------


def test_an_officer_acts_for_a_resident_only_after_giving_a_reason(officer, resident, categories):
    assert resident_get_managed_by(user=officer, pk=resident.pk) is None
    with pytest.raises(ValidationError):
        services.assist_start(officer=officer, resident=resident, reason=" ")
    services.assist_start(officer=officer, resident=resident, reason="Caller phoned the helpline about shopping")
    assert resident_get_managed_by(user=officer, pk=resident.pk) == resident
    need = need_draft_create(resident=resident, by=officer, category=categories[0])
    event = AuditEvent.objects.get(action="need.created_for_resident")
    assert (event.actor, event.reason, event.object_id) == (
        officer,
        "Caller phoned the helpline about shopping",
        str(need.pk),
    )
    started = AuditEvent.objects.get(action="resident.assist_started")
    assert started.reason == "Caller phoned the helpline about shopping"


def test_an_officers_access_ends(officer, resident):
    access = services.assist_start(officer=officer, resident=resident, reason="Caller phoned")
    access.ends_at = timezone.now() - timedelta(seconds=1)
    access.save()
    assert resident_get_managed_by(user=officer, pk=resident.pk) is None


def test_an_officer_cannot_act_for_a_resident_of_another_council(other_officer, resident):
    with pytest.raises(PermissionDenied):
        services.assist_start(officer=other_officer, resident=resident, reason="Caller phoned")


def test_an_officer_creates_a_resident_for_a_caller_with_a_reason(officer, kingston_postcodes):
    with pytest.raises(ValidationError) as excinfo:
        services.referred_resident_create(by=officer, **_person(contact_preference=ContactPreference.PHONE))
    assert "reason" in excinfo.value.message_dict
    resident = services.referred_resident_create(
        by=officer, reason="Caller on the helpline", **_person(contact_preference=ContactPreference.PHONE)
    )
    assert resident.referral.referrer is None
    assert resident_get_managed_by(user=officer, pk=resident.pk) == resident
    assert AuditEvent.objects.get(action="resident.referred").reason == "Caller on the helpline"


# --- notifications ------------------------------------------------------------------------------


def test_the_referrer_is_told_of_every_notice_to_the_resident(referrer, referred):
    from matching.notifications import MATCH_ACCEPTED
    from matching.tests.factories import MatchFactory

    need = NeedFactory(resident=referred)
    match = MatchFactory(need=need)
    from platform_core.notifications import notify

    notify(kind=MATCH_ACCEPTED, user=referred.user, url="/", match=match)
    copy = Notification.objects.get(user=referrer.user, kind="referral.update")
    assert copy.message.startswith("About someone you referred:")
    assert copy.url == f"/referrals/residents/{referred.pk}/"
    # The resident chose "through the referrer": nothing goes to their own (non-existent) address.
    assert not Delivery.objects.filter(notification__user=referred.user).exists()


# --- claiming the account ---------------------------------------------------------------------


def _code_sent(user) -> str:
    """The code from the text, read where the transport would (the message before it leaves)."""
    message = Notification.objects.get(user=user, kind=CLAIM_CODE.code).message
    return message.split(" is ")[1].split(".")[0]


def test_the_resident_claims_their_account_with_the_code_sent_to_their_phone(referrer, referred):
    claim = services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    delivery = Delivery.objects.get(notification__user=referred.user)
    assert (delivery.channel, delivery.to) == ("sms", "+447700900123")
    code = _code_sent(referred.user)
    assert claim.digest != code and code not in claim.digest
    user = services.claim_code_redeem(code=code.lower(), email="ada@example.org", password="a long pass phrase 42")
    assert user.pk == referred.user_id
    assert user.check_password("a long pass phrase 42")
    assert user.email == "ada@example.org"
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.get(user=user).verified  # the code proved the phone, not the address
    referred.referral.refresh_from_db()
    assert referred.referral.claimed_at is not None
    assert Notification.objects.filter(user=referrer.user, kind="referral.claimed").exists()


def test_a_code_works_once(referrer, referred):
    services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    code = _code_sent(referred.user)
    services.claim_code_redeem(code=code, email="ada@example.org", password="a long pass phrase 42")
    with pytest.raises(ValidationError):
        services.claim_code_redeem(code=code, email="ada2@example.org", password="a long pass phrase 42")


def test_an_expired_code_does_not_work(referrer, referred):
    services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    code = _code_sent(referred.user)
    ClaimCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError):
        services.claim_code_redeem(code=code, email="ada@example.org", password="a long pass phrase 42")


def test_a_new_code_stops_the_old_one(referrer, referred):
    services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    first = _code_sent(referred.user)
    Notification.objects.filter(user=referred.user).delete()
    services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    with pytest.raises(ValidationError):
        services.claim_code_redeem(code=first, email="ada@example.org", password="a long pass phrase 42")


def test_at_most_three_codes_a_day(referrer, referred):
    for _ in range(3):
        services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    with pytest.raises(ValidationError) as excinfo:
        services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    assert excinfo.value.code == "rate_limited"


def test_a_code_by_email_verifies_that_address(referrer, referred):
    from allauth.account.models import EmailAddress

    services.claim_code_issue(by=referrer.user, resident=referred, channel="email", email="ada@example.org")
    delivery = Delivery.objects.get(notification__user=referred.user)
    assert (delivery.channel, delivery.to) == ("email", "ada@example.org")
    code = _code_sent(referred.user)
    services.claim_code_redeem(code=code, email="ada@example.org", password="a long pass phrase 42")
    assert EmailAddress.objects.get(user=referred.user).verified


def test_the_code_leaves_no_trace_once_sent(
    referrer, referred, tasks_inline, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_FILE_PATH = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_code_issue(by=referrer.user, resident=referred, channel="sms")
    sent = next(tmp_path.iterdir()).read_text()
    assert "Your code" in sent
    message = Notification.objects.get(user=referred.user, kind=CLAIM_CODE.code).message
    assert message == "We sent you a code to manage your own requests for help."
    assert not Notification.objects.filter(user=referrer.user, kind="referral.update").exists()


def test_someone_else_cannot_send_a_code(referred, council):
    stranger = ReferrerFactory(council=council)
    with pytest.raises(PermissionDenied):
        services.claim_code_issue(by=stranger.user, resident=referred, channel="sms")


# --- their data -----------------------------------------------------------------------------


def test_the_referrer_erases_a_referred_resident_at_their_request(referrer, referred):
    need = NeedFactory(resident=referred)
    services.referred_resident_erase(by=referrer.user, resident=referred)
    need.refresh_from_db()
    user = User.objects.get(pk=referred.user_id)
    assert not user.is_active
    assert need.status == Need.Status.CANCELLED
    assert ConsentRecord.objects.get(resident=referred).given_by == ""
    assert resident_get_managed_by(user=referrer.user, pk=referred.pk) is None
    assert AuditEvent.objects.filter(action="resident.erased_for", actor=referrer.user).exists()


def test_the_export_includes_the_referral_and_consent(referrer, referred):
    from platform_core.privacy import personal_data_export

    data = personal_data_export(user=referred.user)
    assert data["residents"]["referral"]["referrer_organisation"] == referrer.organisation
    assert data["residents"]["consents"][0]["given_by"] == CONSENT["given_by"]


def test_a_resident_factory_referral_is_managed_by_its_referrer(council, kingston_postcodes):
    referral = ReferralFactory(referrer__council=council)
    assert resident_get_managed_by(user=referral.referrer.user, pk=referral.resident_id) == referral.resident
    assert ResidentFactory(council=council) not in referred_resident_list_for(user=referral.referrer.user)


def test_a_provider_confirmed_for_a_referred_need_gets_the_route_the_resident_chose(referrer, referred):
    from matching.selectors import match_contact_details_for
    from matching.tests.factories import MatchFactory
    from providers.tests.factories import ProviderMemberFactory

    match = MatchFactory(need=NeedFactory(resident=referred), confirmed=True)
    member = ProviderMemberFactory(provider=match.offer.provider).user
    details = match_contact_details_for(match=match, user=member)
    assert details.contact_route == "Call via the referrer: Sam Prescriber, Canbury Medical Centre, 020 7946 0000"
    assert details.email == ""  # the resident has no e-mail address of theirs
    assert details.name == "Ada Lovelace"
