"""Match.provider is the offer's provider on every match, however it was made
(issue 11: the provider's lists read their pages from it)."""

from __future__ import annotations

import pytest
from django.db.models import F

from matching.models import Match
from matching.runner import match_council_run
from providers.tests.factories import OfferFactory
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


def test_a_batch_proposal_carries_its_offers_provider(council, need, offer):
    match_council_run(council_id=council.pk, trigger="test")
    match = Match.objects.get(need=need)
    assert match.provider_id == offer.provider_id


def test_a_match_saved_or_bulk_created_carries_its_offers_provider(resident, category, offer):
    saved = MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
    other = OfferFactory(categories=[category])
    # Only ids known, no offer loaded: read in one query for the whole batch.
    rows = [
        Match(
            need_id=NeedFactory(resident=resident, category=category).pk,
            offer_id=o.pk,
            council_id=o.council_id,
            respond_by=saved.respond_by,
        )
        for o in (offer, other)
    ]
    Match.objects.bulk_create(rows)
    assert saved.provider_id == offer.provider_id
    assert [m.provider_id for m in rows] == [offer.provider_id, other.provider_id]
    assert not Match.objects.exclude(provider_id=F("offer__provider_id")).exists()


def test_an_officers_proposal_by_hand_carries_its_offers_provider(officer, need, offer):
    from matching.services.risks import match_propose_by_officer

    match = match_propose_by_officer(officer=officer, need=need, offer=offer, reason="Near enough")
    match.refresh_from_db()
    assert match.provider_id == offer.provider_id
