"""The console's selectors: the object or None, empty lists for anyone but an
officer of the council, and no writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from platform_core.models import MarketRule

from .. import selectors
from ..services.moderation import blocked_word_add
from ..services.regulation import category_create

pytestmark = pytest.mark.django_db

GETTERS = [
    ("evidence_get", "evidence", {}),
    ("blocked_word_get", "word", {}),
    ("concern_get_for_officer", "concern", {}),
    ("provider_get", "provider", {}),
    ("resident_get", "resident", {}),
    ("category_get", "category", {}),
    ("moderation_target_get", "need", {"target_type": "need"}),
    ("moderation_target_get", "offer", {"target_type": "offer"}),
]


@pytest.mark.parametrize(("name", "attribute", "extra"), GETTERS)
def test_a_getter_returns_the_object_to_its_councils_officer_and_none_to_anyone_else(
    name, attribute, extra, market, officer, other_officer
):
    get = getattr(selectors, name)
    obj = getattr(market, attribute)
    assert get(officer=officer, pk=obj.pk, **extra) == obj
    assert get(officer=other_officer, pk=obj.pk, **extra) is None
    assert get(officer=market.member, pk=obj.pk, **extra) is None


def test_lists_are_empty_for_someone_who_is_not_an_officer(market):
    someone = market.member
    assert not selectors.evidence_list_waiting(officer=someone).exists()
    assert not selectors.concern_list_for_officer(officer=someone).exists()
    assert not selectors.audit_list(officer=someone).exists()
    assert selectors.moderation_queue(officer=someone) == []
    assert selectors.console_counts(officer=someone) == {"evidence": 0, "flags": 0, "pending_offers": 0, "concerns": 0}


def test_reading_the_market_rules_of_a_council_without_any_writes_nothing(officer):
    MarketRule.objects.filter(council=officer.council).delete()
    rule = selectors.market_rule_get(officer=officer)
    assert rule.pk is None and rule.council_id == officer.council_id
    assert rule.max_distance_km == MarketRule._meta.get_field("max_distance_km").default
    assert not MarketRule.objects.filter(council=officer.council).exists()


def test_saving_the_market_rules_creates_them_when_the_council_had_none(officer_client, officer):
    from django.urls import reverse

    MarketRule.objects.filter(council=officer.council).delete()
    assert officer_client.get(reverse("marketplace:regulation")).status_code == 200
    assert not MarketRule.objects.filter(council=officer.council).exists()
    data = {"max_distance_km": "7.5", "response_deadline_hours": 12, "max_open_proposals_volunteer": 2, "confirm": "1"}
    data.update({f"weight_{k}": 1 for k in MarketRule().weights})
    assert officer_client.post(reverse("marketplace:market_rule_edit"), data).status_code == 302
    assert str(MarketRule.objects.get(council=officer.council).max_distance_km) == "7.5"


@pytest.mark.parametrize(
    "write",
    [
        lambda user: category_create(
            officer=user, name="Sneaky", description="", safeguarding_tier="open", price_cap_pence=None
        ),
        lambda user: blocked_word_add(officer=user, word="sneaky"),
    ],
    ids=["category_create", "blocked_word_add"],
)
def test_console_writes_without_an_object_still_re_check_the_officer(write, market):
    market.member.council = market.council
    with pytest.raises(PermissionDenied):
        write(market.member)
