"""Who sees a match and its conversation: decided in matching.selectors, once."""

from __future__ import annotations

import pytest

from matching import selectors, services
from matching.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_a_match_is_found_for_its_parties_and_none_for_anyone_else(proposal, provider_user, resident_user, stranger):
    assert selectors.match_get_for_user(user=provider_user, pk=proposal.pk) == proposal
    assert selectors.match_get_for_user(user=resident_user, pk=proposal.pk) == proposal
    assert selectors.match_get_for_user(user=stranger, pk=proposal.pk) is None


def test_the_conversation_shows_to_the_parties_only_while_confirmed(proposal, provider_user, resident_user, stranger):
    match = services.match_accept(match=proposal, user=provider_user)
    assert not selectors.message_list_for_match(match=match, user=resident_user).exists()
    match = services.match_confirm(match=match, user=resident_user)
    MessageFactory(match=match, sender=resident_user, body="See you on Tuesday")
    assert [m.body for m in selectors.message_list_for_match(match=match, user=provider_user)] == ["See you on Tuesday"]
    assert not selectors.message_list_for_match(match=match, user=stranger).exists()
    match = services.match_mark_done(match=match, user=provider_user)
    match = services.match_complete(match=match, user=resident_user)
    assert not selectors.message_list_for_match(match=match, user=resident_user).exists()
