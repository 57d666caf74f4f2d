"""Referrers and assisted digital through the pages and the API, as people use them
(issue 10's "Must show"): a referrer signs up, is approved, refers someone with no
e-mail address and their consent, posts a need on the residents' own question pages
and follows it; gets 404 on everyone else's; the person claims their account with
the code. An officer posts a need for a caller and the audit log says who, when, why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from platform_core.models import AuditEvent, Notification, User
from platform_core.tests.factories import UserFactory
from residents.models import ConsentRecord, Need, Referral, Referrer, Resident
from residents.notifications import CLAIM_CODE
from residents.referrals import services
from residents.tests.factories import NeedFactory, ReferrerFactory, ResidentFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "full_name": "Ada Lovelace",
    "address_line_1": "3 Eden Street",
    "postcode": "KT1 1EU",
    "phone": "07700 900123",
    "contact_preference": "referrer",
    "accessibility_needs": "Uses a walking frame",
}


def _consent() -> dict:
    today = timezone.localdate()
    return {
        "consent_given_by": "Ada Lovelace, in person",
        "consent_agreed_to": "Keeping her details and sharing them with the confirmed helper",
        "consent_given_on_day": today.day,
        "consent_given_on_month": today.month,
        "consent_given_on_year": today.year,
        "consent_method": "verbal",
    }


def _post_need_on_the_question_pages(client, resident: Resident, category) -> Need:
    """The residents' own pages, started for someone else (residents:need_new_for)."""
    response = client.post(reverse("residents:need_new_for", kwargs={"pk": resident.pk}), {"category": category.pk})
    need = Need.objects.filter(resident=resident).latest("created_at")
    assert response.status_code == 302

    def step(name, data):
        response = client.post(reverse(f"residents:need_{name}", kwargs={"reference": need.reference}), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])

    day = timezone.localdate() + timedelta(days=2)
    step("what", {"title": "Weekly shopping", "description": "Carry bags from the market."})
    step("when", {"timing": "one_off", "urgency": Need.Urgency.SOON})
    step(
        "times", {"date_day": day.day, "date_month": day.month, "date_year": day.year, "start_hour": 9, "end_hour": 12}
    )
    step("where", {"where": "home", "postcode": ""})
    step("preferences", {"language": "", "accessibility": ""})
    step("check", {})
    need.refresh_from_db()
    return need


def _resident_urls(need: Need, draft: Need) -> list[str]:
    """Every page of the residents' namespace that is about a resident or a need."""
    urls = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace == "residents" and pattern.pattern.converters:
                names = set(pattern.pattern.converters)
                if names == {"reference"}:
                    for n in (need, draft):
                        urls.append(reverse(f"residents:{pattern.name}", kwargs={"reference": n.reference}))
                elif names == {"pk"}:
                    urls.append(reverse(f"residents:{pattern.name}", kwargs={"pk": need.resident_id}))
                else:
                    raise AssertionError(f"residents:{pattern.name}: tell this test what {names} name")

    walk(get_resolver().url_patterns, None)
    return urls


def test_a_referrer_signs_up_is_approved_refers_someone_posts_a_need_and_follows_it(
    officer_client, officer, council, kingston_postcodes, categories
):
    # Signs up (an ordinary account) and asks to refer residents to Kingston.
    referrer_user = UserFactory(role=User.Role.RESIDENT, full_name="Sam Prescriber")
    client = Client()
    client.force_login(referrer_user)
    response = client.post(
        reverse("referrals:apply"),
        {
            "council": council.pk,
            "organisation": "Canbury Medical Centre",
            "role": "Social prescriber",
            "phone": "020 7946 0000",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("referrals:resident_new")).status_code == 403  # not approved yet
    referrer = Referrer.objects.get(user=referrer_user)

    # An officer approves, in the console.
    queue = officer_client.get(reverse("marketplace:referrer_queue")).content.decode()
    assert "Canbury Medical Centre" in queue
    response = officer_client.post(reverse("marketplace:referrer_detail", args=[referrer.pk]), {"decision": "approve"})
    assert response.status_code == 302
    referrer.refresh_from_db()
    assert referrer.status == Referrer.Status.APPROVED
    assert Notification.objects.filter(user=referrer_user, kind="referrer.approved").exists()

    # Without consent nothing is saved.
    response = client.post(reverse("referrals:resident_new"), PERSON)
    assert response.status_code == 400
    assert "Enter who agreed" in response.content.decode()
    assert not Resident.objects.filter(user__full_name="Ada Lovelace").exists()

    # With it: a resident with no e-mail address and no account.
    response = client.post(reverse("referrals:resident_new"), {**PERSON, **_consent()})
    assert response.status_code == 302
    resident = Resident.objects.get(user__full_name="Ada Lovelace")
    assert response.url == reverse("referrals:resident_detail", kwargs={"pk": resident.pk})
    assert not resident.user.has_usable_password()
    assert ConsentRecord.objects.filter(resident=resident, recorded_by=referrer_user).exists()

    # A need through the residents' own question pages, then its progress.
    need = _post_need_on_the_question_pages(client, resident, categories[0])
    assert need.status == Need.Status.OPEN
    page = client.get(reverse("referrals:resident_detail", kwargs={"pk": resident.pk})).content.decode()
    assert "Weekly shopping" in page and need.reference in page and "Waiting for a match" in page
    detail = client.get(reverse("residents:need_detail", kwargs={"reference": need.reference})).content.decode()
    assert "You are acting for Ada Lovelace" in detail
    assert "Weekly shopping" in client.get(reverse("referrals:dashboard")).content.decode()

    # The person later claims the account with the code sent to their phone.
    response = client.post(reverse("referrals:claim_code", kwargs={"pk": resident.pk}), {"channel": "sms"})
    assert response.status_code == 302
    code = Notification.objects.get(user=resident.user, kind=CLAIM_CODE.code).message.split(" is ")[1].split(".")[0]
    anonymous = Client()
    response = anonymous.post(
        reverse("claim"), {"code": code, "email": "ada@example.org", "password": "a long pass phrase 42"}
    )
    assert response.status_code == 200 and "Your account is ready" in response.content.decode()
    resident.user.refresh_from_db()
    assert resident.user.email == "ada@example.org" and resident.user.check_password("a long pass phrase 42")
    again = anonymous.post(
        reverse("claim"), {"code": code, "email": "x@example.org", "password": "a long pass phrase 42"}
    )
    assert again.status_code == 400  # single use


def test_a_referrer_gets_404_on_another_referrers_resident_and_on_every_resident_page(
    client, council, kingston_postcodes, categories, resident
):
    mine = ReferrerFactory(council=council)
    theirs = ReferrerFactory(council=council)
    other = services.referred_resident_create(
        by=theirs.user,
        **PERSON,
        consent={"given_by": "Them", "agreed_to": "This", "given_on": timezone.localdate(), "method": "written"},
    )
    client.force_login(mine.user)
    for name in ("resident_detail", "claim_code", "resident_data", "resident_erase"):
        for who in (other, resident):
            url = reverse(f"referrals:{name}", kwargs={"pk": who.pk})
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"channel": "sms", "confirm": "on"}).status_code == 404, url
    for owner in (other, resident):
        need = NeedFactory(resident=owner, category=categories[0])
        draft = NeedFactory(resident=owner, category=categories[0], draft=True)
        for url in _resident_urls(need, draft):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url
    api = f"/api/v1/referrals/residents/{other.pk}/"
    assert client.get(api).status_code == 404
    assert client.get(f"/api/v1/needs/?resident={other.pk}").json()["results"] == []


def test_an_officer_posts_a_need_for_a_caller_and_the_audit_log_shows_who_when_and_why(
    officer_client, officer, resident, categories
):
    reason = "Mrs Jones phoned the helpline: she needs her shopping carried"
    detail = reverse("marketplace:resident_detail", args=[resident.pk])
    officer_client.post(detail, {"reason": "Caller on the helpline asked for help"})
    response = officer_client.post(reverse("marketplace:resident_assist", args=[resident.pk]), {"reason": reason})
    assert response.status_code == 302
    assert response.url == reverse("referrals:resident_detail", kwargs={"pk": resident.pk})
    before = timezone.now()
    need = _post_need_on_the_question_pages(officer_client, resident, categories[0])
    assert need.status == Need.Status.OPEN
    posted = AuditEvent.objects.get(action="need.posted_for_resident", object_id=str(need.pk))
    assert posted.actor == officer and posted.reason == reason and posted.created_at >= before
    log = officer_client.get(reverse("marketplace:audit_log")).content.decode()
    assert "need.posted_for_resident" in log and reason in log
    # The pages the officer saw on the way were audited with that reason too (ADR 0015).
    assert AuditEvent.objects.filter(actor=officer, action="personal_data.viewed", reason__contains=reason).exists()


def test_an_officer_without_an_access_for_the_resident_gets_404(officer_client, resident, categories):
    need = NeedFactory(resident=resident, category=categories[0])
    assert officer_client.get(reverse("residents:need_detail", kwargs={"reference": need.reference})).status_code == 404
    assert officer_client.get(reverse("referrals:resident_detail", kwargs={"pk": resident.pk})).status_code == 404


def test_posting_a_need_by_a_referrer_costs_the_same_queries_however_many_people_they_referred(
    client, council, kingston_postcodes, categories
):
    referrer = ReferrerFactory(council=council)
    consent = {"given_by": "Them", "agreed_to": "This", "given_on": timezone.localdate(), "method": "verbal"}
    client.force_login(referrer.user)

    def post_cost() -> int:
        resident = services.referred_resident_create(by=referrer.user, **PERSON, consent=consent)
        draft = NeedFactory(resident=resident, category=categories[0], draft=True)
        url = reverse("residents:need_check", kwargs={"reference": draft.reference})
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url)
        assert response.status_code == 302
        return len(queries)

    first = post_cost()
    print(f"queries to post a need as a referrer: {first}")
    for _ in range(15):
        services.referred_resident_create(by=referrer.user, **PERSON, consent=consent)
    assert post_cost() == first
    assert first <= 25


def test_the_referrer_api_refers_someone_and_posts_their_need_through_the_needs_api(
    client, council, kingston_postcodes, categories
):
    referrer = ReferrerFactory(council=council)
    client.force_login(referrer.user)
    body = {
        **{k: v for k, v in PERSON.items() if k != "contact_preference"},
        "contact_preference": "text",
        "consent": {
            "given_by": "Ada",
            "agreed_to": "Sharing",
            "given_on": str(timezone.localdate()),
            "method": "written",
        },
    }
    refused = client.post("/api/v1/referrals/residents/", {**body, "consent": {}}, content_type="application/json")
    assert refused.status_code == 400
    assert not Referral.objects.exists()
    response = client.post("/api/v1/referrals/residents/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    resident_id = response.json()["id"]
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    need = client.post(
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
    listed = client.get(f"/api/v1/needs/?resident={resident_id}").json()["results"]
    assert [n["reference"] for n in listed] == [need.json()["reference"]]
    progress = client.get(f"/api/v1/referrals/residents/{resident_id}/").json()
    assert progress["needs"][0]["status"] == "open" and progress["claimed"] is False
    assert client.post(f"/api/v1/referrals/residents/{resident_id}/claim-code/", {"channel": "sms"}).status_code == 201


def test_a_referred_residents_data_can_be_downloaded_and_erased_by_their_referrer(client, council, kingston_postcodes):
    referrer = ReferrerFactory(council=council)
    consent = {"given_by": "Them", "agreed_to": "This", "given_on": timezone.localdate(), "method": "verbal"}
    resident = services.referred_resident_create(by=referrer.user, **PERSON, consent=consent)
    client.force_login(referrer.user)
    data = client.get(reverse("referrals:resident_data", kwargs={"pk": resident.pk}))
    assert data.status_code == 200 and data.json()["residents"]["profile"]["address_line_1"] == "3 Eden Street"
    assert client.post(reverse("referrals:resident_erase", kwargs={"pk": resident.pk}), {}).status_code == 400
    response = client.post(reverse("referrals:resident_erase", kwargs={"pk": resident.pk}), {"confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.get(pk=resident.user_id).is_active


def test_the_claim_page_counts_attempts_per_address(client, settings):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], "sign-in": "3/min"}
    settings.REST_FRAMEWORK = framework
    statuses = [
        client.post(reverse("claim"), {"code": f"AAAA-BBB{i}", "email": "a@example.org", "password": "x"}).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [400, 400, 400] and statuses[-1] == 429


def test_referrer_pages_need_sign_in(client):
    for name in ("dashboard", "apply", "resident_new"):
        response = client.get(reverse(f"referrals:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(reverse("claim")).status_code == 200
    assert ResidentFactory  # the factory module is importable for the browser journeys


def test_a_referrer_answers_a_proposed_helper_for_the_person_they_referred(client, council, kingston_postcodes):
    from matching.models import Match
    from matching.tests.factories import MatchFactory

    referrer = ReferrerFactory(council=council)
    consent = {"given_by": "Them", "agreed_to": "This", "given_on": timezone.localdate(), "method": "verbal"}
    resident = services.referred_resident_create(by=referrer.user, **PERSON, consent=consent)
    match = MatchFactory(need=NeedFactory(resident=resident, status=Need.Status.PROPOSED), accepted=True)
    stranger = ReferrerFactory(council=council)
    client.force_login(stranger.user)
    assert client.get(reverse("matching:detail", args=[match.pk])).status_code == 404
    assert client.post(reverse("matching:confirm", args=[match.pk])).status_code == 404
    client.force_login(referrer.user)
    need_page = client.get(reverse("residents:need_detail", kwargs={"reference": match.need.reference}))
    assert reverse("matching:detail", args=[match.pk]) in need_page.content.decode()
    assert client.get(reverse("matching:detail", args=[match.pk])).status_code == 200
    response = client.post(reverse("matching:confirm", args=[match.pk]))
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED


def test_an_officer_withdraws_an_approval_and_the_referrer_loses_their_residents(
    officer_client, officer, council, kingston_postcodes
):
    referrer = ReferrerFactory(council=council)
    consent = {"given_by": "Them", "agreed_to": "This", "given_on": timezone.localdate(), "method": "verbal"}
    resident = services.referred_resident_create(by=referrer.user, **PERSON, consent=consent)
    url = reverse("marketplace:referrer_detail", args=[referrer.pk])
    assert "Withdraw approval" in officer_client.get(url).content.decode()
    assert officer_client.post(url, {"reason": ""}).status_code == 400
    response = officer_client.post(url, {"reason": "She left the surgery"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="referrer.withdrawn")
    assert (event.actor, event.reason) == (officer, "She left the surgery")
    notice = Notification.objects.filter(user=referrer.user).latest("created_at")
    # Its own words, not a refusal's: the referrer was approved and loses the people they referred.
    assert notice.kind == "referrer.withdrawn"
    assert "She left the surgery" in notice.message and "withdrew your approval" in notice.message
    assert "did not approve" not in notice.message
    referrer_client = Client()
    referrer_client.force_login(referrer.user)
    assert referrer_client.get(reverse("referrals:resident_detail", kwargs={"pk": resident.pk})).status_code == 404
