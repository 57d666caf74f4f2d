"""Automatic flags, users' reports and officers' moderation decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import AuditEvent, Notification
from providers.models import Offer
from providers.tests.factories import OfferFactory
from residents.models import Need
from residents.tests.factories import NeedFactory

from ..models import ModerationFlag, ModerationScanState
from ..services.moderation import moderation_scan, text_findings

pytestmark = pytest.mark.django_db

Cause = ModerationFlag.Cause
LATER = timedelta(seconds=10)


@pytest.mark.parametrize(
    "text, cause",
    [
        ("Call me on 07700 900123 any time", Cause.PHONE),
        ("Ring (020) 7946 0000 after six", Cause.PHONE),
        ("Text +44 7700-900-123", Cause.PHONE),
        ("Write to jo.bloggs@example.co.uk please", Cause.EMAIL),
        ("See https://example.org/garden for photos", Cause.URL),
        ("Details at www.helpers.example.com", Cause.URL),
        ("Book at kingstonhelpers.co.uk", Cause.URL),
        ("Only £15 an hour", Cause.PRICE),
    ],
)
def test_text_findings_catch_contact_details_links_and_prices(text, cause):
    assert cause in {f.cause for f in text_findings(text)}


def test_ordinary_text_is_not_flagged():
    assert text_findings("I need help carrying shopping home on Tuesday at 10, flat 2 of 12.") == []


def test_blocked_words_are_matched_as_whole_words():
    assert [f.cause for f in text_findings("cash only please", blocked_words=["cash only"])] == [Cause.BLOCKED_WORD]
    assert text_findings("cashew nuts", blocked_words=["cash"]) == []


def test_scan_flags_a_phone_number_an_email_and_a_url_in_a_need_description(council, market):
    need = NeedFactory(
        resident=market.resident,
        category=market.category,
        description="Call 07700 900123 or mail me at jo@example.org, photos on https://example.org/x",
    )
    moderation_scan(council=council, now=timezone.now() + LATER)
    causes = set(ModerationFlag.objects.filter(target_type="need", target_id=need.pk).values_list("cause", flat=True))
    assert {Cause.PHONE, Cause.EMAIL, Cause.URL} <= causes


def test_scan_flags_an_offer_description_and_a_price_above_the_cap(council, market):
    market.category.price_cap_pence = 1500
    market.category.save()
    offer = OfferFactory(
        provider=market.provider,
        categories=[market.category],
        description="Email bookings@helpers.example.org or phone 020 7946 0000, see www.helpers.example.com",
        cost_type=Offer.CostType.PER_HOUR,
        price_pence=2500,
    )
    moderation_scan(council=council, now=timezone.now() + LATER)
    causes = set(ModerationFlag.objects.filter(target_type="offer", target_id=offer.pk).values_list("cause", flat=True))
    assert {Cause.PHONE, Cause.EMAIL, Cause.URL, Cause.OVER_CAP} <= causes


def test_scanning_twice_flags_nothing_new(council, market):
    NeedFactory(resident=market.resident, category=market.category, description="Call 07700 900123")
    assert moderation_scan(council=council, now=timezone.now() + LATER) >= 1
    assert moderation_scan(council=council, now=timezone.now() + LATER) == 0


def test_check_now_on_the_queue_page_scans_and_the_queue_lists_flagged_needs(officer_client, market):
    need = NeedFactory(resident=market.resident, category=market.category, description="Ring 07700 900123")
    type(need).objects.filter(pk=need.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    response = officer_client.post(reverse("marketplace:moderation_queue"))
    assert response.status_code == 302
    body = officer_client.get(reverse("marketplace:moderation_queue")).content.decode()
    assert need.reference in body
    assert "Phone number in the text" in body
    assert "1 new flag(s)" in body


def test_opening_the_queue_page_or_api_writes_nothing(officer_client, market):
    need = NeedFactory(resident=market.resident, category=market.category, description="Ring 07700 900123")
    type(need).objects.filter(pk=need.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    body = officer_client.get(reverse("marketplace:moderation_queue")).content.decode()
    officer_client.get(reverse("marketplace_api:console_moderation"))
    assert need.reference not in body
    assert not ModerationFlag.objects.exists()
    assert not ModerationScanState.objects.exists()


def test_the_api_scans_on_post_and_returns_the_queue(officer_client, market):
    need = NeedFactory(resident=market.resident, category=market.category, description="Ring 07700 900123")
    type(need).objects.filter(pk=need.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    items = officer_client.post(reverse("marketplace_api:console_moderation")).json()
    assert [(i["target_type"], i["target_id"]) for i in items] == [("need", need.pk)]


def test_hiding_a_need_tells_the_resident_why_and_is_audited(officer_client, market):
    url = reverse("marketplace:moderation_detail", kwargs={"target_type": "need", "pk": market.need.pk})
    Need.objects.filter(pk=market.need.pk).update(status=Need.Status.OPEN)
    response = officer_client.post(url, {"action": "hide", "reason": "Please remove your phone number"})
    assert response.status_code == 302
    market.need.refresh_from_db()
    assert market.need.status == Need.Status.HIDDEN
    assert Notification.objects.filter(
        user=market.resident.user, message__contains="Please remove your phone number"
    ).exists()
    assert AuditEvent.objects.filter(action="moderation.hide", object_id=str(market.need.pk)).exists()


def test_approving_an_offer_waiting_for_review_publishes_it(officer_client, market):
    offer = OfferFactory(provider=market.provider, categories=[market.category], status=Offer.Status.PENDING_REVIEW)
    url = reverse("marketplace:moderation_detail", kwargs={"target_type": "offer", "pk": offer.pk})
    assert officer_client.post(url, {"action": "restore", "reason": ""}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


def test_hiding_an_offer_needs_a_reason(officer_client, market):
    url = reverse("marketplace:moderation_detail", kwargs={"target_type": "offer", "pk": market.offer.pk})
    assert officer_client.post(url, {"action": "hide", "reason": ""}).status_code == 400
    market.offer.refresh_from_db()
    assert market.offer.status == Offer.Status.ACTIVE


def test_a_user_report_lands_in_the_queue(client, market, resident_user, officer_client):
    from django.test import Client

    reporter = Client()
    reporter.force_login(resident_user)
    url = reverse("concerns:report", kwargs={"target_type": "offer", "target_id": market.offer.pk})
    assert reporter.post(url, {"reason": "They asked me for cash up front"}).status_code == 302
    body = officer_client.get(reverse("marketplace:moderation_queue")).content.decode()
    assert "They asked me for cash up front" in body


def test_lowering_a_price_cap_previews_then_hides_offers_above_it(officer_client, market):
    pricey = OfferFactory(
        provider=market.provider, categories=[market.category], cost_type=Offer.CostType.PER_HOUR, price_pence=2000
    )
    url = reverse("marketplace:category_edit", kwargs={"pk": market.category.pk})
    data = {"name": "Shopping", "description": "", "safeguarding_tier": "open", "price_cap": "15.00", "is_active": "on"}
    preview = officer_client.post(url, data)
    assert "This cap would hide 1 active offer" in preview.content.decode()
    pricey.refresh_from_db()
    assert pricey.status == Offer.Status.ACTIVE
    assert officer_client.post(url, {**data, "confirm": "1"}).status_code == 302
    pricey.refresh_from_db()
    assert pricey.status == Offer.Status.HIDDEN
    assert "capped the price" in pricey.status_reason
    event = AuditEvent.objects.get(action="regulation.category_update")
    assert event.data["before"]["price_cap_pence"] is None and event.data["after"]["price_cap_pence"] == 1500


def test_market_rule_change_is_previewed_and_audited_before_and_after(officer_client, market):
    url = reverse("marketplace:market_rule_edit")
    data = {
        "max_distance_km": "1.0",
        "response_deadline_hours": "12",
        "max_open_proposals_volunteer": "2",
        **{
            f"weight_{k}": "1"
            for k in ["distance", "urgency", "waited", "rating", "continuity", "cost", "preference", "spread"]
        },
    }
    preview = officer_client.post(url, data).content.decode()
    assert "This distance cap would limit 1 active offer" in preview
    assert officer_client.post(url, {**data, "confirm": "1"}).status_code == 302
    event = AuditEvent.objects.get(action="regulation.market_rule_update")
    assert event.data["before"]["response_deadline_hours"] == 24
    assert event.data["after"]["response_deadline_hours"] == 12


def test_an_offers_price_shows_in_pounds_and_pence_on_its_moderation_page(officer_client, market):
    offer = OfferFactory(
        provider=market.provider, categories=[market.category], cost_type=Offer.CostType.PER_HOUR, price_pence=1250
    )
    url = reverse("marketplace:moderation_detail", kwargs={"target_type": "offer", "pk": offer.pk})
    assert "£12.50" in officer_client.get(url).content.decode()
