"""The match API: the same rules as the pages, one error format, no leaks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from matching.models import Match
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def url(match, action=""):
    return f"/api/v1/matches/{match.pk}/" + (f"{action}/" if action else "")


def test_the_list_shows_my_matches_with_my_side(api, proposal, provider_user, resident_user):
    body = as_user(api, provider_user).get("/api/v1/matches/").json()
    assert [m["id"] for m in body["results"]] == [proposal.pk]
    assert body["results"][0]["role"] == "provider"
    assert body["results"][0]["need"]["district"] == "KT1"
    assert "contact_details" not in body["results"][0]
    body = as_user(api, resident_user).get("/api/v1/matches/").json()
    assert body["results"][0]["role"] == "resident"


def test_a_stranger_gets_404_for_someone_elses_match(api, proposal, stranger):
    assert as_user(api, stranger).get(url(proposal)).status_code == 404
    assert api.post(url(proposal, "accept")).status_code == 404


def test_anonymous_callers_are_refused(api, proposal):
    assert api.get("/api/v1/matches/").status_code in (401, 403)


def test_the_full_lifecycle_through_the_api(api, proposal, provider_user, resident_user):
    r = as_user(api, provider_user).post(url(proposal, "accept"))
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "accepted"
    assert r.json()["contact_details"] is None

    r = as_user(api, resident_user).post(url(proposal, "confirm"))
    assert r.json()["status"] == "confirmed"
    assert r.json()["contact_details"]["name"] == "Kingston Helpers"

    r = as_user(api, provider_user).get(url(proposal))
    details = r.json()["contact_details"]
    assert details["address"][0] == "12 Secret Lane"
    assert details["phone"] == "07700 900999"
    assert "Hard of hearing" in details["vulnerability_notes"]

    r = api.post(url(proposal, "messages"), {"body": "Coming at 2pm"}, format="json")
    assert r.status_code == 201
    r = as_user(api, resident_user).get(url(proposal, "messages"))
    assert [(m["body"], m["from_me"]) for m in r.json()] == [("Coming at 2pm", False)]

    as_user(api, provider_user).post(url(proposal, "done"))
    r = as_user(api, resident_user).post(url(proposal, "complete"))
    assert r.json()["status"] == "completed"
    r = as_user(api, provider_user).get(url(proposal))
    assert r.json()["contact_details"] is None

    r = as_user(api, resident_user).post(url(proposal, "review"), {"rating": 4, "comment": "Kind"}, format="json")
    assert r.status_code == 201
    r = api.post(url(proposal, "review"), {"rating": 5}, format="json")
    assert r.status_code == 400
    assert "already" in str(r.json()["error"])


def test_accepting_a_full_offer_is_a_400_with_a_clear_message(api, proposal, provider_user, offer):
    offer.capacity_left = 0
    offer.save(update_fields=["capacity_left"])
    r = as_user(api, provider_user).post(url(proposal, "accept"))
    assert r.status_code == 400
    assert "This offer is no longer available" in str(r.json()["error"])


def test_decline_without_a_reason_is_refused(api, proposal, provider_user):
    r = as_user(api, provider_user).post(url(proposal, "decline"), {}, format="json")
    assert r.status_code == 400
    assert "reason" in r.json()["error"]["fields"]


def test_decline_with_a_reason_declines(api, proposal, provider_user):
    r = as_user(api, provider_user).post(url(proposal, "decline"), {"reason": "Van broken"}, format="json")
    assert r.status_code == 200
    assert r.json()["status"] == "declined"


def test_the_resident_cannot_accept_for_the_provider(api, proposal, resident_user):
    assert as_user(api, resident_user).post(url(proposal, "accept")).status_code == 403


def test_cancel_through_the_api_reopens_the_need(api, proposal, provider_user):
    as_user(api, provider_user).post(url(proposal, "accept"))
    r = api.post(url(proposal, "cancel"), {"reason": "Volunteer ill"}, format="json")
    assert r.json()["status"] == "cancelled"
    proposal.need.refresh_from_db()
    assert proposal.need.status == "open"


def test_the_list_costs_the_same_queries_for_5_or_50_matches(api, resident, category, make_provider):
    counts = []
    for n in (5, 50):
        offer, user = make_provider(capacity=n)
        for _ in range(n):
            MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
        as_user(api, user)
        with CaptureQueriesContext(connection) as ctx:
            r = api.get("/api/v1/matches/?page_size=100")
        assert r.status_code == 200
        assert len(r.json()["results"]) == n
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert Match.objects.count() == 55


def test_the_match_list_pages_by_cursor_and_refuses_a_forged_one(api, resident, category, make_provider):
    offer, user = make_provider(capacity=45)
    made = [MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer) for _ in range(45)]
    as_user(api, user)
    seen, url = [], "/api/v1/matches/?page_size=20"
    while url:
        body = api.get(url).json()
        seen += [m["id"] for m in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(m.pk for m in made) and len(seen) == len(set(seen))
    response = api.get("/api/v1/matches/?cursor=not-ours")
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_the_schema_has_the_match_endpoints(api, stranger):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/matches/{id}/accept/" in schema["paths"]
    assert "/api/v1/matches/{id}/review/" in schema["paths"]
