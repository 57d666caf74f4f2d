"""A DBS-tier match names the member who attends (issue 9 item 2, ADR 0023): a
charity with one DBS-cleared member and one without, a single volunteer, and what
the resident sees once the provider accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from matching import services
from matching.models import Match
from matching.runner import match_council_run
from platform_core.models import Notification, SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from providers import services as provider_services
from providers.models import Provider, ProviderMember, VerificationEvidence
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db
EK = VerificationEvidence.Kind
ACCEPTED = VerificationEvidence.Status.ACCEPTED


@pytest.fixture
def home_visits(council):
    return ServiceCategoryFactory(
        council=council, name="Home visits", slug="home-visits", safeguarding_tier=SafeguardingTier.DBS_CHECKED
    )


@pytest.fixture
def shopping(council):
    return ServiceCategoryFactory(council=council, name="Shopping", slug="shopping")


@pytest.fixture
def charity(council, home_visits, shopping):
    """Alice holds an accepted enhanced DBS check and an ID check; Bob holds nothing."""
    provider = ProviderFactory(council=council, kind=Provider.Kind.CHARITY, clearance="")
    alice = ProviderMemberFactory(provider=provider, user=UserFactory(full_name="Alice Smith", role="provider"))
    bob = ProviderMemberFactory(
        provider=provider, user=UserFactory(full_name="Bob Jones", role="provider"), role=ProviderMember.Role.MEMBER
    )
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status=ACCEPTED)
    EvidenceFactory(provider=provider, member=alice, kind=EK.DBS, reference="001234567890", status=ACCEPTED)
    EvidenceFactory(provider=provider, member=alice, kind=EK.ID_CHECK, reference="PASS1234", status=ACCEPTED)
    provider_services.provider_recompute_clearance(provider=provider)
    provider.alice, provider.bob = alice, bob
    provider.offer = OfferFactory(provider=provider, categories=[home_visits, shopping], capacity=3)
    return provider


def run(council):
    return match_council_run(council_id=council.pk, trigger="test")


@pytest.fixture
def proposal(council, charity, resident, home_visits):
    need = NeedFactory(resident=resident, category=home_visits)
    run(council)
    return Match.objects.get(need=need, status=Match.Status.PROPOSED)


def test_the_engine_proposes_home_visits_through_the_cleared_member(proposal, charity):
    assert proposal.offer == charity.offer


def test_the_page_accepts_only_naming_a_cleared_member(client, proposal, charity):
    client.force_login(charity.bob.user)
    page = client.get(reverse("matching:detail", args=[proposal.pk])).content.decode()
    assert "Who will visit?" in page and "Alice Smith" in page and "Bob Jones" not in page
    url = reverse("matching:accept", args=[proposal.pk])
    response = client.post(url)
    assert response.status_code == 400 and "Choose who will visit" in response.content.decode()
    response = client.post(url, {"attending_member": charity.bob.pk})
    assert response.status_code == 400
    assert "Choose a member whose enhanced DBS check the council has accepted" in response.content.decode()
    assert Match.objects.get(pk=proposal.pk).status == Match.Status.PROPOSED
    response = client.post(url, {"attending_member": charity.alice.pk})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.ACCEPTED and proposal.attending_member == charity.alice


def test_the_api_accepts_only_naming_a_cleared_member(proposal, charity):
    api = APIClient()
    api.force_authenticate(charity.bob.user)
    url = f"/api/v1/matches/{proposal.pk}/accept/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["attending_member"] == ["Choose who will visit"]
    response = api.post(url, {"attending_member": charity.bob.pk}, format="json")
    assert (
        response.status_code == 400
        and "enhanced DBS check" in response.json()["error"]["fields"]["attending_member"][0]
    )
    response = api.post(url, {"attending_member": charity.alice.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["attending_member"] == charity.alice.pk
    assert response.json()["status"] == "accepted"


def test_after_the_cleared_members_check_expires_the_offer_leaves_the_market_for_that_tier(
    council, charity, resident, home_visits, shopping, proposal
):
    VerificationEvidence.objects.filter(member=charity.alice, kind=EK.DBS).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    provider_services.evidence_expire_lapsed()
    charity.refresh_from_db()
    assert charity.clearance == SafeguardingTier.ID_CHECKED
    # Nobody can be named for the live proposal any more.
    with pytest.raises(Exception) as exc:
        services.match_accept(match=proposal, user=charity.alice.user, attending_member_id=charity.alice.pk)
    assert "enhanced DBS check" in str(exc.value)
    visit = NeedFactory(resident=resident, category=home_visits)
    errand = NeedFactory(resident=resident, category=shopping)
    run(council)
    assert not Match.objects.filter(need=visit).exists()
    assert Match.objects.filter(need=errand, offer=charity.offer).exists()  # still in the market below the tier


def test_the_resident_sees_the_helper_and_their_checks_on_confirmation(client, proposal, charity, resident):
    services.match_accept(match=proposal, user=charity.bob.user, attending_member_id=charity.alice.pk)
    client.force_login(resident.user)
    page = client.get(reverse("matching:detail", args=[proposal.pk])).content.decode()
    assert "Alice will help you: DBS checked (enhanced), ID checked." in page
    assert "Smith" not in page
    response = client.post(reverse("matching:confirm", args=[proposal.pk]))
    assert response.status_code == 302
    page = client.get(reverse("matching:detail", args=[proposal.pk])).content.decode()
    assert "Alice will help you: DBS checked (enhanced), ID checked." in page
    told = Notification.objects.get(user=resident.user, kind="match.confirmed_to_resident")
    assert "Alice will help you: DBS checked (enhanced), ID checked." in told.message
    detail = APIClient()
    detail.force_authenticate(resident.user)
    helper = detail.get(f"/api/v1/matches/{proposal.pk}/").json()["helper"]
    assert helper == {
        "first_name": "Alice",
        "dbs_level": "enhanced",
        "id_checked": True,
        "checks": "DBS checked (enhanced), ID checked",
    }


def test_a_single_volunteer_accepts_in_one_step_and_is_named(council, resident, home_visits):
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER, clearance="")
    me = ProviderMemberFactory(provider=volunteer, user=UserFactory(full_name="Sam Green", role="provider"))
    EvidenceFactory(provider=volunteer, kind=EK.ID_CHECK, reference="PASS1234", status=ACCEPTED)
    EvidenceFactory(provider=volunteer, kind=EK.DBS, reference="001234567890", status=ACCEPTED)
    provider_services.provider_recompute_clearance(provider=volunteer)
    OfferFactory(provider=volunteer, categories=[home_visits])
    need = NeedFactory(resident=resident, category=home_visits)
    run(council)
    match = Match.objects.get(need=need)
    client_page = reverse("matching:detail", args=[match.pk])
    from django.test import Client

    browser = Client()
    browser.force_login(me.user)
    assert "Who will visit?" not in browser.get(client_page).content.decode()
    assert browser.post(reverse("matching:accept", args=[match.pk])).status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED and match.attending_member == me


def test_a_provider_whose_nobody_is_cleared_is_told_why_it_cannot_accept(client, proposal, charity):
    VerificationEvidence.objects.filter(member=charity.alice, kind=EK.DBS).update(
        status=VerificationEvidence.Status.REJECTED
    )
    client.force_login(charity.bob.user)
    page = client.get(reverse("matching:detail", args=[proposal.pk])).content.decode()
    assert "Nobody here holds one the council has accepted" in page
    response = client.post(reverse("matching:accept", args=[proposal.pk]))
    assert response.status_code == 400 and "cannot be accepted" in response.content.decode()


def test_help_below_the_dbs_tier_needs_nobody_named(council, charity, resident, shopping, client):
    need = NeedFactory(resident=resident, category=shopping)
    run(council)
    match = Match.objects.get(need=need)
    client.force_login(charity.bob.user)
    assert client.post(reverse("matching:accept", args=[match.pk])).status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED and match.attending_member is None
