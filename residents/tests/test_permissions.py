"""Who may open each residents page and endpoint: the owner, another resident,
a provider, an officer of another council, and someone not signed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from residents.models import Need
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

# Page name -> the status of the owner's need it is opened with (None: takes no need).
PAGES = {
    "dashboard": None,
    "profile": None,
    "need_new": None,
    "need_detail": Need.Status.OPEN,
    "need_category": Need.Status.DRAFT,
    "need_what": Need.Status.DRAFT,
    "need_when": Need.Status.DRAFT,
    "need_times": Need.Status.DRAFT,
    "need_where": Need.Status.DRAFT,
    "need_preferences": Need.Status.DRAFT,
    "need_check": Need.Status.DRAFT,
    "need_confirmation": Need.Status.OPEN,
    "need_cancel": Need.Status.OPEN,
}
OBJECT_ENDPOINTS = [
    ("get", "residents_api:need_detail"),
    ("patch", "residents_api:need_detail"),
    ("post", "residents_api:need_post"),
    ("post", "residents_api:need_cancel"),
]
# An officer of another council and an officer of the resident's own council (officers
# see residents' data through the audited console, not these pages). A provider member
# is not refused: they may need help too (issue 9), and then they are just another resident.
NOT_RESIDENTS = ["other_officer", "officer"]
ENDPOINTS = [
    ("get", "residents_api:need_list"),
    ("post", "residents_api:need_list"),
    ("get", "residents_api:resident_me"),
    ("put", "residents_api:resident_me"),
    *OBJECT_ENDPOINTS,
]


def page_url(name: str, resident) -> str:
    status = PAGES[name]
    if status is None:
        return reverse(f"residents:{name}")
    need = NeedFactory(resident=resident, status=status)
    return reverse(f"residents:{name}", kwargs={"reference": need.reference})


@pytest.mark.parametrize("name", PAGES)
def test_the_owner_can_open_every_page(resident_client, resident, name):
    assert resident_client.get(page_url(name, resident)).status_code == 200


@pytest.mark.parametrize("name", [n for n, s in PAGES.items() if s is not None])
def test_another_resident_gets_404_for_someone_elses_need(client, resident, other_resident, name):
    client.force_login(other_resident.user)
    assert client.get(page_url(name, resident)).status_code == 404


@pytest.mark.parametrize("name", [n for n, s in PAGES.items() if s is not None])
def test_another_resident_cannot_post_to_someone_elses_need(client, resident, other_resident, name):
    url = page_url(name, resident)
    client.force_login(other_resident.user)
    response = client.post(url, {"title": "Mine now", "description": "x", "reason": "Because"})
    assert response.status_code == 404
    assert not Need.objects.filter(title="Mine now").exists()
    assert not Need.objects.filter(status=Need.Status.CANCELLED).exists()


@pytest.mark.parametrize("name", PAGES)
def test_providers_and_officers_are_refused_every_residents_page(client, resident, request, name):
    """Refused outright (403) on a resident's own pages; on a page about a need, the
    need is not found (404), as it is for another resident: a 403 would say it exists."""
    url = page_url(name, resident)
    expected = 403 if PAGES[name] is None else 404
    for actor in NOT_RESIDENTS:
        client.force_login(request.getfixturevalue(actor))
        assert client.get(url).status_code == expected, actor


@pytest.mark.parametrize("name", PAGES)
def test_a_provider_member_is_just_another_resident_here(client, resident, provider_user, name):
    """Their own pages open (or ask for their own profile first); someone else's need is not found."""
    url = page_url(name, resident)
    client.force_login(provider_user)
    expected = (200, 302) if PAGES[name] is None else (404,)
    assert client.get(url).status_code in expected


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, resident, name):
    url = page_url(name, resident)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def api_url(name: str, need: Need) -> str:
    if name in {"residents_api:need_list", "residents_api:resident_me"}:
        return reverse(name)
    return reverse(name, kwargs={"reference": need.reference})


@pytest.mark.parametrize(("method", "name"), OBJECT_ENDPOINTS)
def test_another_resident_gets_404_from_object_endpoints(client, resident, other_resident, method, name):
    need = NeedFactory(resident=resident, status=Need.Status.DRAFT)
    client.force_login(other_resident.user)
    response = getattr(client, method)(
        api_url(name, need), {"reason": "x", "title": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    need.refresh_from_db()
    assert need.status == Need.Status.DRAFT


def test_another_residents_list_and_profile_show_only_their_own(client, resident, other_resident):
    NeedFactory(resident=resident)
    client.force_login(other_resident.user)
    assert len(client.get(reverse("residents_api:need_list")).json()["results"]) == 0
    assert client.get(reverse("residents_api:resident_me")).json()["postcode"] == "KT2 5AU"


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_providers_and_officers_are_refused_every_residents_endpoint(client, resident, request, method, name):
    need = NeedFactory(resident=resident)
    about_a_need = (method, name) in OBJECT_ENDPOINTS
    for actor in NOT_RESIDENTS:
        client.force_login(request.getfixturevalue(actor))
        response = getattr(client, method)(api_url(name, need), {}, content_type="application/json")
        assert response.status_code == (404 if about_a_need else 403), actor
        assert response.json()["error"]["code"] == ("not_found" if about_a_need else "permission_denied")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


@pytest.mark.parametrize(("method", "name"), ENDPOINTS)
def test_anonymous_callers_are_refused_every_endpoint(client, resident, method, name):
    need = NeedFactory(resident=resident)
    response = getattr(client, method)(api_url(name, need), {}, content_type="application/json")
    assert response.status_code in {401, 403}
    assert response.json()["error"]["code"] == "not_authenticated"
