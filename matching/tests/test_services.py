"""The match lifecycle through its services: who may do what, when, and what it changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching import services
from matching.models import Match, Message
from platform_core.models import AuditEvent, Notification
from residents.models import Need

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


def _accepted(proposal, provider_user):
    return services.match_accept(match=proposal, user=provider_user)


def _confirmed(proposal, provider_user, resident_user):
    match = _accepted(proposal, provider_user)
    return services.match_confirm(match=match, user=resident_user)


def test_accepting_takes_one_unit_of_capacity_and_tells_the_resident(proposal, provider_user, resident_user):
    match = services.match_accept(match=proposal, user=provider_user)
    assert match.status == Match.Status.ACCEPTED
    match.offer.refresh_from_db()
    assert match.offer.capacity_left == 0
    assert Notification.objects.filter(user=resident_user, url=f"/matches/{match.pk}/").exists()


def test_accept_on_a_full_offer_is_refused_as_no_longer_available(proposal, provider_user, offer):
    offer.capacity_left = 0
    offer.save(update_fields=["capacity_left"])
    with pytest.raises(ValidationError, match="This offer is no longer available"):
        services.match_accept(match=proposal, user=provider_user)
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.PROPOSED


def test_accept_after_the_deadline_is_refused(need, offer, provider_user):
    match = MatchFactory(need=need, offer=offer, respond_by=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="deadline"):
        services.match_accept(match=match, user=provider_user)


def test_only_a_member_of_the_provider_may_accept(proposal, stranger, resident_user):
    with pytest.raises(PermissionDenied):
        services.match_accept(match=proposal, user=stranger)
    with pytest.raises(PermissionDenied):
        services.match_accept(match=proposal, user=resident_user)


def test_second_accept_of_the_same_proposal_is_refused(proposal, provider_user):
    services.match_accept(match=proposal, user=provider_user)
    stale = Match.objects.get(pk=proposal.pk)
    stale.status = Match.Status.PROPOSED  # a request that read the row before the first accept
    with pytest.raises(ValidationError):
        services.match_accept(match=stale, user=provider_user)
    stale.offer.refresh_from_db()
    assert stale.offer.capacity_left == 0


def test_provider_decline_needs_a_reason(proposal, provider_user):
    with pytest.raises(ValidationError) as exc:
        services.match_decline(match=proposal, user=provider_user, reason="  ")
    assert "reason" in exc.value.message_dict


def test_provider_decline_puts_the_need_back_in_the_pool(proposal, provider_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        match = services.match_decline(match=proposal, user=provider_user, reason="No volunteer free that day")
    assert match.status == Match.Status.DECLINED
    assert match.closed_by == Match.Party.PROVIDER
    assert Need.objects.get(pk=proposal.need_id).status == Need.Status.OPEN


def test_resident_declining_an_accepted_match_gives_the_capacity_back(proposal, provider_user, resident_user):
    match = _accepted(proposal, provider_user)
    services.match_decline(match=match, user=resident_user, reason="I found help elsewhere")
    match.offer.refresh_from_db()
    assert match.offer.capacity_left == 1
    assert Need.objects.get(pk=match.need_id).status == Need.Status.OPEN


def test_confirming_records_consent_and_marks_the_need_matched(proposal, provider_user, resident_user):
    match = _confirmed(proposal, provider_user, resident_user)
    assert match.status == Match.Status.CONFIRMED
    assert match.consent_recorded_at is not None
    assert Need.objects.get(pk=match.need_id).status == Need.Status.MATCHED
    assert Notification.objects.filter(user=provider_user, message__contains="confirmed").exists()


def test_resident_cannot_confirm_before_the_provider_accepts(proposal, resident_user):
    with pytest.raises(ValidationError, match="accepted"):
        services.match_confirm(match=proposal, user=resident_user)


def test_provider_cannot_confirm_for_the_resident(proposal, provider_user):
    match = _accepted(proposal, provider_user)
    with pytest.raises(PermissionDenied):
        services.match_confirm(match=match, user=provider_user)


def test_provider_cancelling_a_confirmed_match_reopens_the_need_and_frees_capacity(
    proposal, provider_user, resident_user
):
    match = _confirmed(proposal, provider_user, resident_user)
    services.match_cancel(match=match, user=provider_user, reason="Our volunteer is ill")
    match.refresh_from_db()
    match.offer.refresh_from_db()
    assert match.status == Match.Status.CANCELLED
    assert match.offer.capacity_left == 1
    assert Need.objects.get(pk=match.need_id).status == Need.Status.OPEN
    assert Notification.objects.filter(user=resident_user, message__contains="cancelled").exists()


def test_resident_who_no_longer_needs_help_cancels_the_need_too(proposal, provider_user, resident_user):
    match = _confirmed(proposal, provider_user, resident_user)
    services.match_cancel(match=match, user=resident_user, reason="My son came", need_still_wanted=False)
    assert Need.objects.get(pk=match.need_id).status == Need.Status.CANCELLED


def test_completion_needs_the_provider_to_mark_it_done_first(proposal, provider_user, resident_user):
    match = _confirmed(proposal, provider_user, resident_user)
    with pytest.raises(ValidationError, match="not marked"):
        services.match_complete(match=match, user=resident_user)
    services.match_mark_done(match=match, user=provider_user)
    services.match_complete(match=match, user=resident_user)
    match.refresh_from_db()
    match.offer.refresh_from_db()
    assert match.status == Match.Status.COMPLETED
    assert match.offer.capacity_left == 1
    assert Need.objects.get(pk=match.need_id).status == Need.Status.COMPLETED


@pytest.fixture
def completed(proposal, provider_user, resident_user):
    match = _confirmed(proposal, provider_user, resident_user)
    services.match_mark_done(match=match, user=provider_user)
    return services.match_complete(match=match, user=resident_user)


def test_review_updates_the_providers_rating_from_every_review(completed, resident_user, make_provider, need):
    services.review_create(match=completed, user=resident_user, rating=4, comment="Kind and on time")
    provider = completed.offer.provider
    provider.refresh_from_db()
    assert provider.rating_count == 1
    assert float(provider.rating_average) == 4.0


def test_a_match_can_be_reviewed_once(completed, resident_user):
    services.review_create(match=completed, user=resident_user, rating=5)
    with pytest.raises(ValidationError, match="already"):
        services.review_create(match=completed, user=resident_user, rating=1)


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_one_to_five_is_refused(completed, resident_user, rating):
    with pytest.raises(ValidationError) as exc:
        services.review_create(match=completed, user=resident_user, rating=rating)
    assert "rating" in exc.value.message_dict


def test_only_the_resident_reviews(completed, provider_user):
    with pytest.raises(PermissionDenied):
        services.review_create(match=completed, user=provider_user, rating=5)


def test_messages_flow_only_while_confirmed(proposal, provider_user, resident_user):
    with pytest.raises(ValidationError):
        services.message_send(match=proposal, user=provider_user, body="Hello")
    match = _confirmed(proposal, provider_user, resident_user)
    services.message_send(match=match, user=provider_user, body="I can come at 2pm")
    services.message_send(match=match, user=resident_user, body="Lovely, thank you")
    assert list(Message.objects.filter(match=match).values_list("body", flat=True)) == [
        "I can come at 2pm",
        "Lovely, thank you",
    ]


def test_a_stranger_cannot_send_a_message(proposal, provider_user, resident_user, stranger):
    match = _confirmed(proposal, provider_user, resident_user)
    with pytest.raises(PermissionDenied):
        services.message_send(match=match, user=stranger, body="Hi")


def test_overdue_proposals_expire_and_the_need_returns_to_the_pool(need, offer):
    match = MatchFactory(need=need, offer=offer, respond_by=timezone.now() - timedelta(hours=1))
    assert services.match_expire_overdue() == 1
    match.refresh_from_db()
    assert match.status == Match.Status.EXPIRED
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    assert services.match_expire_overdue() == 0


def test_an_accepted_match_the_resident_never_confirms_expires_and_frees_capacity(proposal, provider_user):
    match = _accepted(proposal, provider_user)
    services.match_expire_overdue(now=timezone.now() + timedelta(days=3))
    match.refresh_from_db()
    match.offer.refresh_from_db()
    assert match.status == Match.Status.EXPIRED
    assert match.offer.capacity_left == 1


def test_a_live_match_on_a_cancelled_need_is_closed_by_the_sweep(proposal):
    Need.objects.filter(pk=proposal.need_id).update(status=Need.Status.CANCELLED)
    assert services.match_expire_overdue() == 1
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.CANCELLED


def test_withdrawing_a_suspended_providers_proposals_reopens_needs_and_is_audited(proposal, officer):
    provider = proposal.offer.provider
    count = services.match_withdraw_for_provider(provider=provider, reason="Suspended pending review", officer=officer)
    assert count == 1
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.CANCELLED
    assert proposal.closed_by == Match.Party.COUNCIL
    assert Need.objects.get(pk=proposal.need_id).status == Need.Status.OPEN
    assert AuditEvent.objects.filter(action="matching.withdraw_for_provider", object_id=str(provider.pk)).exists()
