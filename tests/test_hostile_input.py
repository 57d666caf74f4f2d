"""Hostile input gets a 400 (or 404) with a clear message, never a 500, and nothing is stored.

Each case here was a 500 in the trust review (issue 8, "Found" item 5), or is the
same kind of input through another door. Pages answer with the GOV.UK 400 page,
the API and the Open Referral feed with the common error format
{"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from residents.models import Need
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


# `resident` and `officer_client` are the root conftest's actors.


@pytest.fixture
def need(resident):
    return NeedFactory(resident=resident, category__council=resident.council)


@pytest.fixture
def offer_nearby(need, provider):
    from providers.tests.factories import OfferFactory

    return OfferFactory(provider=provider, categories=[need.category], capacity=1)


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident.user)
    return client


def _api_error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error


def _page_error(response) -> str:
    assert response.status_code == 400, response.content[:500]
    text = response.content.decode()
    assert "There is a problem with your request" in text
    return text


# --- Control characters at the edge -------------------------------------------------------------


def test_a_nul_byte_in_an_api_path_is_a_400(resident_client):
    error = _api_error(resident_client.get("/api/v1/needs/%00/"))
    assert "control character" in error["message"]


def test_a_nul_byte_in_a_page_path_is_the_400_page(resident_client):
    text = _page_error(resident_client.get("/resident/needs/%00/"))
    assert "control character" in text


def test_a_nul_byte_in_a_console_search_is_the_400_page(officer_client):
    _page_error(officer_client.get("/console/residents/", {"q": "\x00"}))


def test_a_nul_byte_in_the_open_referral_feed_is_a_400_with_open_cors(client, council):
    response = client.get("/openreferral/services", {"council": "\x00"})
    error = _api_error(response)
    assert error["fields"] == {"council": [error["message"]]}
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_a_query_string_are_refused(resident_client, char):
    _api_error(resident_client.get("/api/v1/needs/", {"category": f"shop{char}ping"}))


def test_a_control_character_in_a_parameter_name_is_refused(resident_client):
    _api_error(resident_client.get("/api/v1/needs/?st%00atus=open"))


def test_a_control_character_in_a_form_field_is_refused_and_nothing_is_stored(resident_client, resident):
    before = (resident.address_line_1, resident.phone)
    response = resident_client.post(
        reverse("residents:profile"),
        {
            "full_name": "Ann\x00Smith",
            "address_line_1": "1 High Street",
            "postcode": "KT1 1EU",
            "phone": "07700 900123",
        },
    )
    _page_error(response)
    resident.refresh_from_db()
    assert (resident.address_line_1, resident.phone) == before


def test_a_form_with_too_many_fields_is_the_400_page(resident_client):
    fields = {f"f{i}": "x" for i in range(1_500)}
    text = _page_error(resident_client.post(reverse("residents:profile"), fields))
    assert "too many fields" in text


def test_a_form_too_large_is_the_400_page(resident_client):
    text = _page_error(resident_client.post(reverse("residents:profile"), {"full_name": "x" * 3_000_000}))
    assert "too large" in text


def test_newlines_and_tabs_in_free_text_are_still_accepted(resident_client, need):
    need.status = Need.Status.DRAFT
    need.save(update_fields=["status"])
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/",
        {"description": "Line one\r\nLine two\twith a tab"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    need.refresh_from_db()
    assert need.description == "Line one\r\nLine two\twith a tab"


def test_a_nul_in_a_json_string_is_refused_and_nothing_is_stored(resident_client, need):
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", {"title": "Shopping\x00"}, content_type="application/json"
    )
    error = _api_error(response)
    assert "control character" in error["message"]
    need.refresh_from_db()
    assert "\x00" not in need.title


def test_a_control_character_in_a_json_key_is_refused(resident_client, need):
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", '{"ti\\u0007tle": "x"}', content_type="application/json"
    )
    _api_error(response)


def test_a_lone_surrogate_in_a_json_string_is_refused(resident_client, need):
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", '{"title": "a\\ud800b"}', content_type="application/json"
    )
    _api_error(response)


# --- JSON size and depth --------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_recursion_error(resident_client, need):
    body = "[" * 20_000 + "]" * 20_000
    error = _api_error(resident_client.patch(f"/api/v1/needs/{need.reference}/", body, content_type="application/json"))
    assert "nested" in error["message"]


def test_json_nested_a_little_too_deep_is_refused(resident_client, need):
    body = json.dumps({"title": [[[[[[[[[["x"]]]]]]]]]]})
    error = _api_error(resident_client.patch(f"/api/v1/needs/{need.reference}/", body, content_type="application/json"))
    assert "nested" in error["message"]


def test_brackets_inside_json_strings_do_not_count_as_nesting(resident_client, need):
    need.status = Need.Status.DRAFT
    need.save(update_fields=["status"])
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/",
        json.dumps({"description": '[[[[[[[[[[[[{{{{{{{{{{{ \\" ]]'}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_an_oversized_json_body_is_a_400(resident_client, need):
    body = json.dumps({"description": "x" * 200_000})
    error = _api_error(resident_client.patch(f"/api/v1/needs/{need.reference}/", body, content_type="application/json"))
    assert "too large" in error["message"]


def test_malformed_json_is_a_400_with_a_clear_message(resident_client, need):
    error = _api_error(
        resident_client.patch(f"/api/v1/needs/{need.reference}/", '{"title": ', content_type="application/json")
    )
    assert "JSON" in error["message"]


# --- Array members and ranges on write ------------------------------------------------------------


@pytest.mark.parametrize(
    "slots",
    [
        [1e30, -1],
        [10**30],
        [-1],
        [21],
        [True],
        list(range(21)) * 10,
    ],
)
def test_bad_weekly_slots_are_refused_on_a_one_off_need_too(resident_client, need, slots):
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", {"weekly_slots": slots}, content_type="application/json"
    )
    error = _api_error(response)
    assert "weekly_slots" in error["fields"]
    need.refresh_from_db()
    assert need.weekly_slots == []


def test_a_need_with_bad_stored_slots_still_renders(resident_client, need):
    # Rows written before the rule (or by hand) must not take down the pages that show them.
    Need.objects.filter(pk=need.pk).update(timing=Need.Timing.WEEKLY, weekly_slots=[10**30, -1, "x", 3, None])
    page = resident_client.get(reverse("residents:need_detail", args=[need.reference]))
    assert page.status_code == 200
    assert "Tuesday morning" in page.content.decode()
    api = resident_client.get(f"/api/v1/needs/{need.reference}/")
    assert api.status_code == 200
    assert api.json()["weekly_description"] == "Tuesday morning"


def test_slot_label_never_raises():
    from platform_core.availability import slot_label, slots_describe

    assert slot_label(3) == "Tuesday morning"
    for bad in (-1, 21, 10**30, 1e30, "3", None, True, float("nan")):
        assert isinstance(slot_label(bad), str)
    assert slots_describe([10**30, -1, 3, "x"]) == "Tuesday morning"


def test_too_many_preferences_are_refused(resident_client, need):
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", {"preferences": ["female_helper"] * 1000}, content_type="application/json"
    )
    _api_error(response)


# --- Date ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z"), ("2999-01-01T10:00:00Z", "2999-01-01T12:00:00Z")],
)
def test_a_need_window_years_ahead_is_refused(resident_client, need, start, end):
    # Found while fuzzing: a window at the end of the calendar was stored, and every
    # matching run of the council then died on it (OverflowError in slots_for_window).
    response = resident_client.patch(
        f"/api/v1/needs/{need.reference}/", {"window_start": start, "window_end": end}, content_type="application/json"
    )
    error = _api_error(response)
    assert "window_start" in error["fields"]
    need.refresh_from_db()
    assert need.window_start.year < 2999


def test_a_stored_window_at_the_end_of_the_calendar_does_not_stop_matching(need, offer_nearby):
    from datetime import UTC, datetime

    from matching.runner import match_council_run

    Need.objects.filter(pk=need.pk).update(
        window_start=datetime(9999, 12, 31, 20, tzinfo=UTC), window_end=datetime(9999, 12, 31, 23, tzinfo=UTC)
    )
    run = match_council_run(council_id=need.council_id)
    assert run.status == run.Status.FINISHED
    assert run.needs == 1


def test_slots_for_a_window_at_the_end_of_the_calendar():
    from datetime import UTC, datetime

    from platform_core.availability import slots_for_window

    assert slots_for_window(datetime(9999, 12, 31, 8, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)) == [
        12,
        13,
        14,
    ]
    assert len(slots_for_window(datetime(2026, 1, 5, 8, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC))) == 21


def test_an_absurd_analytics_date_range_is_a_400_with_the_form_error(officer_client):
    response = officer_client.get("/console/analytics/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "must be between" in text


def test_an_impossible_modified_after_is_a_400_in_the_feed(client, council):
    error = _api_error(client.get("/openreferral/services", {"modified_after": "9999-99-99"}))
    assert "modified_after" in error["fields"]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31T23:59:59", "1900-01-01"])
def test_a_modified_after_out_of_range_is_a_400_in_the_feed(client, council, value):
    error = _api_error(client.get("/openreferral/services", {"modified_after": value}))
    assert "modified_after" in error["fields"]


def test_a_reasonable_modified_after_still_works(client, council):
    assert client.get("/openreferral/services", {"modified_after": "2026-01-01"}).status_code == 200


# --- OPTIONS --------------------------------------------------------------------------------------


def test_options_on_the_needs_api_works_for_a_signed_in_resident(resident_client):
    response = resident_client.options("/api/v1/needs/")
    assert response.status_code == 200
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("path", ["/", "/resident/", "/api/v1/needs/", "/openreferral/services"])
def test_a_nul_in_the_session_cookie_is_a_400(client, council, path):
    # An octal escape in a quoted cookie value is legal HTTP and decodes to NUL.
    response = client.get(path, HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
    assert response.status_code == 400


# --- The public Open Referral feed (anonymous, CORS) -----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "statuses"),
    [
        ("/openreferral/services", {"page": "\x00"}, {400}),
        ("/openreferral/services", {"page": "-1"}, {400}),
        ("/openreferral/services", {"page": "0"}, {400}),
        ("/openreferral/services", {"page": "1" * 5000}, {400}),
        ("/openreferral/services", {"page": str(10**30)}, {200}),
        ("/openreferral/services", {"per_page": "1e9"}, {400}),
        ("/openreferral/services", {"per_page": str(10**18)}, {200}),
        ("/openreferral/services", {"search": "x" * 20_000}, {200}),
        ("/openreferral/services", {"search": "%' OR 1=1 --"}, {200}),
        ("/openreferral/services", {"taxonomy_term_id": "\x1b[31m"}, {400}),
        ("/openreferral/services", {"taxonomy_term_id": "not-a-uuid"}, {200}),
        ("/openreferral/services", {"taxonomy_id": "x" * 5000}, {200}),
        ("/openreferral/services", {"council": "x" * 5000}, {400}),
        ("/openreferral/services", {"modified_after": "2026-02-30"}, {400}),
        ("/openreferral/services", {"modified_after": "2026-01-01T25:00:00"}, {400}),
        ("/openreferral/services", {"modified_after": "2026-01-01T10:00:00+99:00"}, {400}),
        ("/openreferral/services", {"modified_after": "1969-12-31"}, {400}),
        ("/openreferral/services", {"full": "\x00"}, {400}),
        ("/openreferral/service_at_locations", {"council": "\x00"}, {400}),
        ("/openreferral/taxonomies", {"per_page": "\x7f"}, {400}),
        ("/openreferral/taxonomy_terms", {"taxonomy_id": "\x00"}, {400}),
        ("/openreferral/services/%00", {}, {400}),
        ("/openreferral/services/" + "9" * 5000, {}, {404}),
        ("/openreferral/services/00000000-0000-0000-0000-000000000000", {}, {404}),
        ("/openreferral/services/%E2%80%AE", {}, {404}),
        ("/openreferral/service_at_locations/%FF%FE", {}, {404}),
        ("/openreferral/taxonomies/..%2F..%2Fetc%2Fpasswd", {}, {404}),
        ("/openreferral/taxonomy_terms/%0a", {}, {400}),
        ("/openreferral/nothing-here", {}, {404}),
    ],
)
def test_hostile_feed_requests_get_a_clear_json_refusal_with_open_cors(client, council, path, query, statuses):
    response = client.get(path, query)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    if response.status_code >= 400:
        assert response.json()["error"]["message"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_feed_refuses_writes_with_a_405(client, council, method):
    response = getattr(client, method)("/openreferral/services", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def _api_paths() -> list[str]:
    """Every /api/v1/ route from the resolver, its arguments filled with placeholders."""
    from django.urls import URLPattern, URLResolver, get_resolver

    paths: list[str] = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and (prefix + route).startswith("api/v1/"):
                path = prefix + route
                for converter, value in (("<int:", "1"), ("<str:", "N-XXXXXX")):
                    while converter in path:
                        start = path.index(converter)
                        path = path[:start] + value + path[path.index(">", start) + 1 :]
                paths.append("/" + path)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def test_options_answers_on_every_api_view_for_someone_allowed_to_use_it(client, resident, provider_member, officer):
    from django.test import Client

    from platform_core.tests.two_factor import sign_in_with_two_factor

    clients = {"resident": Client(), "provider": Client(), "officer": Client()}
    clients["resident"].force_login(resident.user)
    clients["provider"].force_login(provider_member.user)
    sign_in_with_two_factor(clients["officer"], officer)  # the console API needs the second factor passed
    paths = _api_paths()
    assert len(paths) >= 30
    for path in paths:
        statuses = {}
        for name, person in clients.items():
            response = person.options(path)
            assert response.status_code in {200, 403, 404}, (path, name, response.status_code)
            statuses[name] = response.status_code
        assert 200 in statuses.values(), (path, statuses)
