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


def test_the_api_list_keeps_both_sides_for_someone_on_both(council, resident, category, offer, provider_user):
    """A provider member who is also a resident (or a referrer) sees both sides; one
    who acts for no resident gets their provider's rows alone (read in index order)."""
    from matching.selectors import match_list_for_user_newest_first
    from providers.models import ProviderMember
    from providers.tests.factories import ProviderFactory

    theirs = MatchFactory(offer=offer, need=NeedFactory(resident=resident, category=category))
    own_provider = ProviderFactory(council=council)
    ProviderMember.objects.create(provider=own_provider, user=resident.user)
    mine = MatchFactory(
        offer=OfferFactory(provider=own_provider, categories=[category]),
        need=NeedFactory(category=category, council=council),
    )
    both = resident.user.__class__.objects.get(pk=resident.user.pk)
    assert {m.pk for m in match_list_for_user_newest_first(user=both)} == {theirs.pk, mine.pk}
    only_provider = provider_user.__class__.objects.get(pk=provider_user.pk)
    assert [m.pk for m in match_list_for_user_newest_first(user=only_provider)] == [theirs.pk]
