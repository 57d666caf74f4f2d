"""The residents' API: same services, same rules, one error format."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.tests.factories import ApiTokenFactory, UserFactory
from residents.models import Need
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script>'


@pytest.fixture
def api(client, resident):
    client.force_login(resident.user)
    return client


def window(days: int = 2) -> dict:
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return {"window_start": start.isoformat(), "window_end": (start + timedelta(hours=2)).isoformat()}


def detail(need: Need, action: str = "") -> str:
    name = f"residents_api:need_{action or 'detail'}"
    return reverse(name, kwargs={"reference": need.reference})


def test_creating_a_need_posts_it_at_once(api, resident, categories):
    body = {"category": "transport", "title": "Lift", "description": "To the GP", **window(), "preferences": ["bsl"]}
    with mock.patch("residents.services.market_changed") as announced:
        response = api.post(reverse("residents_api:need_list"), body, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "open"
    assert data["category"] == {"slug": "transport", "name": "Transport"}
    assert data["postcode"] == resident.postcode
    need = Need.objects.get(reference=data["reference"])
    assert (need.resident, need.posted_at is not None) == (resident, True)
    announced.assert_called_once_with(council_id=resident.council_id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "category"),
        ({"category": "no-such-kind"}, "category"),
        ({"category": "transport", "description": "d", **window()}, "title"),
        ({"category": "transport", "title": "x" * 101, "description": "d", **window()}, "title"),
        ({"category": "transport", "title": "t", "description": "d"}, "window_start"),
        ({"category": "transport", "title": "t", "description": "d", **window(-3)}, "window_start"),
        ({"category": "transport", "title": "t", "description": "d", "timing": "weekly"}, "weekly_slots"),
        (
            {"category": "transport", "title": "t", "description": "d", **window(), "use_home_address": False},
            "postcode",
        ),
        (
            {
                "category": "transport",
                "title": "t",
                "description": "d",
                **window(),
                "use_home_address": False,
                "postcode": "SM1 1AA",
            },
            "postcode",
        ),
        ({"category": "transport", "title": "t", "description": "d", **window(), "preferences": ["x"]}, "preferences"),
    ],
)
def test_an_invalid_need_is_refused_in_the_common_error_format(api, categories, other_council, body, field):
    response = api.post(reverse("residents_api:need_list"), body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert not Need.objects.exists()


def test_end_before_start_is_refused(api, categories):
    times = window()
    body = {"category": "transport", "title": "t", "description": "d", **times, "window_end": times["window_start"]}
    response = api.post(reverse("residents_api:need_list"), body, content_type="application/json")
    assert response.json()["error"]["fields"]["window_end"] == ["The end time must be after the start time"]


def test_a_user_without_a_profile_must_create_one_before_posting(client, council, categories):
    client.force_login(UserFactory())
    response = client.post(reverse("residents_api:need_list"), {}, content_type="application/json")
    assert response.status_code == 403
    assert "profile" in response.json()["error"]["message"]
    assert client.get(reverse("residents_api:resident_me")).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_uses_the_same_number_of_queries_whatever_the_rows(api, resident, rows, django_assert_max_num_queries):
    NeedFactory.create_batch(rows, resident=resident)
    with django_assert_max_num_queries(5):
        response = api.get(reverse("residents_api:need_list"), {"page_size": 100})
    assert len(response.json()["results"]) == rows


def test_the_list_filters_by_status_and_category(api, resident, categories):
    NeedFactory(resident=resident, category=categories[0])
    NeedFactory(resident=resident, category=categories[1])
    NeedFactory(resident=resident, category=categories[1], status=Need.Status.CANCELLED)
    url = reverse("residents_api:need_list")
    assert len(api.get(url, {"status": "open"}).json()["results"]) == 2
    assert len(api.get(url, {"category": "transport"}).json()["results"]) == 2
    assert len(api.get(url, {"category": "transport", "status": "cancelled"}).json()["results"]) == 1
    response = api.get(url, {"status": "nonsense"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_the_list_is_paginated(api, resident):
    NeedFactory.create_batch(3, resident=resident)
    data = api.get(reverse("residents_api:need_list"), {"page_size": 2}).json()
    assert (len(data["results"]), data["next"] is not None) == (2, True)
    rest = api.get(data["next"]).json()
    assert (len(rest["results"]), rest["next"]) == (1, None)
    assert {n["reference"] for n in data["results"] + rest["results"]} == set(
        Need.objects.filter(resident=resident).values_list("reference", flat=True)
    )


def test_an_open_need_can_be_changed_and_the_market_hears(api, resident):
    need = NeedFactory(resident=resident)
    with mock.patch("residents.services.market_changed") as announced:
        response = api.patch(detail(need), {"title": "New title"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["title"] == "New title"
    announced.assert_called_once()


def test_a_matched_need_cannot_be_changed(api, resident):
    need = NeedFactory(resident=resident, status=Need.Status.MATCHED)
    response = api.patch(detail(need), {"title": "New title"}, content_type="application/json")
    assert response.status_code == 400
    assert "waiting for a match" in response.json()["error"]["fields"]["non_field_errors"][0]


def test_a_web_draft_can_be_finished_and_posted_through_the_api(api, resident, categories):
    need = NeedFactory(resident=resident, status=Need.Status.DRAFT, posted_at=None, title="")
    assert api.post(detail(need, "post")).status_code == 400
    api.patch(detail(need), {"title": "Done on my phone"}, content_type="application/json")
    response = api.post(detail(need, "post"))
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert api.post(detail(need, "post")).status_code == 400


def test_cancel_needs_a_reason_then_cancels(api, resident):
    need = NeedFactory(resident=resident, status=Need.Status.PROPOSED)
    response = api.post(detail(need, "cancel"), {}, content_type="application/json")
    assert response.json()["error"]["fields"] == {"reason": ["Tell us why you are cancelling"]}
    response = api.post(detail(need, "cancel"), {"reason": "Sorted"}, content_type="application/json")
    assert (response.json()["status"], response.json()["status_reason"]) == ("cancelled", "Sorted")


def test_the_profile_can_be_read_and_replaced(api, resident, council):
    data = api.get(reverse("residents_api:resident_me")).json()
    assert (data["postcode"], data["council"]["slug"]) == ("KT1 1EU", "kingston")
    body = {"full_name": "New Name", "address_line_1": "3 High St", "postcode": "KT2 5AU", "phone": "07700 900 982"}
    response = api.put(reverse("residents_api:resident_me"), body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert (response.json()["postcode"], response.json()["phone"]) == ("KT2 5AU", "+447700900982")
    response = api.put(
        reverse("residents_api:resident_me"), {**body, "postcode": "EH1 1AA"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "postcode" in response.json()["error"]["fields"]


def test_text_is_returned_as_typed_in_json_and_escaped_in_the_browsable_api(api, resident):
    need = NeedFactory(resident=resident, title=PAYLOAD, description=PAYLOAD)
    response = api.get(detail(need))
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == PAYLOAD
    html = api.get(detail(need), HTTP_ACCEPT="text/html").content.decode()
    assert PAYLOAD not in html
    assert "&lt;script&gt;" in html


def test_token_authentication_works(client, resident):
    token = ApiTokenFactory(user=resident.user, name="Phone app").secret
    response = client.get(reverse("residents_api:need_list"), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_the_schema_describes_the_residents_endpoints_without_warnings(client, capsys):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/needs") or p.startswith("/api/v1/residents")]
    assert len(paths) == 5
    captured = capsys.readouterr()
    residents_warnings = [
        line for line in (captured.err + captured.out).splitlines() if "residents" in line or "Need" in line
    ]
    assert residents_warnings == []
