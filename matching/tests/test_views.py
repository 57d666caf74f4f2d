"""The match pages: what each side sees, the POST-only actions, errors, privacy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching import services
from matching.models import Match
from residents.models import Need
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db

SECRET_ADDRESS = "12 Secret Lane"
SECRET_PHONE = "07700 900999"
SECRET_NOTES = "Hard of hearing"


def detail(match):
    return reverse("matching:detail", args=[match.pk])


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_provider_sees_a_proposal_without_the_residents_personal_details(client, proposal, provider_user):
    html = page(client, provider_user, detail(proposal))
    assert "Shopping" in html
    assert "KT1" in html  # the postcode district only
    assert proposal.explanation in html
    for secret in (SECRET_ADDRESS, SECRET_PHONE, SECRET_NOTES, "KT1 1EU"):
        assert secret not in html


def test_the_resident_sees_the_providers_public_profile_but_not_its_members(
    client, proposal, provider_user, resident_user
):
    services.match_accept(match=proposal, user=provider_user)
    html = page(client, resident_user, detail(proposal))
    assert "Kingston Helpers" in html
    assert "Verified" in html
    assert provider_user.email not in html
    assert provider_user.full_name not in html
    assert "Confirm and share my details" in html


def test_contact_details_appear_only_after_confirmation_and_disappear_after_completion(
    client, proposal, provider_user, resident_user
):
    services.match_accept(match=proposal, user=provider_user)
    assert SECRET_ADDRESS not in page(client, provider_user, detail(proposal))

    services.match_confirm(match=proposal, user=resident_user)
    html = page(client, provider_user, detail(proposal))
    for secret in (SECRET_ADDRESS, SECRET_PHONE, SECRET_NOTES, "KT1 1EU"):
        assert secret in html
    assert "020 7946 0000" in page(client, resident_user, detail(proposal))  # the provider's phone

    services.match_mark_done(match=proposal, user=provider_user)
    services.match_complete(match=proposal, user=resident_user)
    html = page(client, provider_user, detail(proposal))
    for secret in (SECRET_ADDRESS, SECRET_PHONE, SECRET_NOTES):
        assert secret not in html


def test_someone_not_on_the_match_gets_a_404(client, proposal, stranger):
    client.force_login(stranger)
    assert client.get(detail(proposal)).status_code == 404
    assert client.post(reverse("matching:accept", args=[proposal.pk])).status_code == 404


def test_accept_is_post_only(client, proposal, provider_user):
    client.force_login(provider_user)
    assert client.get(reverse("matching:accept", args=[proposal.pk])).status_code == 405


def test_accept_button_accepts_and_redirects(client, proposal, provider_user):
    client.force_login(provider_user)
    response = client.post(reverse("matching:accept", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.ACCEPTED


def test_accepting_a_full_offer_shows_the_error_summary(client, proposal, provider_user, offer):
    offer.capacity_left = 0
    offer.save(update_fields=["capacity_left"])
    client.force_login(provider_user)
    response = client.post(reverse("matching:accept", args=[proposal.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "This offer is no longer available" in html


def test_declining_asks_for_a_reason(client, proposal, provider_user):
    client.force_login(provider_user)
    url = reverse("matching:decline", args=[proposal.pk])
    assert "Why are you declining?" in client.get(url).content.decode()
    response = client.post(url, {"reason": "other", "other": ""})
    assert response.status_code == 400
    assert "Enter the reason" in response.content.decode()
    response = client.post(url, {"reason": "other", "other": "Our van is broken"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.DECLINED
    assert proposal.close_reason == "Our van is broken"


def test_a_radio_reason_is_recorded_in_words(client, proposal, provider_user):
    client.force_login(provider_user)
    client.post(reverse("matching:decline", args=[proposal.pk]), {"reason": "too_far"})
    proposal.refresh_from_db()
    assert proposal.close_reason == "It is too far for us"


def test_the_whole_journey_through_the_pages(client, proposal, provider_user, resident_user):
    client.force_login(provider_user)
    client.post(reverse("matching:accept", args=[proposal.pk]))
    client.force_login(resident_user)
    client.post(reverse("matching:confirm", args=[proposal.pk]))
    client.post(reverse("matching:message", args=[proposal.pk]), {"body": "See you at 2pm?"})
    client.force_login(provider_user)
    assert "See you at 2pm?" in page(client, provider_user, detail(proposal))
    client.post(reverse("matching:done", args=[proposal.pk]))
    client.force_login(resident_user)
    client.post(reverse("matching:complete", args=[proposal.pk]))
    response = client.post(reverse("matching:review", args=[proposal.pk]), {"rating": "5", "comment": "Lovely"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.COMPLETED
    assert proposal.review.rating == 5
    assert Need.objects.get(pk=proposal.need_id).status == Need.Status.COMPLETED


def test_an_empty_message_shows_an_error(client, proposal, provider_user, resident_user):
    services.match_accept(match=proposal, user=provider_user)
    services.match_confirm(match=proposal, user=resident_user)
    client.force_login(resident_user)
    response = client.post(reverse("matching:message", args=[proposal.pk]), {"body": ""})
    assert response.status_code == 400
    assert "Enter a message" in response.content.decode()


def test_a_review_without_a_rating_shows_an_error(client, proposal, provider_user, resident_user):
    services.match_accept(match=proposal, user=provider_user)
    services.match_confirm(match=proposal, user=resident_user)
    services.match_mark_done(match=proposal, user=provider_user)
    services.match_complete(match=proposal, user=resident_user)
    client.force_login(resident_user)
    response = client.post(reverse("matching:review", args=[proposal.pk]), {"rating": ""})
    assert response.status_code == 400
    assert "Select a rating" in response.content.decode()


def test_the_dashboard_lists_proposals_to_answer_with_their_deadline(client, proposal, provider_user):
    html = page(client, provider_user, reverse("matching:dashboard"))
    assert "Requests to answer" in html
    assert detail(proposal) in html


def _many_proposals(count, resident, category, make_provider):
    offer, user = make_provider(capacity=count)
    for _ in range(count):
        MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
    return user


@pytest.mark.parametrize("side", ["provider", "resident"])
def test_the_dashboard_costs_the_same_queries_for_5_or_50_matches(
    client, resident, category, make_provider, django_assert_max_num_queries, side
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (5, 50):
        provider_user = _many_proposals(n, resident, category, make_provider)
        user = provider_user if side == "provider" else resident.user
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("matching:dashboard")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get(reverse("matching:dashboard"))
