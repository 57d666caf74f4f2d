"""A matching batch end to end, from rows to proposals: every hard constraint,
idempotence, the lock, atomicity, and the cascade after a decline or expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from matching import services, tasks
from matching.models import Match, MatchRun
from matching.runner import match_council_run
from platform_core.models import MarketRule, Notification, SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory
from providers.models import Provider
from residents.models import Need
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db

# Real Kingston points (OS Code-Point Open).
KT1_2PT = {"postcode": "KT1 2PT", "latitude": 51.405436, "longitude": -0.295395}  # 0.8 km from the resident
KT3_4PH = {"postcode": "KT3 4PH", "latitude": 51.399512, "longitude": -0.259079}  # 3.4 km
KT9_1AA = {"postcode": "KT9 1AA", "latitude": 51.363283, "longitude": -0.309002}  # 5.0 km


def run(council) -> MatchRun:
    return match_council_run(council_id=council.pk, trigger="test")


def proposals(need) -> list[Match]:
    return list(Match.objects.filter(need=need, status=Match.Status.PROPOSED))


def test_an_open_need_is_proposed_to_a_nearby_offer_with_an_explanation(council, need, offer, provider_user):
    result = run(council)

    [match] = proposals(need)
    assert match.offer == offer
    assert match.run == result
    assert 0.5 < match.distance_km < 1.2
    assert match.explanation.startswith(f"{match.distance_km:.1f} km away")
    assert "available" in match.explanation
    assert match.terms and match.score == pytest.approx(sum(match.terms.values()), abs=1e-3)
    assert match.respond_by == pytest.approx(timezone.now() + timedelta(hours=24), abs=timedelta(minutes=1))
    assert Need.objects.get(pk=need.pk).status == Need.Status.PROPOSED
    assert Notification.objects.filter(user=provider_user, url=f"/matches/{match.pk}/").exists()


def test_a_run_is_recorded_with_its_figures(council, need, offer):
    result = run(council)
    result.refresh_from_db()
    assert result.status == MatchRun.Status.FINISHED
    assert (result.needs, result.offers, result.matched) == (1, 1, 1)
    assert result.candidate_pairs >= 1
    assert result.objective > 0
    assert result.finished_at is not None
    assert result.certified is True  # the engine proved nobody else could be served


def test_running_twice_proposes_nothing_new(council, need, offer):
    run(council)
    second = run(council)
    assert second.matched == 0
    assert Match.objects.count() == 1


def test_an_offer_for_another_category_is_never_proposed(council, need, make_provider):
    make_provider(categories=[ServiceCategoryFactory(council=council)])
    run(council)
    assert proposals(need) == []


@pytest.mark.parametrize(
    ("tier", "clearance", "proposed"),
    [
        (SafeguardingTier.DBS_CHECKED, SafeguardingTier.ID_CHECKED, False),
        (SafeguardingTier.DBS_CHECKED, SafeguardingTier.DBS_CHECKED, True),
        (SafeguardingTier.REGULATED_CARE, SafeguardingTier.DBS_CHECKED, False),
        (SafeguardingTier.REGULATED_CARE, SafeguardingTier.REGULATED_CARE, True),
        (SafeguardingTier.OPEN, "", False),
    ],
)
def test_a_provider_serves_a_category_only_if_cleared_for_its_tier(
    council, resident, make_provider, tier, clearance, proposed
):
    category = ServiceCategoryFactory(council=council, safeguarding_tier=tier)
    need = NeedFactory(resident=resident, category=category)
    offer, _ = make_provider(categories=[category])
    Provider.objects.filter(pk=offer.provider_id).update(clearance=clearance)
    run(council)
    assert bool(proposals(need)) is proposed


def test_a_suspended_or_unverified_provider_is_never_proposed(council, need, make_provider):
    suspended, _ = make_provider()
    Provider.objects.filter(pk=suspended.provider_id).update(is_suspended=True)
    unverified, _ = make_provider()
    Provider.objects.filter(pk=unverified.provider_id).update(verification_status=Provider.Verification.SUBMITTED)
    run(council)
    assert proposals(need) == []


def test_an_offer_whose_radius_does_not_reach_the_need_is_never_proposed(council, need, make_provider):
    make_provider(radius_km=4, **KT9_1AA)
    run(council)
    assert proposals(need) == []


def test_the_councils_maximum_distance_caps_a_generous_radius(council, need, make_provider):
    MarketRule.objects.filter(council=council).update(max_distance_km=3)
    make_provider(radius_km=20, **KT3_4PH)
    run(council)
    assert proposals(need) == []


def test_open_proposals_hold_capacity_until_answered(council, resident, category, offer):
    first = NeedFactory(resident=resident, category=category)
    MatchFactory(need=first, offer=offer)
    second = NeedFactory(resident=resident, category=category)
    run(council)
    assert proposals(second) == []
    offer.refresh_from_db()
    assert offer.capacity_left == 1  # proposals do not take capacity; accepting does


def test_an_offer_with_room_left_takes_another_proposal(council, resident, category, make_provider):
    offer, _ = make_provider(capacity=2)
    MatchFactory(need=NeedFactory(resident=resident, category=category), offer=offer)
    second = NeedFactory(resident=resident, category=category)
    run(council)
    assert [m.offer_id for m in proposals(second)] == [offer.pk]


def test_a_volunteer_holds_at_most_the_councils_number_of_open_proposals(council, resident, category, make_provider):
    MarketRule.objects.filter(council=council).update(max_open_proposals_volunteer=2)
    make_provider(kind=Provider.Kind.VOLUNTEER, capacity=5)
    make_provider(kind=Provider.Kind.VOLUNTEER, capacity=5)  # a second volunteer, also capped at 2
    needs = [NeedFactory(resident=resident, category=category) for _ in range(6)]
    run(council)
    per_provider = {}
    for m in Match.objects.filter(need__in=needs):
        per_provider[m.offer.provider_id] = per_provider.get(m.offer.provider_id, 0) + 1
    assert sorted(per_provider.values()) == [2, 2]


def test_a_volunteer_with_two_offers_is_capped_across_both(council, resident, category, make_provider):
    MarketRule.objects.filter(council=council).update(max_open_proposals_volunteer=1)
    offer, _ = make_provider(kind=Provider.Kind.VOLUNTEER, capacity=3)
    from providers.tests.factories import OfferFactory

    OfferFactory(provider=offer.provider, categories=[category], capacity=3)
    needs = [NeedFactory(resident=resident, category=category) for _ in range(3)]
    run(council)
    assert Match.objects.filter(need__in=needs).count() == 1


def test_decline_cascades_to_the_next_best_offer_and_never_back(council, need, make_provider):
    near, near_user = make_provider(**KT1_2PT)
    far, far_user = make_provider(**KT3_4PH)

    run(council)
    [first] = proposals(need)
    assert first.offer == near

    services.match_decline(match=first, user=near_user, reason="No one free")
    run(council)
    [second] = proposals(need)
    assert second.offer == far

    services.match_decline(match=second, user=far_user, reason="Too far")
    run(council)
    assert proposals(need) == []
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    assert Match.objects.filter(need=need, offer=near).count() == 1


def test_expiry_cascades_to_the_next_best_offer(council, need, make_provider):
    near, _ = make_provider(**KT1_2PT)
    far, _ = make_provider(**KT3_4PH)
    run(council)
    [first] = proposals(need)
    assert first.offer == near

    services.match_expire_overdue(now=first.respond_by + timedelta(seconds=1))
    run(council)
    [second] = proposals(need)
    assert second.offer == far
    first.refresh_from_db()
    assert first.status == Match.Status.EXPIRED


def test_a_run_that_crashes_leaves_no_half_written_proposals(council, need, offer, monkeypatch):
    from matching import runner

    def explode(*args, **kwargs):
        raise RuntimeError("worker lost mid-write")

    monkeypatch.setattr(runner, "_notify", explode)
    with pytest.raises(RuntimeError):
        run(council)
    assert Match.objects.count() == 0
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    failed = MatchRun.objects.get()
    assert failed.status == MatchRun.Status.FAILED
    assert "worker lost" in failed.error


def test_a_need_cancelled_during_the_solve_is_not_proposed(council, need, offer, monkeypatch):
    import matching.engine

    real_solve = matching.engine.solve

    def solve_while_resident_cancels(*args, **kwargs):
        Need.objects.filter(pk=need.pk).update(status=Need.Status.CANCELLED)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(matching.engine, "solve", solve_while_resident_cancels)
    result = run(council)
    assert result.matched == 0
    assert Match.objects.count() == 0
    assert Need.objects.get(pk=need.pk).status == Need.Status.CANCELLED


def test_a_run_while_another_holds_the_councils_lock_is_skipped(council, need, offer, settings):
    if settings.USING_POSTGRES:
        pytest.skip("the advisory lock is covered by test_lock_postgres")
    cache.add(f"matching:lock:{council.pk}", 1, timeout=60)
    result = run(council)
    assert result.status == MatchRun.Status.SKIPPED
    assert Match.objects.count() == 0


def test_the_sweep_gives_every_council_with_open_needs_its_own_batch_task(
    council, need, offer, other_council, tasks_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.match_sweep_task() == 1  # one council has open needs
    assert tasks_inline == ["matching.tasks.match_council_task"]
    assert len(proposals(need)) == 1
    run_row = MatchRun.objects.get(council=council)
    assert run_row.trigger == "sweep" and run_row.worker  # which process ran it
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.match_sweep_task() == 0


def test_a_sweep_never_waits_for_a_council_another_run_holds(council, need, offer, monkeypatch):
    calls = []

    def busy(*, council_id, trigger):
        calls.append(trigger)
        return MatchRun(council_id=council_id, status=MatchRun.Status.SKIPPED, trigger=trigger)

    monkeypatch.setattr(tasks, "match_council_run", busy)
    assert tasks.match_council_task(council.pk, "sweep") == 0
    assert calls == ["sweep"]


def test_the_council_task_is_safe_to_run_twice(council, need, offer):
    assert tasks.match_council_task(council.pk) == 1
    assert tasks.match_council_task(council.pk) == 0


def test_a_starting_run_lets_the_next_change_queue_another(council, monkeypatch, django_capture_on_commit_callbacks):
    from platform_core import services as core

    sent = []
    monkeypatch.setattr(core, "send_task_safely", lambda name, *args: sent.append(args) or True)
    with django_capture_on_commit_callbacks(execute=True):
        core.market_changed(council_id=council.pk)
    tasks.match_council_task(council.pk)
    with django_capture_on_commit_callbacks(execute=True):
        core.market_changed(council_id=council.pk)
    assert sent == [(council.pk,), (council.pk,)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lock_postgres_a_second_worker_skips_while_the_first_holds_the_council(council, need, offer):
    """Another connection holds the council's advisory lock: this run writes nothing."""
    import threading

    from django.db import connection, transaction

    from matching.runner import council_lock

    held, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic(), council_lock(council.pk) as acquired:
                assert acquired
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(timeout=10)
        result = run(council)
        assert result.status == MatchRun.Status.SKIPPED
        assert Match.objects.count() == 0
    finally:
        release.set()
        thread.join()
    assert run(council).matched == 1  # released at COMMIT: the next run proceeds
