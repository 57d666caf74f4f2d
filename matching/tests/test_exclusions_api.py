"""Exclusions through the API (issue 9, item 1): the resident lists, adds (from a
match) and removes their own; the provider never sees one through any endpoint; an
officer's console API lists a resident's (audited, with a reason) and adds one with
a reason, only after the second factor."""

from __future__ import annotations

import pytest
from django.test import Client

from matching.models import Exclusion, Match
from matching.services import exclusions
from platform_core.models import AuditEvent
from providers.tests.factories import ProviderFactory
from residents.tests.factories import NeedFactory, ResidentFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db

CONSOLE = "/api/v1/console/residents/{pk}/exclusions/"


@pytest.fixture
def helped_before(resident, category, offer):
    return MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer, completed=True)


def test_a_resident_adds_lists_and_removes_an_exclusion_through_the_api(client, resident, helped_before, provider):
    client.force_login(resident.user)
    assert client.get("/api/v1/exclusions/").json() == []
    response = client.post("/api/v1/exclusions/", {"match": helped_before.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == {"id": provider.pk, "name": provider.name}
    assert (body["source"], body["match"]) == ("match", helped_before.pk)
    assert Exclusion.objects.filter(resident=resident, provider=provider).exists()
    [listed] = client.get("/api/v1/exclusions/").json()
    assert listed["id"] == body["id"]
    assert client.get(f"/api/v1/exclusions/{body['id']}/").status_code == 200
    assert client.delete(f"/api/v1/exclusions/{body['id']}/").status_code == 204
    assert not Exclusion.objects.filter(resident=resident).exists()
    assert client.get("/api/v1/exclusions/").json() == []


def test_a_live_proposal_with_the_excluded_provider_ends_when_excluded_through_the_api(
    client, resident, category, offer, helped_before
):
    live = MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
    client.force_login(resident.user)
    assert client.post("/api/v1/exclusions/", {"match": live.pk}, content_type="application/json").status_code == 201
    live.refresh_from_db()
    assert live.status == Match.Status.DECLINED


def test_bad_input_is_a_400_and_someone_elses_match_a_404(client, resident, helped_before, kingston_postcodes):
    client.force_login(resident.user)
    assert client.post("/api/v1/exclusions/", {}, content_type="application/json").status_code == 400
    assert client.post("/api/v1/exclusions/", {"match": "x"}, content_type="application/json").status_code == 400
    stranger = ResidentFactory(council=resident.council)
    other = Client()
    other.force_login(stranger.user)
    response = other.post("/api/v1/exclusions/", {"match": helped_before.pk}, content_type="application/json")
    assert response.status_code == 404
    exclusion = exclusions.exclusion_add(match=helped_before, user=resident.user)
    assert other.get(f"/api/v1/exclusions/{exclusion.pk}/").status_code == 404
    assert other.delete(f"/api/v1/exclusions/{exclusion.pk}/").status_code == 404
    assert other.get("/api/v1/exclusions/").json() == []
    assert Exclusion.objects.filter(pk=exclusion.pk).exists()


def test_the_provider_sees_no_exclusion_through_any_endpoint(client, resident, helped_before, provider_user):
    exclusion = exclusions.exclusion_add(match=helped_before, user=resident.user)
    client.force_login(provider_user)
    assert client.get("/api/v1/exclusions/").json() == []
    assert client.get(f"/api/v1/exclusions/{exclusion.pk}/").status_code == 404
    assert client.delete(f"/api/v1/exclusions/{exclusion.pk}/").status_code == 404
    # From the provider's side of the match it cannot be made either, and nothing says one exists.
    response = client.post("/api/v1/exclusions/", {"match": helped_before.pk}, content_type="application/json")
    assert response.status_code == 403
    for url in ("/api/v1/matches/", f"/api/v1/matches/{helped_before.pk}/", "/api/v1/notifications/"):
        body = client.get(url).content.decode().lower()
        assert "exclu" not in body, url
    assert client.get(CONSOLE.format(pk=resident.pk), {"reason": "Looking"}).status_code == 403


def test_an_officer_lists_a_residents_exclusions_with_a_reason_and_the_read_is_audited(
    officer_client, officer, resident, helped_before, provider
):
    exclusions.exclusion_add(match=helped_before, user=resident.user)
    url = CONSOLE.format(pk=resident.pk)
    refused = officer_client.get(url)
    assert refused.status_code == 400
    assert "reason" in refused.json()["error"]["fields"]
    response = officer_client.get(url, {"reason": "Resident phoned about a helper"})
    assert response.status_code == 200
    [row] = response.json()
    assert (row["provider"], row["provider_name"], row["source"]) == (provider.pk, provider.name, "match")
    event = AuditEvent.objects.get(actor=officer, action="personal_data.viewed", object_id=str(resident.user_id))
    assert "Resident phoned about a helper" in event.reason
    assert "matching.Exclusion" in event.data["fields"]


def test_an_officer_adds_an_exclusion_through_the_console_api_with_a_reason(
    officer_client, officer, resident, provider
):
    url = CONSOLE.format(pk=resident.pk)
    assert officer_client.post(url, {"provider": provider.pk}, content_type="application/json").status_code == 400
    response = officer_client.post(
        url, {"provider": provider.pk, "reason": "Resident asked on the phone"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    exclusion = Exclusion.objects.get(resident=resident, provider=provider)
    assert (exclusion.source, exclusion.created_by) == (Exclusion.Source.OFFICER, officer)
    assert AuditEvent.objects.get(action="matching.exclusion_add").reason == "Resident asked on the phone"
    again = officer_client.post(url, {"provider": provider.pk, "reason": "Again"}, content_type="application/json")
    assert again.status_code == 400


def test_a_provider_of_another_council_is_refused_with_a_clear_message(officer_client, resident, other_council):
    elsewhere = ProviderFactory(council=other_council)
    response = officer_client.post(
        CONSOLE.format(pk=resident.pk), {"provider": elsewhere.pk, "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["provider"] == ["Choose a provider of this council"]


def test_the_console_api_needs_the_officers_second_factor(client, officer, resident, provider):
    client.force_login(officer)  # a password alone: no second factor
    url = CONSOLE.format(pk=resident.pk)
    assert client.get(url, {"reason": "Resident phoned"}).status_code == 403
    assert (
        client.post(url, {"provider": provider.pk, "reason": "x"}, content_type="application/json").status_code == 403
    )
    assert not Exclusion.objects.exists()


def test_an_officer_of_another_council_gets_404(client, other_officer, resident, provider):
    from platform_core.tests.two_factor import sign_in_with_two_factor

    sign_in_with_two_factor(client, other_officer)
    url = CONSOLE.format(pk=resident.pk)
    assert client.get(url, {"reason": "Resident phoned"}).status_code == 404
    assert (
        client.post(url, {"provider": provider.pk, "reason": "x"}, content_type="application/json").status_code == 404
    )
