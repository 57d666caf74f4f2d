"""Both sides of help (issue 9, item 4) and words that match what happened
(item 5): one person is a resident and a provider member at once, each role
sees its own pages and API, and the engine never proposes their own offer for
their own need."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import Match
from matching.runner import match_council_run
from providers import services as provider_services
from providers.models import Provider
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer_resident(council, category, kingston_postcodes):
    """A volunteer who also needs help: one user, a resident profile and a volunteer provider with an offer."""
    resident = ResidentFactory(council=council)
    provider = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER, name="Sam helps")
    ProviderMemberFactory(provider=provider, user=resident.user)
    own_offer = OfferFactory(provider=provider, categories=[category], capacity=3)
    return resident, own_offer


def test_a_volunteer_who_is_also_a_resident_is_never_matched_with_their_own_offer(
    council, category, volunteer_resident, make_provider
):
    resident, own_offer = volunteer_resident
    need = NeedFactory(resident=resident, category=category)
    match_council_run(council_id=council.pk, trigger="test")
    assert not Match.objects.filter(need=need).exists()  # their own offer is the only one: no proposal

    other_offer, _ = make_provider(latitude=own_offer.latitude + 0.05, radius_km=10)
    match_council_run(council_id=council.pk, trigger="test")
    [match] = Match.objects.filter(need=need)
    assert match.offer == other_offer


def test_their_offer_still_serves_other_residents(council, category, volunteer_resident, need):
    _, own_offer = volunteer_resident
    match_council_run(council_id=council.pk, trigger="test")
    assert Match.objects.get(need=need).offer == own_offer


def test_a_resident_who_registers_a_provider_keeps_their_resident_pages_and_api(client, resident, need):
    user = resident.user
    provider_services.provider_register(
        user=user, kind=Provider.Kind.VOLUNTEER, name="Me", email=user.email, postcode="KT1 1EU"
    )
    user.refresh_from_db()
    client.force_login(user)
    assert client.get(reverse("residents:dashboard")).status_code == 200
    assert need.reference in client.get(reverse("residents:need_detail", args=[need.reference])).content.decode()
    assert client.get(reverse("providers:dashboard")).status_code == 200
    api = client.get("/api/v1/needs/")
    assert api.status_code == 200
    assert need.reference in api.content.decode()
    html = client.get(reverse("providers:dashboard")).content.decode()
    assert reverse("residents:dashboard") in html  # the header and the page lead to both sides


def test_a_provider_member_can_become_a_resident_too(client, provider_user, kingston_postcodes):
    client.force_login(provider_user)
    response = client.post(
        reverse("residents:profile"),
        {
            "full_name": "Pat Helper",
            "address_line_1": "1 Road",
            "postcode": "KT1 1EU",
            "contact_preference": "email",
            "language": "English",
        },
    )
    assert response.status_code == 302
    assert provider_user.resident.postcode == "KT1 1EU"
    html = client.get(reverse("residents:dashboard")).content.decode()
    assert "Your offers" in html and "Your needs" in html


def test_an_officer_still_has_no_resident_pages(client, officer):
    client.force_login(officer)
    assert client.get(reverse("residents:dashboard")).status_code in (302, 403)


def test_an_unanswered_proposal_reads_waiting_for_the_provider_to_reply(client, proposal, resident_user):
    client.force_login(resident_user)
    need_page = client.get(reverse("residents:need_detail", args=[proposal.need.reference])).content.decode()
    assert "Waiting for the provider to reply" in need_page
    assert "Provider proposed" not in need_page
    assert reverse("matching:detail", args=[proposal.pk]) in need_page
    dashboard = client.get(reverse("residents:dashboard")).content.decode()
    assert "Waiting for the provider to reply" in dashboard
    assert reverse("matching:dashboard") in dashboard


def test_an_accepted_proposal_asks_the_resident_to_confirm(client, need, offer, resident_user):
    MatchFactory(need=need, offer=offer, status=Match.Status.ACCEPTED)
    Need.objects.filter(pk=need.pk).update(status=Need.Status.PROPOSED)
    client.force_login(resident_user)
    dashboard = client.get(reverse("residents:dashboard")).content.decode()
    assert "A helper said yes: confirm" in dashboard
    assert "1 helper said yes and is waiting for you to confirm" in dashboard


def test_the_provider_dashboard_links_to_proposals_waiting_for_an_answer(client, proposal, provider_user):
    client.force_login(provider_user)
    html = client.get(reverse("providers:dashboard")).content.decode()
    assert "1 request waiting for your answer" in html
    assert reverse("matching:dashboard") in html


def test_the_dashboards_cost_a_fixed_number_of_queries(
    client, resident, category, offer, django_assert_max_num_queries
):
    for _ in range(5):
        MatchFactory(need=NeedFactory(resident=resident, category=category, status=Need.Status.PROPOSED), offer=offer)
    client.force_login(resident.user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("residents:dashboard")).status_code == 200
