"""Verification and suspension change what the engine may propose."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import Match
from providers.models import Provider, VerificationEvidence
from providers.selectors import offer_list_in_market
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need

pytestmark = pytest.mark.django_db


def test_suspending_a_provider_takes_its_offers_out_of_the_market_and_withdraws_its_proposals(officer_client, market):
    assert market.offer in offer_list_in_market(council=market.council)
    response = officer_client.post(
        reverse("marketplace:provider_detail", kwargs={"pk": market.provider.pk}),
        {"action": "suspend", "reason": "Insurance lapsed"},
    )
    assert response.status_code == 302
    market.provider.refresh_from_db()
    market.match.refresh_from_db()
    market.need.refresh_from_db()
    assert market.provider.is_suspended
    assert market.offer not in offer_list_in_market(council=market.council)
    assert market.match.status == Match.Status.CANCELLED
    assert market.need.status == Need.Status.OPEN


def test_reinstating_a_provider_puts_its_offers_back_in_the_market(officer_client, market):
    # Reinstating recomputes verification from the evidence: make it accepted.
    VerificationEvidence.objects.filter(pk=market.evidence.pk).update(status=VerificationEvidence.Status.ACCEPTED)
    url = reverse("marketplace:provider_detail", kwargs={"pk": market.provider.pk})
    officer_client.post(url, {"action": "suspend", "reason": "Insurance lapsed"})
    officer_client.post(url, {"action": "reinstate"})
    assert market.offer in offer_list_in_market(council=market.council)


def test_suspending_without_a_reason_is_refused(officer_client, market):
    response = officer_client.post(
        reverse("marketplace:provider_detail", kwargs={"pk": market.provider.pk}), {"action": "suspend"}
    )
    assert response.status_code == 400
    market.provider.refresh_from_db()
    assert not market.provider.is_suspended


@pytest.fixture
def waiting_charity(council, market):
    provider = ProviderFactory(council=council, verification_status=Provider.Verification.SUBMITTED, clearance="")
    ProviderMemberFactory(provider=provider)
    offer = OfferFactory(provider=provider, categories=[market.category])
    evidence = EvidenceFactory(provider=provider, reference="1123456")
    return provider, offer, evidence


def test_approving_evidence_lets_the_engine_propose_the_provider(officer_client, council, waiting_charity):
    _provider, offer, evidence = waiting_charity
    assert offer not in offer_list_in_market(council=council)
    response = officer_client.post(
        reverse("marketplace:evidence_detail", kwargs={"pk": evidence.pk}), {"decision": "approve"}
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == VerificationEvidence.Status.ACCEPTED
    assert offer in offer_list_in_market(council=council)


def test_rejecting_evidence_keeps_the_provider_out_and_tells_them_why(officer_client, council, waiting_charity):
    _provider, offer, evidence = waiting_charity
    response = officer_client.post(
        reverse("marketplace:evidence_detail", kwargs={"pk": evidence.pk}),
        {"decision": "reject", "reason": "The charity number is not on the register"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == VerificationEvidence.Status.REJECTED
    assert evidence.decision_reason == "The charity number is not on the register"
    assert offer not in offer_list_in_market(council=council)


def test_rejecting_evidence_needs_a_reason(officer_client, waiting_charity):
    _, _, evidence = waiting_charity
    response = officer_client.post(
        reverse("marketplace:evidence_detail", kwargs={"pk": evidence.pk}), {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 400
    evidence.refresh_from_db()
    assert evidence.status == VerificationEvidence.Status.SUBMITTED


def test_verification_queue_lists_oldest_first_with_a_fixed_number_of_queries(
    officer_client, council, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    for days in (1, 9, 5):
        EvidenceFactory(provider__council=council, submitted_at=timezone.now() - timedelta(days=days))
    with django_assert_max_num_queries(12):
        response = officer_client.get(reverse("marketplace:verification_queue"))
    waiting = list(response.context["page"].object_list)
    assert [e.submitted_at for e in waiting] == sorted(e.submitted_at for e in waiting)
