"""No page or API list whose cost grows with a person's or a council's history (issue 11).

Each test serves the same page to someone with a short history and, after bulk
inserts, with a long one (10 vs 1,000 rows for a person; 2 vs 2,000 past matches
for `/matches/`; 10 vs 10,000 for the feed and the console's queues), and asserts
the same number of queries. Timings are measured in `benchmarks/bench_web.py`.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import ModerationFlag, SafeguardingConcern, TargetType
from matching.models import Match
from matching.tests.factories import MatchFactory
from platform_core.models import Notification, SafeguardingTier
from platform_core.pagination import PER_PAGE
from platform_core.tests.factories import NotificationFactory, ServiceCategoryFactory, UserFactory
from providers.models import Offer, ProviderMember, VerificationEvidence
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def measure(client, url: str, status: int = 200) -> tuple[int, int]:
    """(queries, bytes) one GET costs (after a first GET, so per-process warm-ups do not count)."""
    assert client.get(url).status_code == status
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return len(ctx), len(response.content)


def queries(client, url: str, status: int = 200) -> int:
    return measure(client, url, status)[0]


def same_cost(client, url: str, grow, small: int, large: int) -> None:
    """The same queries with `small` rows as with `large`, and a page that does not grow
    with the list: with `large` rows it weighs about what it weighs with a full page."""
    grow(small)
    before, _ = measure(client, url)
    full = max(small, PER_PAGE + 1)
    grow(full - small)
    _, full_size = measure(client, url)
    grow(large - full)
    after, large_size = measure(client, url)
    assert before == after, f"{url}: {before} queries with {small} rows, {after} with {large}"
    assert large_size < 2 * full_size, f"{url}: {full_size} bytes with {full} rows, {large_size} with {large}"


@pytest.fixture
def category(council):
    return ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN
    )


@pytest.fixture
def offer(provider, category):
    return OfferFactory(provider=provider, categories=[category], capacity=5)


def bulk_needs(resident, category, n: int, **fields) -> list[Need]:
    fields.setdefault("status", Need.Status.COMPLETED)
    return Need.objects.bulk_create(NeedFactory.build_batch(n, resident=resident, category=category, **fields))


def bulk_offers(provider, category, n: int, **fields) -> list[Offer]:
    offers = Offer.objects.bulk_create(
        OfferFactory.build_batch(n, provider=provider, council=provider.council, **fields)
    )
    Offer.categories.through.objects.bulk_create(
        [Offer.categories.through(offer_id=o.pk, servicecategory_id=category.pk) for o in offers]
    )
    return offers


def bulk_matches(offer, needs, status=Match.Status.COMPLETED, **traits) -> None:
    now = timezone.now()
    rows = []
    for i, need in enumerate(needs):
        match = MatchFactory.build(need=need, offer=offer, council=offer.council, status=status, **traits)
        match.proposed_at = now - timedelta(days=30, minutes=i)
        rows.append(match)
    Match.objects.bulk_create(rows)


# --- A provider ------------------------------------------------------------------------------------


def test_matches_first_page_costs_the_same_for_2_or_2000_past_matches(client, provider_user, offer, category, council):
    history = ResidentFactory(council=council)
    client.force_login(provider_user)
    current = MatchFactory(offer=offer, need=NeedFactory(resident=history, category=category))

    def grow(n):
        bulk_matches(offer, bulk_needs(history, category, n))

    same_cost(client, "/matches/", grow, 2, 2000)
    html = client.get("/matches/").content.decode()
    assert f"/matches/{current.pk}/" in html
    assert "Past requests" in html
    assert html.count("govuk-table__row") < 10  # the history is one click away, not on this page


def test_the_providers_count_to_answer_reads_proposals_only(provider_user, offer, category, council):
    """The /provider/ page's "N requests waiting for your answer": one query on the
    matches' own columns (no DISTINCT over joins), proposals of the user's providers
    only, whatever their history."""
    from matching.selectors import match_count_to_answer_for_provider_user

    history = ResidentFactory(council=council)
    MatchFactory(offer=offer, need=NeedFactory(resident=history, category=category))
    MatchFactory(offer=OfferFactory(categories=[category]), need=NeedFactory(resident=history, category=category))
    bulk_matches(offer, bulk_needs(history, category, 200))
    assert provider_user.provider_ids == [offer.provider_id]  # read once per request, the header asks it too
    with CaptureQueriesContext(connection) as ctx:
        assert match_count_to_answer_for_provider_user(user=provider_user) == 1
    assert len(ctx) == 1
    assert "DISTINCT" not in ctx.captured_queries[0]["sql"].upper()
    assert "JOIN" not in ctx.captured_queries[0]["sql"].upper()


def test_the_provider_page_costs_the_same_for_2_or_2000_past_matches(client, provider_user, offer, category, council):
    history = ResidentFactory(council=council)
    client.force_login(provider_user)
    MatchFactory(offer=offer, need=NeedFactory(resident=history, category=category))

    def grow(n):
        bulk_matches(offer, bulk_needs(history, category, n))

    same_cost(client, "/provider/", grow, 2, 2000)
    assert "1 request waiting for your answer" in client.get("/provider/").content.decode()


def test_past_matches_are_paged_without_counting_them(client, provider_user, offer, category, council):
    history = ResidentFactory(council=council)
    client.force_login(provider_user)

    def grow(n):
        bulk_matches(offer, bulk_needs(history, category, n))

    same_cost(client, "/matches/?past=provider", grow, 2, 2000)
    html = client.get("/matches/?past=provider&page=3").content.decode()
    assert "Page 3" in html and 'rel="next"' in html and 'rel="prev"' in html


def test_current_matches_are_paged_too(client, provider_user, category, council, provider):
    history = ResidentFactory(council=council)
    offer = OfferFactory(provider=provider, categories=[category], capacity=1000)
    client.force_login(provider_user)

    def grow(n):
        bulk_matches(offer, bulk_needs(history, category, n, status=Need.Status.PROPOSED), status=Match.Status.PROPOSED)

    same_cost(client, "/matches/", grow, 10, 1000)


def test_the_providers_offers_page_costs_the_same_for_10_or_1000_offers(client, provider_user, provider, category):
    client.force_login(provider_user)
    same_cost(client, "/provider/", lambda n: bulk_offers(provider, category, n), 10, 1000)


def test_the_offers_api_costs_the_same_for_10_or_1000_offers(provider_user, provider, category):
    api = APIClient()
    api.force_authenticate(provider_user)
    same_cost(api, "/api/v1/offers/", lambda n: bulk_offers(provider, category, n), 10, 1000)


def test_the_matches_api_costs_the_same_for_10_or_1000_matches(provider_user, offer, category, council):
    history = ResidentFactory(council=council)
    api = APIClient()
    api.force_authenticate(provider_user)
    same_cost(api, "/api/v1/matches/", lambda n: bulk_matches(offer, bulk_needs(history, category, n)), 10, 1000)


def add_members(provider, n: int) -> None:
    """n more members of the provider (growing a list for same_cost)."""
    ProviderMember.objects.bulk_create([ProviderMember(provider=provider, user=u) for u in UserFactory.create_batch(n)])


def add_evidence(provider, n: int) -> None:
    VerificationEvidence.objects.bulk_create(EvidenceFactory.build_batch(n, provider=provider))


def test_members_and_evidence_cost_the_same_for_10_or_1000(client, provider_user, provider):
    client.force_login(provider_user)

    members = partial(add_members, provider)
    evidence = partial(add_evidence, provider)

    same_cost(client, f"/provider/{provider.pk}/members/", members, 10, 1000)
    same_cost(client, f"/provider/{provider.pk}/verification/", evidence, 10, 1000)
    api = APIClient()
    api.force_authenticate(provider_user)
    assert queries(api, f"/api/v1/providers/{provider.pk}/members/") == queries(
        api, f"/api/v1/providers/{provider.pk}/members/"
    )


# --- A resident ------------------------------------------------------------------------------------


def test_home_visit_proposals_naming_members_cost_the_same_for_10_or_1000(client, provider_user, provider, council):
    """Vetting per person (ADR 0023): DBS-tier proposals, some accepted naming a member,
    cost the provider's list and API the same however many; so does a member's checks page."""
    visits = ServiceCategoryFactory(council=council, slug="home-visits", safeguarding_tier=SafeguardingTier.DBS_CHECKED)
    offer = OfferFactory(provider=provider, categories=[visits], capacity=1000)
    member = ProviderMember.objects.get(provider=provider, user=provider_user)
    history = ResidentFactory(council=council)
    client.force_login(provider_user)

    def grow(n):
        needs = bulk_needs(history, visits, n, status=Need.Status.PROPOSED)
        half = n // 2
        bulk_matches(offer, needs[:half], status=Match.Status.PROPOSED)
        bulk_matches(offer, needs[half:], status=Match.Status.ACCEPTED, attending_member=member)

    same_cost(client, "/matches/", grow, 10, 1000)
    api = APIClient()
    api.force_authenticate(provider_user)
    same_cost(api, "/api/v1/matches/", grow, 10, 1000)

    def checks(n):
        VerificationEvidence.objects.bulk_create(
            EvidenceFactory.build_batch(n, provider=provider, member=member, kind="dbs", status="accepted")
        )

    same_cost(client, f"/provider/{provider.pk}/members/{member.pk}/checks/", checks, 10, 1000)


def test_a_residents_matches_first_page_costs_the_same_for_2_or_2000_past_matches(client, resident, category, offer):
    client.force_login(resident.user)
    current = MatchFactory(offer=offer, need=NeedFactory(resident=resident, category=category))

    def grow(n):
        bulk_matches(offer, bulk_needs(resident, category, n))

    same_cost(client, "/matches/", grow, 2, 2000)
    same_cost(client, "/matches/?past=resident", grow, 2, 2000)
    html = client.get("/matches/").content.decode()
    assert f"/matches/{current.pk}/" in html
    assert html.count("govuk-table__row") < 10


def test_the_residents_pages_cost_the_same_for_10_or_1000_needs(client, resident, category, offer):
    client.force_login(resident.user)

    def grow(n):
        bulk_matches(offer, bulk_needs(resident, category, n))

    same_cost(client, "/resident/", grow, 10, 1000)
    same_cost(client, "/matches/", grow, 10, 1000)
    api = APIClient()
    api.force_authenticate(resident.user)
    same_cost(api, "/api/v1/needs/", grow, 10, 1000)


def test_the_residents_page_costs_seven_queries_and_counts_nothing(client, resident, category, offer):
    """/resident/: the user, their resident profile, a page of needs (no count of them
    all), the draft to continue, the council and memberships for the header, and one
    query for the matches waiting on someone (counts and labels together)."""
    client.force_login(resident.user)
    bulk_matches(offer, bulk_needs(resident, category, 30))
    waiting = MatchFactory(offer=offer, need=NeedFactory(resident=resident, category=category), accepted=True)
    client.get("/resident/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/resident/").content.decode()
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len(sqls) <= 7, sqls
    assert not any("COUNT(" in sql for sql in sqls), sqls
    assert "1 helper said yes and is waiting for you to confirm" in html
    assert html.count("A helper said yes: confirm") == 1 and waiting.need.reference in html


def test_notifications_cost_the_same_for_10_or_1000(client, resident):
    client.force_login(resident.user)

    def grow(n):
        Notification.objects.bulk_create(NotificationFactory.build_batch(n, user=resident.user))

    same_cost(client, "/notifications/", grow, 10, 1000)
    html = client.get("/notifications/").content.decode()
    assert 'rel="next"' in html


# --- The feed and the console ----------------------------------------------------------------------


def test_the_open_referral_feed_costs_the_same_for_10_or_10000_offers(client, provider, category):
    def grow(n):
        bulk_offers(provider, category, n)
        cache.clear()  # the feed's count is cached for a minute, like its pages

    same_cost(client, "/openreferral/services?per_page=20", grow, 10, 10000)
    first = queries(client, "/openreferral/services?per_page=20")
    assert queries(client, "/openreferral/services?per_page=20&page=200") == first
    page = client.get("/openreferral/services?per_page=20&page=200").json()
    assert (page["page_number"], page["size"], page["total_items"]) == (200, 20, 10000)


def test_walking_the_feed_page_by_page_gives_every_offer_once(client, provider, category):
    offers = bulk_offers(provider, category, 95)
    seen = []
    for number in range(1, 6):
        page = client.get(f"/openreferral/services?per_page=20&page={number}").json()
        seen += [s["id"] for s in page["contents"]]
        assert page["last_page"] == (number == 5)
    assert len(seen) == len(set(seen)) == 95 + 0 * len(offers)
    # A jump straight to a page (no previous page served) reads the same rows.
    cache.clear()
    jumped = client.get("/openreferral/services?per_page=20&page=3").json()["contents"]
    assert [s["id"] for s in jumped] == seen[40:60]


def test_the_console_queues_cost_the_same_for_10_or_10000(officer_client, council, category):
    provider = ProviderFactory(council=council)
    resident = ResidentFactory(council=council)

    def grow(n):
        VerificationEvidence.objects.bulk_create(EvidenceFactory.build_batch(n, provider=provider))
        bulk_offers(provider, category, n, status=Offer.Status.PENDING_REVIEW)
        needs = bulk_needs(resident, category, n, status=Need.Status.OPEN)
        ModerationFlag.objects.bulk_create(
            [
                ModerationFlag(council=council, target_type=TargetType.NEED, target_id=need.pk, cause="phone")
                for need in needs
            ]
        )

    same_cost(officer_client, "/console/verification/", grow, 10, 10000)
    for url in ("/console/", "/console/moderation/", "/console/safeguarding/"):
        assert queries(officer_client, url) == queries(officer_client, url)


def test_the_concern_queue_costs_the_same_for_10_or_1000(officer_client, council, offer, category):
    from marketplace.tests.factories import SafeguardingConcernFactory

    concern = SafeguardingConcernFactory(match=MatchFactory(offer=offer, confirmed=True))

    def grow(n):
        SafeguardingConcern.objects.bulk_create(
            [
                SafeguardingConcern(
                    council=council,
                    provider=concern.provider,
                    match=concern.match,
                    raised_by=concern.raised_by,
                    raised_as=concern.raised_as,
                    description="Another concern",
                )
                for _ in range(n)
            ]
        )

    same_cost(officer_client, "/console/safeguarding/", grow, 10, 1000)


def test_the_analytics_page_computes_its_live_figures_once_a_minute(officer_client, council):
    """A reload costs a few small queries (the session's user, the filter's choices);
    the figures are computed once a minute per council and filter (issue 11)."""
    url = "/console/analytics/"
    with CaptureQueriesContext(connection) as first:
        assert officer_client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert officer_client.get(url).status_code == 200
    assert len(again) <= 5 < len(first), [q["sql"][:120] for q in again.captured_queries]
    with CaptureQueriesContext(connection) as other_filter:
        assert officer_client.get(url, {"district": "KT1"}).status_code == 200
    assert len(other_filter) == len(first)


# --- The API's long lists: keyset (cursor) pages, no count, no OFFSET --------------------------------


def walk(api, url: str) -> tuple[list[int], set[int]]:
    """Every id of a keyset-paged list, following `next`; and the query counts of its pages."""
    ids, costs = [], set()
    while url:
        with CaptureQueriesContext(connection) as ctx:
            body = api.get(url).json()
        costs.add(len(ctx))
        assert set(body) == {"next", "results"}, body
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids, costs


def test_the_providers_api_lists_cost_the_same_for_10_or_1000_rows(provider_user, provider, category):
    api = APIClient()
    api.force_authenticate(provider_user)

    members = partial(add_members, provider)
    evidence = partial(add_evidence, provider)

    same_cost(api, f"/api/v1/providers/{provider.pk}/members/", members, 10, 1000)
    same_cost(api, f"/api/v1/providers/{provider.pk}/evidence/", evidence, 10, 1000)


def test_walking_the_api_lists_by_cursor_gives_every_row_once_at_the_same_cost(provider_user, provider, category):
    api = APIClient()
    api.force_authenticate(provider_user)
    offers = bulk_offers(provider, category, 95)
    VerificationEvidence.objects.bulk_create(EvidenceFactory.build_batch(45, provider=provider))
    users = UserFactory.create_batch(44)
    ProviderMember.objects.bulk_create([ProviderMember(provider=provider, user=u) for u in users])
    for url, expected in (
        ("/api/v1/offers/?page_size=10", [o.pk for o in sorted(offers, key=lambda o: (o.created_at, o.pk))][::-1]),
        (f"/api/v1/providers/{provider.pk}/evidence/?page_size=10", None),
        (f"/api/v1/providers/{provider.pk}/members/?page_size=10", None),
    ):
        ids, costs = walk(api, url)
        assert len(ids) == len(set(ids)) >= 45, url
        assert len(costs) == 1, (url, costs)  # the last page costs what the first does
        if expected is not None:
            assert ids == expected


def test_a_bad_cursor_is_a_400_with_a_clear_message(provider_user):
    api = APIClient()
    api.force_authenticate(provider_user)
    response = api.get("/api/v1/offers/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_the_console_queue_apis_cost_the_same_for_10_or_10000(officer_client, council, category, offer):
    from marketplace.tests.factories import SafeguardingConcernFactory

    api = officer_client  # the console's API asks for the second factor: a real sign-in
    provider = ProviderFactory(council=council)
    concern = SafeguardingConcernFactory(match=MatchFactory(offer=offer, confirmed=True))

    def grow(n):
        VerificationEvidence.objects.bulk_create(EvidenceFactory.build_batch(n, provider=provider))
        SafeguardingConcern.objects.bulk_create(
            [
                SafeguardingConcern(
                    council=council,
                    provider=concern.provider,
                    match=concern.match,
                    raised_by=concern.raised_by,
                    raised_as=concern.raised_as,
                    description="Another concern",
                )
                for _ in range(n)
            ]
        )

    grow(10)
    small = {url: measure(api, url)[0] for url in ("/api/v1/console/verification/", "/api/v1/console/concerns/")}
    grow(10_000 - 10)
    for url, before in small.items():
        assert measure(api, url)[0] == before, url
        body = api.get(url).json()
        assert len(body["results"]) == 20 and body["next"], url
        assert api.get(body["next"]).status_code == 200
