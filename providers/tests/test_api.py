"""The providers' API: same rules as the web, common error format, who may see what."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from platform_core.models import User
from providers.models import Offer, Provider, ProviderMember, VerificationEvidence
from providers.selectors import offer_list_in_market
from providers.tests.factories import OfferFactory, ProviderMemberFactory

pytestmark = pytest.mark.django_db


def _in_market(offer) -> bool:
    """Whether the matching engine may propose the offer (the rule is offer_list_in_market's)."""
    return offer_list_in_market(council=offer.council_id).filter(pk=offer.pk).exists()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def owner_api(api, owner):
    api.force_authenticate(owner)
    return api


@pytest.fixture
def offer(provider, categories):
    return OfferFactory(provider=provider, categories=[categories["shopping"]])


def test_register_a_provider_through_the_api(api, council, kingston_postcodes, newcomer):
    api.force_authenticate(newcomer)
    response = api.post(
        "/api/v1/providers/",
        {"kind": "volunteer", "name": "Sam", "email": "sam@example.org", "postcode": "kt2 5au"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["council"] == council.pk and body["verification_status"] == "unverified"
    assert len(api.get("/api/v1/providers/").json()["results"]) == 1
    newcomer.refresh_from_db()
    assert newcomer.role == User.Role.PROVIDER


def test_register_with_unknown_postcode_is_a_400_in_the_common_format(api, council, newcomer):
    api.force_authenticate(newcomer)
    response = api.post(
        "/api/v1/providers/",
        {"kind": "charity", "name": "X", "email": "x@example.org", "postcode": "NOPE"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["postcode"] == ["Enter a real postcode, like KT1 1EU"]


def test_provider_without_dbs_cannot_offer_a_dbs_category_through_the_api(owner_api, provider, categories):
    response = owner_api.post(
        "/api/v1/offers/",
        {
            "provider": provider.pk,
            "title": "Visits",
            "description": "Tea and a chat",
            "categories": [categories["home_visits"].pk],
            "capacity": 1,
            "radius_km": "3",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["categories"] == [
        "Home visits needs a DBS check. Add your DBS certificate to offer it."
    ]
    assert not Offer.objects.exists()


def test_price_above_cap_is_refused_through_the_api(owner_api, provider, categories):
    response = owner_api.post(
        "/api/v1/offers/",
        {
            "provider": provider.pk,
            "title": "Lifts",
            "description": "To the hospital",
            "categories": [categories["transport"].pk],
            "capacity": 2,
            "radius_km": "5",
            "cost_type": "per_visit",
            "price_pence": 2500,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["price_pence"] == ["The council's cap for Transport is £20.00 per visit"]


def test_create_patch_pause_resume_close_an_offer(owner_api, provider, categories):
    response = owner_api.post(
        "/api/v1/offers/",
        {
            "provider": provider.pk,
            "title": "Shopping",
            "description": "Weekly shop",
            "categories": [categories["shopping"].pk],
            "capacity": 2,
            "radius_km": "4.5",
            "weekly_slots": [1, 2],
            "preferences_met": ["pet_friendly"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    offer_id = response.json()["id"]
    assert response.json()["status"] == "active"
    response = owner_api.patch(f"/api/v1/offers/{offer_id}/", {"capacity": 3}, format="json")
    assert response.json()["capacity"] == 3 and response.json()["capacity_left"] == 3
    assert owner_api.post(f"/api/v1/offers/{offer_id}/pause/").json()["status"] == "paused"
    assert owner_api.post(f"/api/v1/offers/{offer_id}/pause/").status_code == 400
    assert owner_api.post(f"/api/v1/offers/{offer_id}/resume/").json()["status"] == "active"
    assert owner_api.post(f"/api/v1/offers/{offer_id}/close/").json()["status"] == "closed"


def test_offers_filter_by_status_and_category(owner_api, provider, categories):
    OfferFactory(provider=provider, categories=[categories["shopping"]])
    OfferFactory(provider=provider, categories=[categories["transport"]], status=Offer.Status.PAUSED)
    assert len(owner_api.get("/api/v1/offers/?status=paused").json()["results"]) == 1
    assert len(owner_api.get(f"/api/v1/offers/?category={categories['shopping'].pk}").json()["results"]) == 1
    assert len(owner_api.get("/api/v1/offers/").json()["results"]) == 2


def test_evidence_submit_and_list(owner_api, provider):
    response = owner_api.post(
        f"/api/v1/providers/{provider.pk}/evidence/", {"kind": "cqc", "reference": "1-123"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["kind"]  # a charity cannot send CQC
    response = owner_api.post(
        f"/api/v1/providers/{provider.pk}/evidence/",
        {"kind": "dbs", "reference": "001234567890", "issued_on": "2025-01-01", "dbs_level": "enhanced"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(owner_api.get(f"/api/v1/providers/{provider.pk}/evidence/").json()["results"]) == 1


def test_members_invite_and_remove_through_the_api(
    owner_api, provider, owner, django_capture_on_commit_callbacks, tasks_inline
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            f"/api/v1/providers/{provider.pk}/members/", {"email": "new@example.org"}, format="json"
        )
    assert response.status_code == 201
    assert mail.outbox[0].to == ["new@example.org"]
    colleague = ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER)
    assert len(owner_api.get(f"/api/v1/providers/{provider.pk}/members/").json()["results"]) == 2
    assert owner_api.delete(f"/api/v1/providers/{provider.pk}/members/{colleague.pk}/").status_code == 204
    me = ProviderMember.objects.get(user=owner)
    response = owner_api.delete(f"/api/v1/providers/{provider.pk}/members/{me.pk}/")
    assert response.status_code == 400
    assert "at least one owner" in response.json()["error"]["fields"]["non_field_errors"][0]


def test_owner_can_patch_the_profile_but_a_plain_member_cannot(api, provider, owner):
    api.force_authenticate(owner)
    response = api.patch(f"/api/v1/providers/{provider.pk}/", {"name": "<b>New</b> name"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "<b>New</b> name"
    api.force_authenticate(ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER).user)
    assert api.patch(f"/api/v1/providers/{provider.pk}/", {"name": "Other"}, format="json").status_code == 403


def endpoints(provider, offer, member):
    return [
        ("get", f"/api/v1/providers/{provider.pk}/"),
        ("patch", f"/api/v1/providers/{provider.pk}/"),
        ("get", f"/api/v1/providers/{provider.pk}/members/"),
        ("post", f"/api/v1/providers/{provider.pk}/members/"),
        ("delete", f"/api/v1/providers/{provider.pk}/members/{member.pk}/"),
        ("get", f"/api/v1/providers/{provider.pk}/evidence/"),
        ("post", f"/api/v1/providers/{provider.pk}/evidence/"),
        ("get", f"/api/v1/offers/{offer.pk}/"),
        ("patch", f"/api/v1/offers/{offer.pk}/"),
        ("post", f"/api/v1/offers/{offer.pk}/pause/"),
        ("post", f"/api/v1/offers/{offer.pk}/resume/"),
        ("post", f"/api/v1/offers/{offer.pk}/close/"),
    ]


def test_owner_reaches_every_object_endpoint(owner_api, provider, offer, owner):
    member = ProviderMember.objects.get(user=owner)
    for method, url in endpoints(provider, offer, member):
        if method == "get":
            assert owner_api.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_member", "newcomer", "other_officer", "officer"])
def test_outsiders_get_404_on_every_object_endpoint(request, api, provider, offer, owner, who):
    api.force_authenticate(request.getfixturevalue(who))
    member = ProviderMember.objects.get(user=owner)
    for method, url in endpoints(provider, offer, member):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert len(api.get("/api/v1/offers/").json()["results"]) == 0
    assert provider.pk not in [p["id"] for p in api.get("/api/v1/providers/").json()["results"]]
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


def test_outsider_cannot_post_an_offer_for_someone_elses_provider(api, provider, categories, other_member):
    api.force_authenticate(other_member)
    response = api.post(
        "/api/v1/offers/",
        {
            "provider": provider.pk,
            "title": "T",
            "description": "D",
            "categories": [categories["shopping"].pk],
            "capacity": 1,
            "radius_km": "1",
        },
        format="json",
    )
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_anonymous_is_refused_everywhere(api, provider, offer, owner):
    member = ProviderMember.objects.get(user=owner)
    calls = [("get", "/api/v1/providers/"), ("post", "/api/v1/providers/"), ("get", "/api/v1/offers/")]
    for method, url in calls + endpoints(provider, offer, member):
        assert getattr(api, method)(url, {}, format="json").status_code in (401, 403), url


@pytest.mark.parametrize("n", [5, 50])
def test_offer_list_queries_are_constant(owner_api, provider, categories, n, django_assert_max_num_queries):
    for _ in range(n):
        OfferFactory(provider=provider, categories=[categories["shopping"], categories["transport"]])
    with django_assert_max_num_queries(4):
        response = owner_api.get("/api/v1/offers/?page_size=100")
    assert len(response.json()["results"]) == n


def test_suspended_provider_offers_leave_the_market(officer, offer):
    from providers.services import provider_suspend

    assert _in_market(offer)
    provider_suspend(provider=offer.provider, officer=officer, reason="Concern raised")
    assert not _in_market(offer)
    assert Provider.objects.get(pk=offer.provider_id).verification_status == Provider.Verification.VERIFIED


def test_evidence_output_shows_the_rejection_reason(owner_api, provider, officer):
    from providers.services import evidence_reject, evidence_submit

    owner = ProviderMember.objects.get(provider=provider).user
    evidence = evidence_submit(provider=provider, user=owner, kind="charity_number", reference="1123456")
    evidence_reject(evidence=evidence, officer=officer, reason="Number not on the register")
    rows = owner_api.get(f"/api/v1/providers/{provider.pk}/evidence/").json()["results"]
    assert rows[0]["status"] == VerificationEvidence.Status.REJECTED
    assert rows[0]["decision_reason"] == "Number not on the register"
