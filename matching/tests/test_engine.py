"""Tests of the pure matching engine (no database, no Django).

Hard constraints are checked on hand-built cases and, independently of the
engine's own code, on every result; optimality is checked against a dense
``scipy.optimize.linear_sum_assignment`` over capacity slots.
"""

from __future__ import annotations

import json
import math
import uuid
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching import bench
from matching.engine import (
    DEFAULT_WEIGHTS,
    NeedInput,
    OfferInput,
    Policy,
    all_feasible_pairs,
    best_offer_for,
    build_candidates,
    pricing,
    solve,
    solve_arrays,
    solving,
)
from matching.engine.certificate import certify_and_grow
from matching.engine.instance import (
    generate_clustered_instance,
    generate_instance,
    instance_from_json,
    instance_to_json,
)
from matching.engine.score import pair_scores, solver_costs
from matching.engine.solvers import min_cost_flow
from matching.engine.solving import _to_arrays

LAT, LON = 51.41, -0.30
KM_LAT = 1 / 111.32  # degrees of latitude per km


def north(km: float) -> float:
    """A latitude ``km`` north of the test centre."""
    return LAT + km * KM_LAT


def need(nid: int = 1, km: float = 0.0, category: str = "shopping", **kw: object) -> NeedInput:
    return NeedInput(id=nid, lat=north(km), lon=LON, category=category, **kw)  # type: ignore[arg-type]


def offer(oid: int = 10, km: float = 0.5, categories: tuple[str, ...] = ("shopping",), **kw: object) -> OfferInput:
    kw.setdefault("radius_km", 3.0)
    return OfferInput(id=oid, lat=north(km), lon=LON, categories=frozenset(categories), **kw)  # type: ignore[arg-type]


def haversine(a: NeedInput, b: OfferInput) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


def feasible(n: NeedInput, o: OfferInput, policy: Policy, excluded: set[tuple[int, int]]) -> bool:
    """Hard constraints written out again, independently of the engine."""
    if n.category not in o.categories or o.capacity <= 0 or (n.id, o.id) in excluded:
        return False
    if o.provider is not None and o.provider in n.excluded_providers:
        return False
    tier = policy.safeguarding_tiers.get(n.category, 0)
    if tier > 0 and o.clearance_tier < tier and n.category not in o.cleared_categories:
        return False
    d = haversine(n, o)
    if d > o.radius_km + 1e-6 or d > policy.max_distance_km + 1e-6:
        return False
    return not (n.slots and o.slots and not (n.slots & o.slots))


def assert_valid(
    result_assignments: list, needs: list[NeedInput], offers: list[OfferInput], policy: Policy, excluded=frozenset()
) -> None:
    by_need = {n.id: n for n in needs}
    by_offer = {o.id: o for o in offers}
    seen: set[int] = set()
    load: dict[int, int] = {}
    for a in result_assignments:
        assert a.need_id not in seen, "a need was assigned twice"
        seen.add(a.need_id)
        load[a.offer_id] = load.get(a.offer_id, 0) + 1
        assert feasible(by_need[a.need_id], by_offer[a.offer_id], policy, set(excluded))
        assert a.distance_km == pytest.approx(haversine(by_need[a.need_id], by_offer[a.offer_id]), abs=2e-3)
    for oid, used in load.items():
        assert used <= by_offer[oid].capacity


SOLVERS = [("optimal", 1), ("optimal", 3), ("greedy", None)]


@pytest.fixture(params=SOLVERS, ids=["optimal", "sharded", "greedy"])
def run(request):
    solver, shards = request.param

    def _run(needs, offers, policy=None, excluded=frozenset()):
        policy = policy or Policy()
        res = solve(needs, offers, policy, excluded=excluded, solver=solver, shards=shards, processes=1)
        assert_valid(res.assignments, needs, offers, policy, excluded)
        return res

    return _run


# --- hard constraints, hand-built ---------------------------------------------------------


def test_offer_of_another_category_is_never_proposed(run):
    res = run([need(category="shopping")], [offer(categories=("meals",))])
    assert res.matched == 0


def test_offer_beyond_its_own_radius_is_never_proposed(run):
    assert run([need()], [offer(km=1.5, radius_km=1.0)]).matched == 0
    assert run([need()], [offer(km=0.8, radius_km=1.0)]).matched == 1


def test_offer_beyond_the_councils_max_distance_is_never_proposed(run):
    policy = Policy(max_distance_km=2.0)
    assert run([need()], [offer(km=3.0, radius_km=5.0)], policy).matched == 0
    assert run([need()], [offer(km=1.9, radius_km=5.0)], policy).matched == 1


def test_pair_needs_a_shared_slot_only_when_both_give_slots(run):
    assert run([need(slots=frozenset({1, 2}))], [offer(slots=frozenset({3}))]).matched == 0
    assert run([need(slots=frozenset({1, 2}))], [offer(slots=frozenset({2, 5}))]).assignments[0].shared_slots == (2,)
    assert run([need(slots=frozenset({1}))], [offer(slots=None)]).matched == 1
    assert run([need(slots=None)], [offer(slots=frozenset({4}))]).matched == 1


def test_offer_is_never_given_more_needs_than_its_capacity(run):
    needs = [need(i, km=0.1 * i) for i in range(1, 6)]
    res = run(needs, [offer(capacity=2), offer(11, capacity=0)])
    assert res.matched == 2


def test_each_need_is_assigned_at_most_once(run):
    res = run([need()], [offer(10, capacity=3), offer(11, km=0.2, capacity=3)])
    assert [a.need_id for a in res.assignments] == [1]


def test_excluded_pair_is_never_proposed(run):
    res = run([need()], [offer(10, km=0.1), offer(11, km=2.0)], excluded={(1, 10)})
    assert [(a.need_id, a.offer_id) for a in res.assignments] == [(1, 11)]
    assert run([need()], [offer(10)], excluded={(1, 10)}).matched == 0


def test_provider_without_clearance_never_gets_a_safeguarded_category(run):
    policy = Policy(safeguarding_tiers={"childcare": 2})
    n = [need(category="childcare")]
    assert run(n, [offer(categories=("childcare",), clearance_tier=1)], policy).matched == 0
    assert run(n, [offer(categories=("childcare",), clearance_tier=2)], policy).matched == 1
    cleared = offer(categories=("childcare",), cleared_categories=frozenset({"childcare"}))
    assert run(n, [cleared], policy).matched == 1


def test_offer_cleared_for_one_category_still_serves_its_others(run):
    policy = Policy(safeguarding_tiers={"childcare": 2})
    o = offer(categories=("childcare", "shopping"), capacity=2)
    res = run([need(1, category="childcare"), need(2, category="shopping")], [o], policy)
    assert [a.need_id for a in res.assignments] == [2]


def test_offer_of_an_excluded_provider_is_never_proposed(run):
    never_again = need(excluded_providers=frozenset({"p1"}))
    offers = [offer(10, km=0.1, provider="p1"), offer(11, km=2.0, provider="p2")]
    assert [a.offer_id for a in run([never_again], offers).assignments] == [11]
    assert run([never_again], offers[:1]).matched == 0
    assert run([need()], offers[:1]).matched == 1  # the exclusion is the need's own


def test_excluding_a_provider_bars_all_its_offers_and_its_previous_help(run):
    n = need(previous_offer_id=12, excluded_providers=frozenset({7}))
    offers = [offer(10, km=0.1, provider=7), offer(11, km=0.2, provider=7), offer(12, km=0.3, provider=7)]
    assert run([n], offers).matched == 0
    assert run([n], [*offers, offer(13, km=2.5)]).assignments[0].offer_id == 13


def test_a_resident_is_never_matched_with_their_own_offer(run):
    # a volunteer who also needs help: the need excludes the provider they belong to
    own = uuid.UUID("0b7c6f0e-8a43-4b8e-9d7e-3a1f2c9d4e51")
    mine = need(1, excluded_providers=frozenset({own}))
    theirs = need(2, km=0.1)
    res = run([mine, theirs], [offer(10, km=0.1, provider=own, capacity=2)])
    assert [a.need_id for a in res.assignments] == [2]


def test_best_offer_for_honours_excluded_providers():
    offers = [offer(10, km=0.1, provider="p1"), offer(11, km=1.0, provider="p2")]
    best = best_offer_for(need(excluded_providers=frozenset({"p1"})), offers, Policy())
    assert best is not None and best.offer_id == 11
    assert best_offer_for(need(excluded_providers=frozenset({"p1", "p2"})), offers, Policy()) is None


# --- any ids --------------------------------------------------------------------------------


def test_string_and_uuid_ids_come_back_as_given(run):
    u1, u2 = uuid.uuid4(), str(uuid.uuid4())
    needs = [need("n-1"), need(u1, km=0.2), need(7, km=0.3)]
    offers = [offer("o-1", km=0.1, capacity=2), offer(u2, km=1.5)]
    res = run(needs, offers, excluded={(u1, "o-1")})
    # u1 may not have o-1, so serving all three needs gives it u2
    assert {(a.need_id, a.offer_id) for a in res.assignments} == {("n-1", "o-1"), (u1, u2), (7, "o-1")}


def test_repeated_or_missing_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        solve([need("a"), need("a")], [offer()], Policy())
    with pytest.raises(ValueError, match="scalar"):
        solve([need(None)], [offer()], Policy())  # type: ignore[arg-type]


# --- objective --------------------------------------------------------------------------


def test_serving_more_needs_beats_a_better_score():
    # Need 1 (urgent, so greedy serves it first) is nearest to offer 10, but
    # need 2 can only use offer 10: serving both comes before any score.
    needs = [need(1, km=0.0, urgency=1.0), need(2, km=2.5)]
    offers = [offer(10, km=0.5, radius_km=3.0), offer(11, km=-1.0, radius_km=1.5)]
    res = solve(needs, offers, Policy())
    assert res.matched == 2
    assert {(a.need_id, a.offer_id) for a in res.assignments} == {(1, 11), (2, 10)}
    assert solve(needs, offers, Policy(), solver="greedy").matched == 1


def test_scarce_capacity_goes_to_the_need_that_waited_longer():
    needs = [need(1, waited_hours=2), need(2, waited_hours=100)]
    res = solve(needs, [offer(capacity=1)], Policy())
    assert [a.need_id for a in res.assignments] == [2]
    assert [a.need_id for a in solve(needs, [offer(capacity=1)], Policy(), solver="greedy").assignments] == [2]


def test_score_terms_add_up_and_explain_the_proposal():
    n = need(preferences=frozenset({"polish", "wheelchair"}), previous_offer_id=11)
    offers = [offer(10, km=0.2, rating=4.8), offer(11, km=0.6, rating=4.0, tags=frozenset({"polish"}))]
    res = solve([n], offers, Policy())
    a = res.assignments[0]
    assert set(a.terms) == {"distance", "urgency", "waited", "rating", "cost", "preference", "continuity", "spread"}
    assert sum(a.terms.values()) == pytest.approx(a.score)
    # continuity + half the preferences outweigh 0.4 km and 0.8 stars
    assert a.offer_id == 11
    assert a.terms["continuity"] == pytest.approx(DEFAULT_WEIGHTS["continuity"])
    assert a.terms["preference"] == pytest.approx(0.5 * DEFAULT_WEIGHTS["preference"])


def test_previous_helper_stays_a_candidate_beyond_the_k_nearest():
    n = need(previous_offer_id=12)
    offers = [offer(10, km=0.1), offer(11, km=0.2), offer(12, km=1.5)]
    res = solve([n], offers, Policy(), k=2)
    assert res.assignments[0].offer_id == 12
    assert res.assignments[0].terms["continuity"] == pytest.approx(DEFAULT_WEIGHTS["continuity"])


def test_free_offer_is_preferred_to_a_paid_one_at_the_same_place():
    res = solve([need()], [offer(10, price=20.0), offer(11)], Policy())
    assert res.assignments[0].offer_id == 11


def test_policy_weights_change_the_choice():
    offers = [offer(10, km=0.1, rating=3.0), offer(11, km=2.5, rating=5.0)]
    assert solve([need()], offers, Policy()).assignments[0].offer_id == 10
    rating_first = Policy(weights={"distance": 0.1, "rating": 5.0})
    assert solve([need()], offers, rating_first).assignments[0].offer_id == 11


def test_distance_objective_minimises_total_km():
    needs = [need(1, km=0.0), need(2, km=1.0)]
    offers = [offer(10, km=0.9, radius_km=5), offer(11, km=-0.1, radius_km=5)]
    res = solve(needs, offers, Policy(), objective="distance")
    assert {(a.need_id, a.offer_id) for a in res.assignments} == {(1, 11), (2, 10)}
    assert res.objective == pytest.approx(0.2, abs=1e-3)


# --- instant path -------------------------------------------------------------------------


def test_best_offer_for_one_new_need_picks_the_best_feasible_offer():
    offers = [
        offer(10, km=0.1, categories=("meals",)),
        offer(11, km=0.2, capacity=0),
        offer(12, km=0.3),
        offer(13, km=0.1, slots=frozenset({5})),
        offer(14, km=1.0),
    ]
    best = best_offer_for(need(slots=frozenset({1})), offers, Policy())
    assert best is not None
    assert best.offer_id == 12
    assert best_offer_for(need(), offers, Policy(), excluded_offer_ids={12, 13, 14}) is None


# --- candidates ---------------------------------------------------------------------------


def test_candidate_generation_examines_a_bounded_number_of_pairs():
    inst = generate_instance(20_000, 6_666, 20.0, seed=5)
    k = 16
    c = build_candidates(inst.needs, inst.offers, inst.policy, k=k)
    per_need = np.bincount(c.need, minlength=len(inst.needs))
    assert per_need.max() <= k
    assert len(c) <= k * len(inst.needs)
    # far from an all-pairs scan (133M pairs): a few dozen distances per need
    assert c.examined <= 3 * k * len(inst.needs)


def test_candidates_are_the_k_nearest_feasible_offers():
    inst = generate_instance(3_000, 1_000, 6.0, seed=2)
    k = 8
    c = build_candidates(inst.needs, inst.offers, inst.policy, k=k)
    full = all_feasible_pairs(inst.needs, inst.offers, inst.policy)
    for i in range(0, 3_000, 97):
        kept = np.sort(c.distance_km[c.need == i])
        every = np.sort(full.distance_km[full.need == i])[:k]
        np.testing.assert_allclose(kept, every, atol=1e-4)


def test_exclusions_apply_in_the_array_path():
    inst = generate_instance(500, 170, 5.0, seed=1)
    first = solve_arrays(inst.needs, inst.offers, inst.policy)
    pairs = set(zip(first.need_index.tolist(), first.offer_index.tolist(), strict=True))
    second = solve_arrays(inst.needs, inst.offers, inst.policy, excluded=pairs)
    assert not pairs & set(zip(second.need_index.tolist(), second.offer_index.tolist(), strict=True))


# --- optimality against a dense reference ---------------------------------------------------


@st.composite
def small_batches(draw):
    cats = ["a", "b"]
    n_needs = draw(st.integers(1, 7))
    n_offers = draw(st.integers(1, 4))
    pos = st.floats(0.0, 3.0)
    slot_sets = st.one_of(st.none(), st.frozensets(st.integers(0, 3), min_size=1, max_size=3))
    needs = [
        NeedInput(
            id=i + 1,
            lat=LAT + draw(pos) * KM_LAT,
            lon=LON + draw(pos) * KM_LAT * 1.6,
            category=draw(st.sampled_from(cats)),
            urgency=draw(st.sampled_from([0.0, 0.5, 1.0])),
            waited_hours=draw(st.floats(0, 300)),
            slots=draw(slot_sets),
        )
        for i in range(n_needs)
    ]
    offers = [
        OfferInput(
            id=100 + j,
            lat=LAT + draw(pos) * KM_LAT,
            lon=LON + draw(pos) * KM_LAT * 1.6,
            radius_km=draw(st.floats(0.5, 4.0)),
            categories=frozenset(draw(st.lists(st.sampled_from(cats), min_size=1, max_size=2))),
            capacity=draw(st.integers(0, 3)),
            rating=draw(st.sampled_from([None, 3.0, 4.5])),
            slots=draw(slot_sets),
            price=draw(st.sampled_from([0.0, 0.0, 15.0])),
            clearance_tier=draw(st.integers(0, 1)),
        )
        for j in range(n_offers)
    ]
    excluded = {(n.id, o.id) for n in needs for o in offers if draw(st.integers(0, 9)) == 0}
    return needs, offers, excluded


def dense_optimum(needs, offers, policy, excluded, objective):
    """Lexicographic optimum by linear_sum_assignment: capacities expanded
    into slot columns, one dummy column per need for "unmatched"."""
    na, oa = _to_arrays(needs, offers, policy)
    cols = [j for j, o in enumerate(offers) for _ in range(max(o.capacity, 0))]
    n = len(needs)
    pairs = [(i, j) for i in range(n) for j in range(len(offers)) if feasible(needs[i], offers[j], policy, excluded)]
    if not pairs or not cols:
        return 0, 0
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    # float32 like the engine's candidate distances, so both round alike
    d = np.array([haversine(needs[i], offers[j]) for i, j in pairs], dtype=np.float32).astype(np.float64)
    cost = solver_costs(pair_scores(na, oa, policy, ii, jj, d), d, objective, policy)
    pair_cost = {(int(i), int(j)): int(c) for i, j, c in zip(ii, jj, cost, strict=True)}
    big = (int(cost.max()) + 1) * (n + 1)  # serving one more need outweighs any cost
    inf = big * (n + 1) * 10
    matrix = np.full((n, len(cols) + n), inf, dtype=np.int64)
    for c, j in enumerate(cols):
        for i in range(n):
            if (i, j) in pair_cost:
                matrix[i, c] = pair_cost[i, j] - big
    matrix[np.arange(n), len(cols) + np.arange(n)] = 0
    rows, chosen = linear_sum_assignment(matrix)
    served = [(r, c) for r, c in zip(rows, chosen, strict=True) if c < len(cols) and matrix[r, c] < inf]
    return len(served), sum(pair_cost[r, cols[c]] for r, c in served)


def engine_cost(res, needs, offers, policy, objective):
    na, oa = _to_arrays(needs, offers, policy)
    d = res.distance_km
    sc = pair_scores(na, oa, policy, res.need_index, res.offer_index, d)
    return int(solver_costs(sc, d, objective, policy).sum())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=small_batches(), objective=st.sampled_from(["score", "distance"]))
def test_optimal_solver_equals_the_dense_optimum_and_beats_greedy(batch, objective):
    needs, offers, excluded = batch
    policy = Policy(max_distance_km=3.0, safeguarding_tiers={"b": 1})
    res = solve(needs, offers, policy, excluded=excluded, shards=1, objective=objective)
    assert_valid(res.assignments, needs, offers, policy, excluded)
    served, cost = dense_optimum(needs, offers, policy, excluded, objective)
    assert res.matched == served
    # both sides round float scores/distances to integers; the reference
    # computes distances its own way, so allow one unit per assignment
    assert abs(engine_cost(res, needs, offers, policy, objective) - cost) <= served
    greedy = solve(needs, offers, policy, excluded=excluded, solver="greedy", objective=objective)
    assert_valid(greedy.assignments, needs, offers, policy, excluded)
    assert greedy.matched <= res.matched


@settings(max_examples=40, deadline=None)
@given(batch=small_batches())
def test_sharded_solver_never_violates_a_constraint_and_serves_the_optimum(batch):
    needs, offers, excluded = batch
    policy = Policy(max_distance_km=3.0, safeguarding_tiers={"b": 1})
    res = solve(needs, offers, policy, excluded=excluded, shards=4, processes=1)
    assert_valid(res.assignments, needs, offers, policy, excluded)
    assert res.matched == solve(needs, offers, policy, excluded=excluded, shards=1).matched


@st.composite
def batches_with_providers(draw):
    """Small batches whose offers belong to a few providers and whose needs
    exclude some of them (a "never again", or the resident's own provider)."""
    needs, offers, excluded = draw(small_batches())
    providers = draw(st.lists(st.sampled_from(["p1", "p2", 3, None]), min_size=len(offers), max_size=len(offers)))
    offers = [OfferInput(**{**_fields(o), "provider": p}) for o, p in zip(offers, providers, strict=True)]
    bans = st.frozensets(st.sampled_from(["p1", "p2", 3, "nobody"]), max_size=2)
    needs = [NeedInput(**{**_fields(n), "excluded_providers": draw(bans)}) for n in needs]
    return needs, offers, excluded


def _fields(row) -> dict:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches_with_providers())
def test_no_assignment_ever_joins_an_excluded_provider(batch):
    needs, offers, excluded = batch
    policy = Policy(max_distance_km=3.0, safeguarding_tiers={"b": 1})
    served, _ = dense_optimum(needs, offers, policy, excluded, "distance")
    for solver, shards in [("optimal", 1), ("optimal", 4), ("greedy", None)]:
        res = solve(needs, offers, policy, excluded=excluded, solver=solver, shards=shards, processes=1)
        by_need = {n.id: n for n in needs}
        by_offer = {o.id: o for o in offers}
        for a in res.assignments:
            assert by_offer[a.offer_id].provider not in by_need[a.need_id].excluded_providers
        assert_valid(res.assignments, needs, offers, policy, excluded)
        if solver == "optimal":
            assert res.matched == served  # exclusions cost nothing they need not


@pytest.mark.slow
def test_sharded_solve_in_parallel_serves_as_many_as_unsharded():
    inst = generate_instance(12_000, 4_000, 9.0, seed=7)
    one = solve_arrays(inst.needs, inst.offers, inst.policy, shards=1)
    many = solve_arrays(inst.needs, inst.offers, inst.policy, shards=12, processes=2)
    assert many.shards > 1
    assert many.matched == one.matched
    assert many.objective >= 0.99 * one.objective  # score lost at cell borders stays small
    assert np.bincount(many.need_index).max() <= 1
    assert (np.bincount(many.offer_index, minlength=len(inst.offers)) <= inst.offers.capacity).all()


# --- the certificate: the exact maximum over every feasible pair -------------------------


def dense_feasible(inst, extra_excluded: set[tuple[int, int]] = frozenset()) -> np.ndarray:
    """Every (need, offer) pair checked densely, without the engine's KD-trees:
    an (n, m) bool matrix (category and clearance, radius and maximum
    distance, slots, capacity, excluded pairs and providers)."""
    n, o, p = inst.needs, inst.offers, inst.policy
    serves = np.zeros((len(o), len(inst.categories)), dtype=bool)
    serves[o.serve_offer, o.serve_category] = True
    la1, lo1 = np.radians(n.lat)[:, None], np.radians(n.lon)[:, None]
    la2, lo2 = np.radians(o.lat)[None, :], np.radians(o.lon)[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    d = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    ok = serves[:, n.category].T & (d <= o.radius_km[None, :] + 1e-6) & (d <= p.max_distance_km + 1e-6)
    ns, os_ = n.slots[:, None], o.slots[None, :]
    ok &= (ns == 0) | (os_ == 0) | ((ns & os_) != 0)
    ok &= (o.capacity > 0)[None, :]
    for i, j in extra_excluded:
        ok[i, j] = False
    if n.excluded_providers is not None and o.provider is not None:
        for i, code in n.excluded_providers.tolist():
            ok[i, o.provider == code] = False
    return ok


def dense_max_served(inst, ok: np.ndarray) -> int:
    """The maximum number of needs served, by scipy on capacity slots."""
    cols = np.repeat(np.arange(len(inst.offers)), inst.offers.capacity)
    if cols.size == 0:
        return 0
    graph = csr_matrix(ok[:, cols].astype(np.int8))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


@st.composite
def clustered_batches(draw):
    n = draw(st.integers(15, 90))
    inst = generate_clustered_instance(n, seed=draw(st.integers(0, 10**6)), region_km=draw(st.sampled_from([3.0, 6.0])))
    excluded: set[tuple[int, int]] = set()
    if draw(st.booleans()):  # some offers' providers, and needs that exclude them
        m = len(inst.offers)
        inst.offers.provider = np.array([draw(st.integers(-1, 3)) for _ in range(m)], dtype=np.int64)
        bans = [(i, draw(st.integers(0, 3))) for i in range(n) if draw(st.integers(0, 3)) == 0]
        inst.needs.excluded_providers = np.array(bans, dtype=np.int64).reshape(-1, 2) if bans else None
        excluded = {(draw(st.integers(0, n - 1)), draw(st.integers(0, m - 1))) for _ in range(draw(st.integers(0, 5)))}
    return inst, excluded


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=clustered_batches(), k=st.sampled_from([1, 2, 4, 16]), shards=st.sampled_from([1, 3]))
def test_certified_assignment_serves_the_dense_maximum_of_every_feasible_pair(batch, k, shards):
    inst, excluded = batch
    ok = dense_feasible(inst, excluded)
    res = solve_arrays(
        inst.needs, inst.offers, inst.policy, excluded=excluded, k=k, shards=shards, processes=1, objective="distance"
    )
    # the certificate is never wrong: when it holds, nobody else could be served
    assert res.certified is True
    assert res.matched == dense_max_served(inst, ok)
    # and every pair it chose, grown ones included, passes every hard constraint
    assert ok[res.need_index, res.offer_index].all()
    assert np.bincount(res.need_index, minlength=len(inst.needs)).max(initial=0) <= 1
    assert (np.bincount(res.offer_index, minlength=len(inst.offers)) <= inst.offers.capacity).all()


def dense_min_distance(inst, ok: np.ndarray) -> tuple[int, float]:
    """(most needs served, least total metres among those), by scipy's dense
    assignment on capacity slots: an infeasible pair costs more than every
    feasible assignment together, so the count comes first."""
    n, o = inst.needs, inst.offers
    cols = np.repeat(np.arange(len(o)), o.capacity)
    if cols.size == 0 or not ok.any():
        return 0, 0.0
    la1, lo1 = np.radians(n.lat)[:, None], np.radians(o.lat)[None, :]
    h = (
        np.sin((lo1 - la1) / 2) ** 2
        + np.cos(la1) * np.cos(lo1) * np.sin((np.radians(o.lon)[None, :] - np.radians(n.lon)[:, None]) / 2) ** 2
    )
    metres = np.rint(2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0))) * 1000)
    big = float(metres[ok].sum() + 1) * 10
    cost = np.where(ok, metres, big)[:, cols]
    r, c = linear_sum_assignment(cost)
    real = ok[r, cols[c]]
    return int(real.sum()), float(metres[r[real], cols[c[real]]].sum())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=clustered_batches(), k=st.sampled_from([2, 4, 16]), shards=st.sampled_from([1, 3]))
def test_ties_in_count_go_within_half_a_percent_of_the_dense_least_distance(batch, k, shards):
    inst, excluded = batch
    ok = dense_feasible(inst, excluded)
    res = solve_arrays(
        inst.needs, inst.offers, inst.policy, excluded=excluded, k=k, shards=shards, processes=1, objective="distance"
    )
    served, metres = dense_min_distance(inst, ok)
    assert res.certified is True and res.matched == served
    ours = float(np.rint(res.distance_km * 1000).sum())
    assert ours <= metres * 1.005 + 1e-6, (ours, metres)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=clustered_batches(), k=st.sampled_from([2, 4, 16]))
def test_a_large_batch_settles_the_cost_without_losing_the_certified_count(batch, k):
    # the path of batches too large for an exact finish (min-cost augment
    # near the certificate's paths, then shifted cells on every arc), forced
    # on a small batch: the count is still the dense maximum, every pair valid
    inst, excluded = batch
    ok = dense_feasible(inst, excluded)
    with mock.patch.object(solving, "EXACT_FINISH_MAX_ARCS", 0):
        res = solve_arrays(
            inst.needs, inst.offers, inst.policy, excluded=excluded, k=k, shards=3, processes=1, objective="distance"
        )
    assert res.certified is True and res.matched == dense_max_served(inst, ok)
    assert ok[res.need_index, res.offer_index].all()
    assert np.bincount(res.need_index, minlength=len(inst.needs)).max(initial=0) <= 1
    assert (np.bincount(res.offer_index, minlength=len(inst.offers)) <= inst.offers.capacity).all()


def test_pricing_without_bounds_reaches_the_exact_least_distance_over_every_pair():
    inst = generate_clustered_instance(400, seed=3, region_km=8.0)
    pairs = all_feasible_pairs(inst.needs, inst.offers, inst.policy)
    exact = min_cost_flow(
        pairs.need, pairs.offer, solver_costs(None, pairs.distance_km, "distance", inst.policy), inst.offers.capacity
    )
    best = float(np.rint(pairs.distance_km[exact].astype(np.float64) * 1000).sum())
    with (
        mock.patch.dict(pricing.improving_pairs.__kwdefaults__, max_per_need=1 << 30),
        mock.patch.dict(pricing.price_and_solve.__kwdefaults__, max_rounds=50),
    ):
        res = solve_arrays(inst.needs, inst.offers, inst.policy, k=4, shards=1, objective="distance")
    assert res.matched == int(exact.sum())
    assert float(np.rint(res.distance_km * 1000).sum()) == best
    assert res.timings["priced_optimal"] is True


def test_a_need_whose_nearest_offers_are_full_reaches_one_with_room():
    # two needs, k=1: both see only the near offer (capacity 1); the far one
    # has room. Without the certificate one need waits; with it both are served.
    needs = [need(1, km=0.0), need(2, km=0.1)]
    offers = [offer(10, km=0.05, capacity=1), offer(11, km=2.0, capacity=1)]
    na, oa = _to_arrays(needs, offers, Policy())
    pruned = solve_arrays(na, oa, Policy(), k=1, certify=False)
    assert pruned.matched == 1 and pruned.certified is None
    grown = solve_arrays(na, oa, Policy(), k=1)
    assert grown.matched == 2 and grown.certified is True and grown.grown_pairs >= 1


def test_the_certificate_gives_up_honestly_when_it_runs_out_of_rounds():
    needs = [need(1, km=0.0), need(2, km=0.1)]
    offers = [offer(10, km=0.05, capacity=1), offer(11, km=2.0, capacity=1)]
    na, oa = _to_arrays(needs, offers, Policy())
    cands = build_candidates(na, oa, Policy(), k=1)
    chosen = np.zeros(len(cands), dtype=bool)
    _, _, cert, _ = certify_and_grow(na, oa, Policy(), cands, chosen, None, max_rounds=0)
    assert cert.held is False
    _, after, cert, _ = certify_and_grow(na, oa, Policy(), cands, chosen, None)
    assert cert.held is True and cert.matched_after == 2 and after.sum() == 2


def test_greedy_results_carry_no_certificate():
    res = solve([need()], [offer()], Policy(), solver="greedy")
    assert res.matched == 1 and res.certified is None


# --- CLI ----------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["optimal", "greedy"])
@pytest.mark.parametrize("objective", ["score", "distance"])
def test_cli_generate_then_solve_round_trip(tmp_path, capsys, solver, objective):
    assert bench.main(["generate", "--needs", "400", "--region-km", "5", "--seed", "3"]) == 0
    instance = tmp_path / "instance.json"
    instance.write_text(capsys.readouterr().out)
    data = json.loads(instance.read_text())
    assert len(data["needs"]) == 400 and len(data["offers"]) == 133
    assert bench.main(["solve", str(instance), "--solver", solver, "--objective", objective]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["matched"] == len(result["assignments"]) > 0
    assert {"need", "offer", "distance_km", "score"} <= set(result["assignments"][0])
    assert bench.verify(data, result) == []
    if objective == "distance":
        assert result["objective"] == pytest.approx(sum(a["distance_km"] for a in result["assignments"]), rel=1e-4)


def test_cli_verify_catches_a_broken_result():
    inst = generate_instance(50, 17, 3.0, seed=1)
    data = instance_to_json(inst)
    n, o = data["needs"][0], data["offers"][0]
    o["categories"] = [c for c in o["categories"] if c != n["category"]] or ["none"]
    o["capacity"] = 0
    bad = {"assignments": [{"need": n["id"], "offer": o["id"], "distance_km": 0.0, "score": 0.0}] * 2, "matched": 2}
    errors = bench.verify(data, bad)
    assert any("twice" in e for e in errors)
    assert any("does not serve" in e for e in errors)
    assert any("over capacity" in e for e in errors)


def _cli_solve(tmp_path, capsys, data: dict, *args: str) -> dict:
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps(data))
    assert bench.main(["solve", str(instance), *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["string", "uuid"])
def test_cli_round_trips_string_and_uuid_ids(tmp_path, capsys, kind):
    data = instance_to_json(generate_instance(300, 100, 4.0, seed=4))
    by_int = _cli_solve(tmp_path, capsys, data, "--objective", "distance")
    rename: dict[tuple[str, int], str] = {}
    for side, prefix in (("needs", "n"), ("offers", "o")):
        for row in data[side]:
            new = f"{prefix}{row['id']}"
            if kind == "uuid":
                new = str(uuid.uuid5(uuid.NAMESPACE_URL, new))
            rename[(side, row["id"])] = new
            row["id"] = new
    result = _cli_solve(tmp_path, capsys, data, "--objective", "distance")
    assert bench.verify(data, result) == []
    assert result["matched"] == by_int["matched"] > 0
    expected = {(rename["needs", a["need"]], rename["offers", a["offer"]]) for a in by_int["assignments"]}
    assert {(a["need"], a["offer"]) for a in result["assignments"]} == expected
    assert all(isinstance(a["need"], str) and isinstance(a["offer"], str) for a in result["assignments"])


def test_cli_carries_providers_and_their_exclusions(tmp_path, capsys):
    data = instance_to_json(generate_instance(200, 60, 3.0, seed=6))
    first = _cli_solve(tmp_path, capsys, data)
    for j, row in enumerate(data["offers"]):
        row["provider"] = f"org-{j % 7}"
    provider_of = {row["id"]: row["provider"] for row in data["offers"]}
    # every need excludes the provider it was first given, and a stranger's key
    for a in first["assignments"]:
        need_row = next(n for n in data["needs"] if n["id"] == a["need"])
        need_row["excluded_providers"] = [provider_of[a["offer"]], "nobody"]
    result = _cli_solve(tmp_path, capsys, data)
    assert bench.verify(data, result) == []
    banned = {n["id"]: set(n.get("excluded_providers", ())) for n in data["needs"]}
    assert result["matched"] > 0
    assert all(provider_of[a["offer"]] not in banned[a["need"]] for a in result["assignments"])
    back = instance_from_json(json.loads(json.dumps(instance_to_json(instance_from_json(data)))))
    assert back.needs.excluded_providers is not None and back.offers.provider is not None


def test_cli_verify_catches_an_excluded_provider():
    data = instance_to_json(generate_instance(20, 7, 2.0, seed=1))
    n, o = data["needs"][0], data["offers"][0]
    o["provider"] = "p"
    n["excluded_providers"] = ["p"]
    bad = {"assignments": [{"need": n["id"], "offer": o["id"], "distance_km": 0.0, "score": 0.0}], "matched": 1}
    assert any("excludes" in e for e in bench.verify(data, bad))


def test_instance_json_round_trip_keeps_the_batch():
    inst = generate_instance(300, 100, 4.0, seed=9)
    back = instance_from_json(json.loads(json.dumps(instance_to_json(inst))))
    a = solve_arrays(inst.needs, inst.offers, inst.policy, shards=1)
    b = solve_arrays(back.needs, back.offers, back.policy, shards=1)
    assert a.matched == b.matched
    assert a.objective == pytest.approx(b.objective, rel=1e-3)
