"""Assisted digital (issue 10, item 2): an officer on the phone line does for any
resident of their council what a referrer does for the people they refer, through
the same pages and API, after the second factor, every change audited with the
reason they gave when they started acting for the caller (ADR 0021)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from matching.tests.factories import MatchFactory
from platform_core.models import AuditEvent
from platform_core.tests.factories import ApiTokenFactory
from residents.models import Need, Referrer, Resident
from residents.referrals import services
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

REASON = "Mr Khan phoned the helpline: his daughter cannot take him to the clinic"


@pytest.fixture
def caller(resident):
    return resident


@pytest.fixture
def assisting(officer, caller):
    return services.assist_start(officer=officer, resident=caller, reason=REASON)


@pytest.fixture
def accepted(caller, categories):
    """A helper said yes to the caller's need: it waits for the caller to confirm."""
    return MatchFactory(
        need=NeedFactory(resident=caller, category=categories[0], status=Need.Status.PROPOSED), accepted=True
    )


def test_an_officer_confirms_a_proposed_helper_for_the_caller_audited_with_the_reason(
    officer_client, officer, caller, accepted, assisting
):
    page = officer_client.get(reverse("matching:detail", args=[accepted.pk]))
    assert page.status_code == 200
    need_page = officer_client.get(reverse("residents:need_detail", kwargs={"reference": accepted.need.reference}))
    assert reverse("matching:detail", args=[accepted.pk]) in need_page.content.decode()
    before = timezone.now()
    response = officer_client.post(reverse("matching:confirm", args=[accepted.pk]))
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Match.Status.CONFIRMED
    event = AuditEvent.objects.get(action="match.confirmed_for_resident")
    assert (event.actor, event.reason, event.object_id) == (officer, REASON, str(accepted.pk))
    assert event.created_at >= before and event.council == caller.council
    # The pages the officer saw for the caller were audited with that reason (ADR 0015).
    viewed = AuditEvent.objects.filter(actor=officer, action="personal_data.viewed")
    assert viewed.exists() and all(REASON in e.reason for e in viewed if e.object_id == str(caller.user_id))


def test_an_officer_declines_a_proposed_helper_for_the_caller_through_the_api(
    officer_client, officer, caller, accepted, assisting
):
    response = officer_client.post(
        f"/api/v1/matches/{accepted.pk}/decline/", {"reason": "He has found a lift"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    event = AuditEvent.objects.get(action="match.declined_for_resident")
    assert (event.actor, event.reason) == (officer, REASON)


def test_an_officer_with_no_access_for_the_caller_gets_404(officer_client, accepted):
    assert officer_client.get(reverse("matching:detail", args=[accepted.pk])).status_code == 404
    assert officer_client.post(reverse("matching:confirm", args=[accepted.pk])).status_code == 404
    assert officer_client.get(f"/api/v1/matches/{accepted.pk}/").status_code == 404
    accepted.refresh_from_db()
    assert accepted.status == Match.Status.ACCEPTED


def test_an_officer_whose_access_ended_gets_404(officer_client, accepted, assisting):
    type(assisting).objects.filter(pk=assisting.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert officer_client.post(reverse("matching:confirm", args=[accepted.pk])).status_code == 404


def test_an_officer_without_the_second_factor_acts_for_nobody(client, officer, accepted, assisting):
    client.force_login(officer)  # a password alone
    page = client.get(reverse("matching:detail", args=[accepted.pk]))
    assert page.status_code == 302 and "/accounts/" in page["Location"]  # asked for the second factor
    assert client.post(reverse("matching:confirm", args=[accepted.pk])).status_code == 302
    assert client.get(f"/api/v1/matches/{accepted.pk}/").status_code == 403
    assert client.get(f"/api/v1/referrals/residents/{accepted.need.resident_id}/").status_code == 403
    token = ApiTokenFactory(user=officer, two_factor=False)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.secret}")
    assert api.post(f"/api/v1/matches/{accepted.pk}/confirm/").status_code == 403
    assert api.get("/api/v1/referrals/residents/").status_code == 403
    accepted.refresh_from_db()
    assert accepted.status == Match.Status.ACCEPTED
    assert not AuditEvent.objects.filter(action="match.confirmed_for_resident").exists()


def test_an_officer_with_a_two_factor_token_confirms_for_the_caller(officer, accepted, assisting):
    token = ApiTokenFactory(user=officer, two_factor=True)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.secret}")
    response = api.post(f"/api/v1/matches/{accepted.pk}/confirm/")
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.get(action="match.confirmed_for_resident").reason == REASON


def test_an_officer_uses_the_referrer_api_for_a_caller(
    officer_client, officer, council, categories, kingston_postcodes
):
    body = {
        "full_name": "Imran Khan",
        "address_line_1": "3 Eden Street",
        "postcode": "KT1 1EU",
        "phone": "07700 900123",
        "contact_preference": "phone",
        "consent": {
            "given_by": "Imran Khan, on the phone",
            "agreed_to": "Keeping his details and sharing them with the confirmed helper",
            "given_on": str(timezone.localdate()),
            "method": "verbal",
        },
    }
    refused = officer_client.post("/api/v1/referrals/residents/", body, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    assert not Resident.objects.filter(user__full_name="Imran Khan").exists()
    response = officer_client.post(
        "/api/v1/referrals/residents/", {**body, "reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    resident_id = response.json()["id"]
    assert [r["id"] for r in officer_client.get("/api/v1/referrals/residents/").json()] == [resident_id]
    assert officer_client.get(f"/api/v1/referrals/residents/{resident_id}/").status_code == 200
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    need = officer_client.post(
        "/api/v1/needs/",
        {
            "resident": resident_id,
            "category": categories[0].slug,
            "title": "Lift to the clinic",
            "description": "Tuesday morning",
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert need.status_code == 201, need.content
    posted = AuditEvent.objects.get(action="need.created_for_resident")
    assert (posted.actor, posted.reason) == (officer, REASON)
    # Asking to be a referrer is not for officers: they act for every resident of their council already.
    apply = officer_client.post(
        "/api/v1/referrers/",
        {"council": council.slug, "organisation": "Helpline", "role": "Officer", "phone": ""},
        content_type="application/json",
    )
    assert apply.status_code in (400, 403)
    assert not Referrer.objects.filter(user=officer).exists()


def test_an_officer_of_another_council_gets_404_through_the_referrer_api(client, other_officer, caller):
    from platform_core.tests.two_factor import sign_in_with_two_factor

    sign_in_with_two_factor(client, other_officer)
    assert client.get(f"/api/v1/referrals/residents/{caller.pk}/").status_code == 404
    assert client.get("/api/v1/referrals/residents/").json() == []


def test_an_officer_starts_acting_for_a_caller_through_the_console_api(officer_client, officer, caller, accepted):
    url = f"/api/v1/console/residents/{caller.pk}/assist/"
    assert officer_client.post(url, {}, content_type="application/json").status_code == 400
    response = officer_client.post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["resident"] == caller.pk
    assert AuditEvent.objects.filter(action="resident.assist_started", actor=officer, reason=REASON).exists()
    confirmed = officer_client.post(f"/api/v1/matches/{accepted.pk}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert AuditEvent.objects.get(action="match.confirmed_for_resident").reason == REASON


def test_starting_to_act_through_the_api_needs_the_second_factor_and_the_council(
    client, officer, other_officer, caller
):
    from platform_core.tests.two_factor import sign_in_with_two_factor

    url = f"/api/v1/console/residents/{caller.pk}/assist/"
    client.force_login(officer)  # a password alone
    assert client.post(url, {"reason": REASON}, content_type="application/json").status_code == 403
    other = sign_in_with_two_factor(Client(), other_officer)
    assert other.post(url, {"reason": REASON}, content_type="application/json").status_code == 404
    assert not AuditEvent.objects.filter(action="resident.assist_started").exists()
