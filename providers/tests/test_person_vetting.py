"""Vetting belongs to the person (issue 9 item 2, ADR 0023): a DBS certificate
clears the member it names; the provider is cleared for the DBS tier while at
least one member is, and is told before and when a check lapses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from marketplace.services.verification import evidence_expiry_reminders_send
from platform_core.models import Notification, SafeguardingTier
from platform_core.tests.factories import UserFactory
from providers import selectors, services
from providers.models import Provider, ProviderMember, VerificationEvidence
from providers.tests.factories import EvidenceFactory, ProviderFactory, ProviderMemberFactory

pytestmark = pytest.mark.django_db
EK = VerificationEvidence.Kind
ACCEPTED = VerificationEvidence.Status.ACCEPTED


@pytest.fixture
def charity(council):
    """A verified charity: Alice (owner) holds an accepted enhanced DBS check, Bob holds none."""
    provider = ProviderFactory(council=council, kind=Provider.Kind.CHARITY, clearance="")
    alice = ProviderMemberFactory(provider=provider, user=UserFactory(full_name="Alice Smith", role="provider"))
    bob = ProviderMemberFactory(
        provider=provider, user=UserFactory(full_name="Bob Jones", role="provider"), role=ProviderMember.Role.MEMBER
    )
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status=ACCEPTED)
    EvidenceFactory(provider=provider, member=alice, kind=EK.DBS, reference="001234567890", status=ACCEPTED)
    services.provider_recompute_clearance(provider=provider)
    provider.alice, provider.bob = alice, bob
    return provider


def test_only_the_member_holding_the_check_is_cleared(charity):
    assert charity.clearance == SafeguardingTier.DBS_CHECKED
    cleared = selectors.member_list_cleared_for(provider=charity, tier=SafeguardingTier.DBS_CHECKED)
    assert cleared == [charity.alice]
    checks = selectors.member_checks_for(members=[charity.alice, charity.bob])
    assert checks[charity.alice.pk].dbs_level == "enhanced" and checks[charity.alice.pk].dbs_clears
    assert not checks[charity.bob.pk].any


def test_a_standard_check_does_not_clear_for_home_visits(council):
    provider = ProviderFactory(council=council, kind=Provider.Kind.CHARITY, clearance="")
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status=ACCEPTED)
    EvidenceFactory(provider=provider, kind=EK.DBS, dbs_level="standard", status=ACCEPTED)
    services.provider_recompute_clearance(provider=provider)
    assert provider.clearance == SafeguardingTier.ID_CHECKED


def test_when_the_only_cleared_members_check_lapses_the_provider_loses_the_tier_and_is_told(charity):
    dbs = VerificationEvidence.objects.get(member=charity.alice, kind=EK.DBS)
    VerificationEvidence.objects.filter(pk=dbs.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    assert services.evidence_expire_lapsed() == 1
    charity.refresh_from_db()
    assert charity.clearance == SafeguardingTier.ID_CHECKED
    assert selectors.member_list_cleared_for(provider=charity, tier=SafeguardingTier.DBS_CHECKED) == []
    told = Notification.objects.filter(kind="provider.person_evidence_expired")
    assert told.count() == 2  # both members, once
    assert "The DBS certificate of Alice Smith expired" in told.first().message
    assert services.evidence_expire_lapsed() == 0
    assert Notification.objects.filter(kind="provider.person_evidence_expired").count() == 2


def test_rejecting_a_members_check_takes_them_off_the_list(charity, officer):
    dbs = VerificationEvidence.objects.get(member=charity.alice, kind=EK.DBS)
    services.evidence_reject(evidence=dbs, officer=officer, reason="The certificate number does not match")
    assert selectors.member_list_cleared_for(provider=charity, tier=SafeguardingTier.DBS_CHECKED) == []
    charity.refresh_from_db()
    assert charity.clearance == SafeguardingTier.ID_CHECKED


def test_a_cleared_member_leaving_takes_their_clearance_with_them(charity):
    ProviderMember.objects.filter(pk=charity.bob.pk).update(role=ProviderMember.Role.OWNER)
    services.member_remove(member=charity.alice, user=charity.bob.user)
    charity.refresh_from_db()
    assert charity.clearance == SafeguardingTier.ID_CHECKED
    assert VerificationEvidence.objects.filter(kind=EK.DBS, member__isnull=True).count() == 1  # kept, naming nobody


def test_person_evidence_of_an_organisation_names_a_member(charity):
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(
            provider=charity,
            user=charity.alice.user,
            kind=EK.DBS,
            reference="001234567891",
            issued_on=timezone.localdate(),
            dbs_level="enhanced",
        )
    assert "Choose the member" in exc.value.message_dict["member"][0]


def test_a_member_cannot_send_a_colleagues_check_but_an_owner_can(charity):
    kw = {"kind": EK.DBS, "reference": "001234567891", "issued_on": timezone.localdate(), "dbs_level": "enhanced"}
    with pytest.raises(PermissionDenied):
        services.evidence_submit(provider=charity, user=charity.bob.user, member=charity.alice, **kw)
    evidence = services.evidence_submit(provider=charity, user=charity.alice.user, member=charity.bob, **kw)
    assert evidence.member == charity.bob and evidence.dbs_level == "enhanced"


def test_a_dbs_check_needs_its_level(charity):
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(
            provider=charity,
            user=charity.bob.user,
            member=charity.bob,
            kind=EK.DBS,
            reference="001234567891",
            issued_on=timezone.localdate(),
        )
    assert "level of the DBS check" in exc.value.message_dict["dbs_level"][0]


def test_a_single_volunteers_own_check_names_them_without_asking(council):
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER, clearance="")
    me = ProviderMemberFactory(provider=volunteer)
    evidence = services.evidence_submit(
        provider=volunteer,
        user=me.user,
        kind=EK.DBS,
        reference="001234567891",
        issued_on=timezone.localdate(),
        dbs_level="enhanced_barred",
        update_service_consent=True,
    )
    assert evidence.member == me


def test_expiry_warnings_go_30_and_7_days_before_once_each(charity):
    dbs = VerificationEvidence.objects.get(member=charity.alice, kind=EK.DBS)
    today = timezone.localdate()
    VerificationEvidence.objects.filter(pk=dbs.pk).update(expires_on=today + timedelta(days=30))
    assert evidence_expiry_reminders_send(today=today) == 1
    assert evidence_expiry_reminders_send(today=today) == 0
    assert evidence_expiry_reminders_send(today=today + timedelta(days=10)) == 0
    assert evidence_expiry_reminders_send(today=today + timedelta(days=23)) == 1
    assert evidence_expiry_reminders_send(today=today + timedelta(days=24)) == 0
    messages = list(
        Notification.objects.filter(user=charity.bob.user, kind="provider.person_evidence_expiring").values_list(
            "message", flat=True
        )
    )
    assert len(messages) == 2 and all("The DBS certificate of Alice Smith expires on" in m for m in messages)


def test_member_checks_page_shows_the_level_and_whether_they_can_visit(client, charity):
    client.force_login(charity.bob.user)
    html = client.get(
        reverse("providers:member_evidence", kwargs={"pk": charity.pk, "member_pk": charity.alice.pk})
    ).content.decode()
    assert "DBS checked (enhanced)" in html and "Alice Smith can be named to make home visits." in html
    members = client.get(reverse("providers:members", kwargs={"pk": charity.pk})).content.decode()
    assert "No checks accepted yet" in members and "DBS checked (enhanced)" in members


def test_a_member_sends_their_own_check_from_the_web(client, charity):
    client.force_login(charity.bob.user)
    url = reverse(
        "providers:member_evidence_submit", kwargs={"pk": charity.pk, "member_pk": charity.bob.pk, "kind": "dbs"}
    )
    today = timezone.localdate()
    data = {
        "reference": "001234567891",
        "issued_on_day": today.day,
        "issued_on_month": today.month,
        "issued_on_year": today.year,
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "Choose the level of the DBS check" in response.content.decode()
    response = client.post(url, {**data, "dbs_level": "enhanced"})
    assert response.status_code == 302
    assert VerificationEvidence.objects.get(member=charity.bob).dbs_level == "enhanced"


def test_a_member_sends_a_check_over_the_api_naming_the_member(charity):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(charity.bob.user)
    url = f"/api/v1/providers/{charity.pk}/evidence/"
    body = {"kind": "dbs", "reference": "001234567891", "issued_on": str(timezone.localdate()), "dbs_level": "enhanced"}
    response = api.post(url, body, format="json")
    assert response.status_code == 400 and "member" in response.json()["error"]["fields"]
    response = api.post(url, {**body, "member": charity.bob.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["member"] == charity.bob.pk and response.json()["dbs_level"] == "enhanced"


def test_officers_see_whose_check_it_is_and_its_level(officer_client, charity):
    evidence = EvidenceFactory(provider=charity, member=charity.bob, kind=EK.DBS, reference="001234567892")
    html = officer_client.get(reverse("marketplace:evidence_detail", args=[evidence.pk])).content.decode()
    assert "Bob Jones" in html and "Enhanced" in html
    queue = officer_client.get(reverse("marketplace:verification_queue")).content.decode()
    assert "of Bob Jones, enhanced" in queue


def test_the_member_list_api_says_who_can_be_named_to_visit(charity):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(charity.bob.user)
    rows = {r["id"]: r for r in api.get(f"/api/v1/providers/{charity.pk}/members/").json()["results"]}
    assert rows[charity.alice.pk]["checks"] == {"dbs_level": "enhanced", "id_checked": False, "dbs_clears": True}
    assert rows[charity.bob.pk]["checks"] == {"dbs_level": None, "id_checked": False, "dbs_clears": False}
