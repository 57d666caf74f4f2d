"""Officers see letters to post and contacts that could not be reached, only
for their own council, only after giving a reason (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from platform_core.models import AuditEvent, Delivery
from platform_core.tests.factories import DeliveryFactory, NotificationFactory, OfficerFactory
from platform_core.tests.two_factor import sign_in_with_two_factor
from providers.tests.factories import ProviderFactory, ProviderMemberFactory
from residents.models import ContactPreference
from residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db
URL = reverse("marketplace:contact_problems")
REASON = "Posting this week's letters"


@pytest.fixture
def problems(council, other_council):
    by_letter = ResidentFactory(
        council=council, contact_preference=ContactPreference.LETTER, address_line_1="9 Post Road"
    )
    letter = DeliveryFactory(
        letter=True, notification=NotificationFactory(user=by_letter.user, message="Your helper said yes.")
    )
    texter = ResidentFactory(council=council, phone="+447700900444")
    failed = DeliveryFactory(failed=True, to="+447700900444", notification=NotificationFactory(user=texter.user))
    provider = ProviderFactory(council=council)
    member = ProviderMemberFactory(provider=provider, user__council=None)
    member_failed = DeliveryFactory(failed=True, to="+447700900666", notification=NotificationFactory(user=member.user))
    elsewhere = ResidentFactory(council=other_council, phone="+447700900555")
    DeliveryFactory(failed=True, to="+447700900555", notification=NotificationFactory(user=elsewhere.user))
    DeliveryFactory(sent=True, notification=NotificationFactory(user=texter.user))
    return {"letter": letter, "failed": failed, "member_failed": member_failed}


def test_the_page_shows_counts_and_asks_why_before_any_personal_data(officer_client, problems):
    html = officer_client.get(URL).content.decode()
    assert "1 letter to post. 2 contacts we could not reach" in html
    assert "9 Post Road" not in html and "07700 900444" not in html
    assert not AuditEvent.objects.filter(action="contacts.personal_data_viewed").exists()


def test_with_a_reason_the_list_is_shown_and_the_view_is_audited(officer_client, officer, problems):
    html = officer_client.post(URL, {"reason": REASON}).content.decode()
    assert "9 Post Road" in html and "Your helper said yes." in html
    assert "07700 900444" in html and "07700 900666" in html  # a resident and a provider member of this council
    assert "07700 900555" not in html  # another council's resident
    event = AuditEvent.objects.get(action="contacts.personal_data_viewed")
    assert (event.actor, event.reason, event.data) == (officer, REASON, {"letters": 1, "failed": 2})


def test_a_reason_is_required(officer_client, problems):
    html = officer_client.post(URL, {"reason": ""}).content.decode()
    assert "Enter a reason" in html and "9 Post Road" not in html


def test_marking_a_letter_posted_takes_it_off_the_list(officer_client, officer, problems):
    letter = problems["letter"]
    html = officer_client.post(URL, {"reason": REASON, "delivery": letter.pk}).content.decode()
    letter.refresh_from_db()
    assert (letter.status, letter.handled_by) == (Delivery.Status.POSTED, officer)
    assert "9 Post Road" not in html and "No letters to post." in html
    assert AuditEvent.objects.filter(action="contacts.letter_posted", object_id=str(letter.pk)).exists()


def test_a_failure_followed_up_leaves_the_list(officer_client, problems):
    failed = problems["failed"]
    officer_client.post(URL, {"reason": REASON, "delivery": failed.pk})
    failed.refresh_from_db()
    assert failed.handled_at is not None and failed.status == Delivery.Status.FAILED
    assert AuditEvent.objects.filter(action="contacts.failure_followed_up").exists()


def test_another_councils_contact_is_not_found(client, other_council, problems):
    outsider = OfficerFactory(council=other_council, two_factor=True)
    sign_in_with_two_factor(client, outsider)
    response = client.post(URL, {"reason": REASON, "delivery": problems["letter"].pk})
    assert response.status_code == 404
    assert Delivery.objects.get(pk=problems["letter"].pk).handled_at is None


def test_the_list_costs_the_same_queries_for_many_rows(
    officer_client, council, problems, django_assert_max_num_queries
):
    for _ in range(15):
        resident = ResidentFactory(council=council)
        DeliveryFactory(failed=True, notification=NotificationFactory(user=resident.user))
        DeliveryFactory(letter=True, notification=NotificationFactory(user=resident.user))
    with django_assert_max_num_queries(14):
        officer_client.post(URL, {"reason": REASON})


def test_residents_and_providers_cannot_open_it(client, resident_user):
    client.force_login(resident_user)
    assert client.get(URL).status_code == 403
