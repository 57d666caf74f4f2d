"""Ongoing help over the API: the same rules as the pages, in the common error format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching import services
from matching.models import Visit
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(resident, category, offer, provider_user, resident_user):
    need = NeedFactory(resident=resident, category=category, weekly=True, ends_on=timezone.localdate() + timedelta(42))
    match = services.match_accept(match=MatchFactory(need=need, offer=offer), user=provider_user)
    return services.match_confirm(match=match, user=resident_user)


def _past(match) -> Visit:
    visit = Visit.objects.filter(match=match).order_by("starts_at").first()
    start = timezone.now() - timedelta(days=1)
    Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + timedelta(hours=4))
    return visit


def test_the_visits_are_listed_a_page_at_a_time(client, confirmed, resident_user):
    client.force_login(resident_user)
    body = client.get(f"/api/v1/matches/{confirmed.pk}/visits/").json()
    assert len(body["results"]) == 18 and body["next"] is None
    assert body["results"][0]["status"] == "scheduled"
    first = client.get(f"/api/v1/matches/{confirmed.pk}/visits/?page_size=10").json()
    rest = client.get(first["next"]).json()
    assert [v["id"] for v in first["results"] + rest["results"]] == [v["id"] for v in body["results"]]
    assert rest["next"] is None


def test_the_provider_records_and_the_resident_disputes(client, confirmed, provider_user, resident_user):
    visit = _past(confirmed)
    client.force_login(resident_user)
    refused = client.post(f"/api/v1/visits/{visit.pk}/record/", {"outcome": "done"}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(provider_user)
    done = client.post(
        f"/api/v1/visits/{visit.pk}/record/", {"outcome": "done", "minutes": 60}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["minutes_spent"] == 60
    again = client.post(f"/api/v1/visits/{visit.pk}/record/", {"outcome": "done"}, content_type="application/json")
    assert again.status_code == 400 and "already been recorded" in again.json()["error"]["message"]
    client.force_login(resident_user)
    disputed = client.post(
        f"/api/v1/visits/{visit.pk}/dispute/", {"reason": "Nobody came"}, content_type="application/json"
    )
    assert disputed.status_code == 200 and disputed.json()["disputed_at"]


def test_absurd_dates_are_a_400_with_the_field(client, confirmed, resident_user):
    client.force_login(resident_user)
    today = timezone.localdate()
    response = client.post(
        f"/api/v1/matches/{confirmed.pk}/visits/pause/",
        {"starts_on": str(today), "ends_on": "9999-12-31", "reason": "Away"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()["error"]["fields"]
    response = client.post(
        f"/api/v1/matches/{confirmed.pk}/visits/end/",
        {"last_day": "1999-01-01", "reason": "Moving"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "last_day" in response.json()["error"]["fields"]


def test_someone_elses_visits_are_not_found(client, confirmed, stranger):
    client.force_login(stranger)
    assert client.get(f"/api/v1/matches/{confirmed.pk}/visits/").status_code == 404
    visit = Visit.objects.filter(match=confirmed).first()
    assert client.post(f"/api/v1/visits/{visit.pk}/dispute/", {"reason": "x"}).status_code == 404


def test_a_need_is_posted_with_its_pattern_over_the_api(client, resident_user, category):
    client.force_login(resident_user)
    fields = {
        "category": category.slug,
        "title": "Weekly shop",
        "description": "Carry the bags",
        "timing": "weekly",
        "weekly_slots": [0, 6, 12],
        "repeat_every_weeks": 1,
    }
    absurd = client.post("/api/v1/needs/", {**fields, "visit_count": 10**9}, content_type="application/json")
    assert absurd.status_code == 400
    assert absurd.json()["error"]["fields"]["visit_count"] == ["The number of visits must be between 1 and 365"]
    created = client.post("/api/v1/needs/", {**fields, "visit_count": 18}, content_type="application/json")
    assert created.status_code == 201
    assert (created.json()["visit_count"], created.json()["ends_on"]) == (18, None)
