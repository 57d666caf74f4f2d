"""'Never match me with this provider again' (issue 9, item 1): a hard constraint
in every later batch, from a match, a review or a concern, undone by the
resident, seen and added by an officer (audited), never shown to the provider;
continuity only after a good last visit."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.services.safeguarding import concern_raise
from matching.models import Exclusion, Match
from matching.runner import match_council_run
from matching.services import exclusions
from platform_core.models import AuditEvent, Notification
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

from .factories import MatchFactory, ReviewFactory

pytestmark = pytest.mark.django_db

NEAR = {"latitude": 51.4060, "longitude": -0.3000}  # about 0.5 km from the resident (KT1 1EU)


def run(council):
    return match_council_run(council_id=council.pk, trigger="test")


def proposed_offer(need):
    match = Match.objects.filter(need=need, status=Match.Status.PROPOSED).first()
    return match.offer if match else None


@pytest.fixture
def helped_before(resident, category, offer):
    """The resident's last help in this category came from `offer` (the root `provider`)."""
    return MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer, completed=True)


@pytest.fixture
def other_offer(council, category):
    provider = ProviderFactory(council=council, name="Second Helpers")
    ProviderMemberFactory(provider=provider)
    return OfferFactory(provider=provider, categories=[category], capacity=3, **NEAR)


def test_a_good_last_visit_brings_the_helper_back_as_continuity(council, resident, category, helped_before, offer):
    ReviewFactory(match=helped_before, rating=5)
    need = NeedFactory(resident=resident, category=category)
    run(council)
    match = Match.objects.get(need=need)
    assert match.offer == offer
    assert "helped you before" in match.explanation


def test_after_a_one_star_review_the_helper_is_not_proposed_while_another_can_help(
    council, resident, category, helped_before, offer, other_offer
):
    ReviewFactory(match=helped_before, rating=1, comment="Rude, never again")
    need = NeedFactory(resident=resident, category=category)
    run(council)
    match = Match.objects.get(need=need)
    assert match.offer == other_offer
    assert "helped you before" not in match.explanation


def test_a_badly_reviewed_helper_is_never_explained_as_helped_you_before(
    council, resident, category, helped_before, offer
):
    ReviewFactory(match=helped_before, rating=2)
    need = NeedFactory(resident=resident, category=category)
    run(council)
    match = Match.objects.get(need=need)  # the only helper: proposed, but without the continuity bonus
    assert match.terms.get("continuity", 0) == 0
    assert "helped you before" not in match.explanation


def test_a_concern_about_the_last_visit_removes_continuity(council, resident, category, helped_before, provider_user):
    concern_raise(user=provider_user, match=helped_before, description="The resident seemed frightened.")
    need = NeedFactory(resident=resident, category=category)
    run(council)
    assert "helped you before" not in Match.objects.get(need=need).explanation


def test_an_excluded_provider_is_never_proposed_for_any_later_need(client, council, resident, category, helped_before):
    ReviewFactory(match=helped_before, rating=1)
    client.force_login(resident.user)
    response = client.post(reverse("matching:exclude", args=[helped_before.pk]))
    assert response.status_code == 302
    needs = [NeedFactory(resident=resident, category=category) for _ in range(3)]
    run(council)
    assert not Match.objects.filter(need__in=needs).exists()  # their only provider is excluded: no proposal


def test_excluding_from_a_review_keeps_the_provider_away(client, council, resident, category, helped_before):
    client.force_login(resident.user)
    response = client.post(
        reverse("matching:review", args=[helped_before.pk]), {"rating": 1, "comment": "Rude", "exclude": "on"}
    )
    assert response.status_code == 302
    exclusion = Exclusion.objects.get(resident=resident)
    assert exclusion.source == Exclusion.Source.REVIEW
    need = NeedFactory(resident=resident, category=category)
    run(council)
    assert proposed_offer(need) is None


def test_undoing_an_exclusion_lets_the_provider_be_proposed_again(client, council, resident, category, helped_before):
    exclusions.exclusion_add(match=helped_before, user=resident.user)
    need = NeedFactory(resident=resident, category=category)
    run(council)
    assert proposed_offer(need) is None
    client.force_login(resident.user)
    page = client.get(reverse("matching:exclusions")).content.decode()
    assert "Kingston Helpers" in page
    exclusion = Exclusion.objects.get(resident=resident)
    assert client.post(reverse("matching:exclusion_remove", args=[exclusion.pk])).status_code == 302
    run(council)
    assert proposed_offer(need) == helped_before.offer


def test_excluding_a_provider_during_a_proposal_declines_it_without_a_word_of_why(
    client, resident, proposal, provider_user
):
    client.force_login(resident.user)
    client.post(reverse("matching:exclude", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.DECLINED
    assert Need.objects.get(pk=proposal.need_id).status == Need.Status.OPEN
    for notice in Notification.objects.filter(user=provider_user):
        assert "exclu" not in notice.message.lower() and "again" not in notice.message.lower()


def test_a_residents_safeguarding_concern_excludes_the_provider_for_them(council, resident, category, helped_before):
    concern_raise(user=resident.user, match=helped_before, description="He shouted at me in my kitchen.")
    exclusion = Exclusion.objects.get(resident=resident, provider=helped_before.offer.provider)
    assert exclusion.source == Exclusion.Source.CONCERN
    need = NeedFactory(resident=resident, category=category)
    run(council)
    assert proposed_offer(need) is None


def test_another_resident_cannot_see_or_undo_an_exclusion(client, resident, helped_before, kingston_postcodes):
    exclusion = exclusions.exclusion_add(match=helped_before, user=resident.user)
    stranger = ResidentFactory(council=resident.council)
    client.force_login(stranger.user)
    assert "Kingston Helpers" not in client.get(reverse("matching:exclusions")).content.decode()
    assert client.post(reverse("matching:exclusion_remove", args=[exclusion.pk])).status_code == 404
    assert client.post(reverse("matching:exclude", args=[helped_before.pk])).status_code == 404
    assert Exclusion.objects.filter(pk=exclusion.pk).exists()


def test_the_providers_pages_and_api_show_no_trace_of_an_exclusion(client, resident, helped_before, provider_user):
    exclusions.exclusion_add(match=helped_before, user=resident.user)
    client.force_login(provider_user)
    pages = [
        reverse("matching:detail", args=[helped_before.pk]),
        reverse("matching:dashboard"),
        reverse("providers:dashboard"),
        reverse("notifications"),
        "/api/v1/matches/",
        f"/api/v1/matches/{helped_before.pk}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode().lower()
        for word in ("exclu", "do not match", "never match", "not want"):
            assert word not in body, (url, word)
    assert client.get(reverse("matching:exclusions")).content.decode().count("Kingston Helpers") == 0


def test_an_officer_sees_a_residents_exclusions_in_the_audited_record(officer_client, officer, resident, helped_before):
    exclusions.exclusion_add(match=helped_before, user=resident.user)
    response = officer_client.post(
        reverse("marketplace:resident_detail", args=[resident.pk]), {"reason": "Resident phoned about a helper"}
    )
    html = response.content.decode()
    assert "Kingston Helpers" in html and 'id="exclusions"' in html
    assert AuditEvent.objects.filter(actor=officer, action="personal_data.viewed").exists()


def test_an_officer_adds_an_exclusion_with_a_reason_and_it_is_audited(officer_client, officer, resident, provider):
    url = reverse("marketplace:resident_exclusion_add", args=[resident.pk])
    assert officer_client.get(url).status_code == 200
    refused = officer_client.post(url, {"provider": provider.pk, "reason": ""})
    assert refused.status_code == 400
    assert "Give the reason for this exclusion" in refused.content.decode()
    response = officer_client.post(url, {"provider": provider.pk, "reason": "Resident asked on the phone"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get(resident=resident, provider=provider)
    assert (exclusion.source, exclusion.reason, exclusion.created_by) == (
        Exclusion.Source.OFFICER,
        "Resident asked on the phone",
        officer,
    )
    event = AuditEvent.objects.get(action="matching.exclusion_add")
    assert event.actor == officer and event.reason == "Resident asked on the phone"


def test_an_officer_of_another_council_cannot_add_one(client, other_officer, resident, provider):
    from platform_core.tests.two_factor import sign_in_with_two_factor

    sign_in_with_two_factor(client, other_officer)
    url = reverse("marketplace:resident_exclusion_add", args=[resident.pk])
    assert client.post(url, {"provider": provider.pk, "reason": "x"}).status_code == 404
    assert not Exclusion.objects.exists()


# --- The property: no assignment ever joins an excluded pair, at the runner level -------------------------

OFFSETS = st.tuples(st.floats(-0.03, 0.03), st.floats(-0.03, 0.03))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    residents=st.integers(1, 4),
    providers=st.lists(st.tuples(OFFSETS, st.integers(1, 3)), min_size=1, max_size=4),
    needs=st.lists(st.tuples(st.integers(0, 3), OFFSETS), min_size=1, max_size=8),
    excluded=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=8),
    own=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=3),
)
def test_no_batch_ever_proposes_an_excluded_pair(council, category, residents, providers, needs, excluded, own):
    with transaction.atomic():
        people = [ResidentFactory(council=council) for _ in range(residents)]
        firms = []
        for (dlat, dlon), capacity in providers:
            firm = ProviderFactory(council=council)
            OfferFactory(
                provider=firm,
                categories=[category],
                capacity=capacity,
                latitude=51.4077 + dlat,
                longitude=-0.3059 + dlon,
                radius_km=10,
            )
            firms.append(firm)
        for r, p in excluded:
            if r < len(people) and p < len(firms):
                Exclusion.objects.get_or_create(resident=people[r], provider=firms[p], source=Exclusion.Source.MATCH)
        for r, p in own:
            if r < len(people) and p < len(firms):
                ProviderMemberFactory(provider=firms[p], user=people[r].user)
        for r, (dlat, dlon) in needs:
            person = people[r % len(people)]
            NeedFactory(resident=person, category=category, latitude=51.4077 + dlat, longitude=-0.3059 + dlon)

        run(council)

        forbidden = set(Exclusion.objects.values_list("resident_id", "provider_id"))
        forbidden |= {(p.pk, m.provider_id) for p in people for m in p.user.provider_memberships.all()}
        proposed = set(Match.objects.values_list("need__resident_id", "offer__provider_id"))
        assert not proposed & forbidden
        transaction.set_rollback(True)
