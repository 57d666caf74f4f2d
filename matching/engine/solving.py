"""Entry points: :func:`solve` (dataclasses), :func:`solve_arrays` (columns)
and :func:`best_offer_for` (one new need between batches)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Literal

import numpy as np

from .candidates import (
    Candidates,
    build_candidates,
    exclusion_keys,
    haversine_km,
    merge_exclusions,
    slots_compatible,
    xyz_km,
)
from .certificate import AUGMENT_HOPS, _extend, certify_and_grow
from .pricing import covered_radius, improving_pairs, potentials, price_and_solve
from .score import TERM_NAMES, pair_scores, pair_terms, solver_costs
from .shards import (
    DEFAULT_CELL_NEEDS,
    augment,
    grid_cells,
    project_km,
    repair_cost,
    repair_region,
    sharded_min_cost_flow,
)
from .solvers import greedy, min_cost_flow, need_priority
from .types import (
    Assignment,
    Key,
    MatchResult,
    NeedArrays,
    NeedInput,
    OfferArrays,
    OfferInput,
    Policy,
    category_codes,
    mask_to_slots,
    needs_to_arrays,
    offers_to_arrays,
    provider_code_map,
    tag_vocabulary,
)

SolverName = Literal["optimal", "greedy"]
Objective = Literal["score", "distance"]

#: Default number of nearest feasible offers kept per need.
DEFAULT_K = 16
#: Arcs per need the sharded solver's cell pass uses (the border pass uses
#: all ``k``); on our instances the 8 nearest already reach the k=16 optimum
#: count, and cells solve ~2x faster (docs/decisions/0002-matching-solver.md).
DEFAULT_CELL_K = 8
#: Below this many needs ``shards=None`` solves the batch as one exact problem
#: (a 10k batch takes ~0.2 s); above it the batch is cut into cells of
#: :data:`~matching.engine.shards.DEFAULT_CELL_NEEDS` needs.
AUTO_SHARD_NEEDS = 20_000
#: Shifts (in cells) of the grids whose cells are re-solved on every arc after
#: the certificate of a sharded batch (:func:`~matching.engine.shards.repair_cost`).
REPAIR_SHIFTS: tuple[float, ...] = (0.5, 0.0)
#: Those cells hold this many times the cells' needs (30k uniform, distance:
#: 1x +0.65% km vs exact, 2x +0.51%, 4x +0.30%, for ~0.3 s more CPU).
REPAIR_CELL_FACTOR = 4
#: Pricing rounds inside a sharded batch's repair cells (40k clustered: none
#: +2.98% km vs exact, 19.8 s CPU; one +2.25%, 23.0 s; two +2.21%, 28.7 s).
CELL_PRICE_ROUNDS = 1
#: Sharded batches whose grown candidate graph has at most this many arcs
#: (~20k needs) still end with one exact solve of it and pricing, as
#: unsharded ones do: it costs ~1 s there and leaves nothing to repair.
EXACT_FINISH_MAX_ARCS = 400_000


def _excluded_array(excluded: Iterable[tuple[int, int]] | np.ndarray | None, n_offers: int) -> np.ndarray | None:
    """Sorted exclusion keys from (need row, offer row) pairs or keys."""
    if excluded is None:
        return None
    if isinstance(excluded, np.ndarray) and excluded.ndim == 1:
        return np.unique(excluded.astype(np.int64))
    pairs = np.asarray(list(excluded), dtype=np.int64).reshape(-1, 2)
    if pairs.size == 0:
        return None
    return np.unique(exclusion_keys(pairs[:, 0], pairs[:, 1], n_offers))


def solve_arrays(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy | None = None,
    *,
    excluded: Iterable[tuple[int, int]] | np.ndarray | None = None,
    solver: SolverName = "optimal",
    objective: Objective = "score",
    k: int = DEFAULT_K,
    shards: int | None = None,
    processes: int | None = None,
    score_repair: bool = False,
    cell_k: int | None = DEFAULT_CELL_K,
    exact_count: bool | None = None,
    certify: bool = True,
    price: bool = True,
) -> MatchResult:
    """Match needs to offers given as columns (the hot path; no per-row objects).

    ``excluded`` holds (need row, offer row) pairs, or an int64 array of
    :func:`~matching.engine.candidates.exclusion_keys`; the needs' excluded
    providers (``NeedArrays.excluded_providers``) are added to it. ``shards``: ``None``
    decides by size, 1 solves one exact problem, ``s > 1`` cuts the batch
    into about ``s`` cells (optimal solver only). The result lists
    assignments as row arrays (``need_index``, ``offer_index``,
    ``distance_km``, ``score``); ``assignments`` stays empty.
    ``score_repair``, ``cell_k`` and ``exact_count`` tune the sharded solver (see
    :func:`~matching.engine.shards.sharded_min_cost_flow`; ``cell_k=None``
    lets cells use all ``k`` arcs).

    ``certify`` (optimal solver): after the solve, prove against every
    feasible pair that no unserved need could be served, growing the
    candidates where one could (:mod:`~matching.engine.certificate`);
    ``result.certified`` says whether the proof held. Unsharded, the grown
    candidates are solved again exactly, so ties in count go to the best
    objective on them; ``price`` then adds the pairs beyond the candidates
    that lower the cost (:mod:`~matching.engine.pricing`).
    """
    policy = policy or Policy()
    t0 = time.perf_counter()
    n = len(needs)
    excl = merge_exclusions(needs, offers, _excluded_array(excluded, len(offers)))
    nxyz = xyz_km(needs.lat, needs.lon)
    cands = build_candidates(needs, offers, policy, k=k, excluded=excl, workers=-1, need_xyz=nxyz)
    built = len(cands)  # the k-nearest arcs; growth only appends
    t1 = time.perf_counter()
    scores = pair_scores(needs, offers, policy, cands.need, cands.offer, cands.distance_km)
    cost = solver_costs(scores, cands.distance_km, objective, policy)
    # int32 costs and no per-arc float scores during the solve: at 1M needs
    # (16M arcs) that is 200 MB less; scores are recomputed for chosen arcs
    if cost.size and int(cost.max()) < 2**31:
        cost = cost.astype(np.int32)
    del scores
    t2 = time.perf_counter()
    timings: dict[str, float] = {"candidates": t1 - t0, "score": t2 - t1}
    used_shards = 1
    if solver == "greedy":
        chosen = greedy(
            cands.need, cands.offer, cost, offers.capacity, need_priority(needs.urgency, needs.waited_hours)
        )
    elif solver == "optimal":
        if shards is None:
            shards = 1 if n <= AUTO_SHARD_NEEDS else math.ceil(n / DEFAULT_CELL_NEEDS)
        if shards <= 1 or len(cands) == 0:
            chosen = min_cost_flow(cands.need, cands.offer, cost, offers.capacity)
        else:
            lat0, lon0 = float(np.mean(needs.lat)), float(np.mean(needs.lon))
            need_xy = project_km(needs.lat, needs.lon, lat0, lon0)
            offer_xy = project_km(offers.lat, offers.lon, lat0, lon0)
            cell_needs = max(1, math.ceil(n / shards))
            chosen, stats = sharded_min_cost_flow(
                cands.need,
                cands.offer,
                cost,
                offers.capacity,
                need_xy,
                offer_xy,
                cell_needs=cell_needs,
                processes=processes,
                score_repair=score_repair,
                cell_arcs=None if cell_k is None or cands.rank is None else cands.rank < cell_k,
                # the certificate's first step is the same global augment
                exact_count=False if certify else exact_count,
            )
            used_shards = stats.cells
            timings.update(
                cells=stats.seconds_cells,
                augment=stats.seconds_augment,
                repair=stats.seconds_repair,
                matched_cells=stats.matched_cells,
                matched_augmented=stats.matched_augmented,
            )
    else:
        raise ValueError(f"unknown solver {solver!r} (optimal or greedy)")
    t3 = time.perf_counter()
    timings["solve"] = t3 - t2
    certified: bool | None = None
    grown = 0
    if solver == "optimal" and certify:

        def cost_of(new: Candidates) -> np.ndarray:
            sc_new = pair_scores(needs, offers, policy, new.need, new.offer, new.distance_km)
            return solver_costs(sc_new, new.distance_km, objective, policy)

        before = len(cands)
        # small graphs (every unsharded batch, and sharded ones up to
        # EXACT_FINISH_MAX_ARCS) end with an exact solve of the grown graph
        exact_finish = used_shards == 1 or len(cands) <= EXACT_FINISH_MAX_ARCS
        pre = chosen
        # the certificate's augments are cost-blind max-flows (fast, and a
        # clustered batch takes a dozen rounds); the cost is settled after
        cands, chosen, cert, grown_cost = certify_and_grow(
            needs,
            offers,
            policy,
            cands,
            chosen,
            excl,
            need_xyz=nxyz,
            cost=cost,
            cost_of=cost_of,
            min_cost_augment=False,
        )
        assert grown_cost is not None
        cost = grown_cost
        certified, grown = cert.held, cert.grown_pairs
        if not exact_finish and int(chosen.sum()) > int(pre.sum()):
            # large sharded batch: serve the same count from the min-cost
            # assignment the cells and border passes made, by the cheapest
            # augmenting paths near the ones a max-flow finds on the grown
            # graph (one min-cost flow, not one per round)
            start = np.zeros(len(cands), dtype=bool)
            start[: pre.size] = pre
            again = augment(
                start,
                cands.need,
                cands.offer,
                offers.capacity.astype(np.int64),
                prune=True,
                rows=(n, len(offers)),
                cost=cost,
                hops=AUGMENT_HOPS,
            )
            if int(again.sum()) == int(chosen.sum()):
                chosen = again
        t_cert = time.perf_counter()
        timings.update(certificate=t_cert - t3, certificate_rounds=cert.rounds, matched_solved=cert.matched_before)
        if exact_finish and (len(cands) > before or used_shards > 1):
            # the count is proven maximum; solve again for the best
            # objective among maximum assignments on the grown graph
            chosen = min_cost_flow(cands.need, cands.offer, cost, offers.capacity)
        if exact_finish and price:
            # pairs beyond the candidates that would lower the cost
            first = np.zeros(len(cands), dtype=bool)
            first[:built] = True
            covered = covered_radius(cands.take(first), k, n, float(policy.max_distance_km))
            cands, chosen, cost, priced = price_and_solve(
                needs, offers, policy, cands, chosen, cost, excl, objective, cost_of, covered, nxyz
            )
            timings.update(pricing_rounds=priced.rounds, priced_pairs=priced.added, priced_optimal=priced.optimal)
            grown += priced.added
        elif not exact_finish:
            # the count is proven maximum; cells of shifted grids re-solved
            # on every arc lower the cost the cell borders left
            def repair(chosen: np.ndarray) -> np.ndarray:
                return repair_cost(
                    chosen,
                    cands.need,
                    cands.offer,
                    cost,
                    offers.capacity,
                    need_xy,
                    offer_xy,
                    cell_needs=cell_needs * REPAIR_CELL_FACTOR,
                    shifts=REPAIR_SHIFTS,
                    processes=processes,
                )

            chosen = repair(chosen)
            # only where the certificate had to grow the candidates (saturated
            # towns): on uniform batches it found little (30k: 358 pairs,
            # -0.03 points of km for 1.1 s CPU)
            if price and cert.grown_pairs > 0:
                cands, chosen, cost, added = _price_in_cells(
                    needs,
                    offers,
                    policy,
                    cands,
                    chosen,
                    cost,
                    excl,
                    objective,
                    cost_of,
                    nxyz,
                    need_xy,
                    offer_xy,
                    cell_needs * REPAIR_CELL_FACTOR,
                    REPAIR_SHIFTS[-1],
                    k,
                    built,
                    processes,
                )
                grown += added
                timings.update(priced_pairs=added)
        t4 = time.perf_counter()
        timings.update(finish=t4 - t_cert)
        t3 = t4
    sel = np.flatnonzero(chosen)
    dist = cands.distance_km[sel].astype(np.float64)
    sc = pair_scores(needs, offers, policy, cands.need[sel], cands.offer[sel], cands.distance_km[sel])
    total = float(dist.sum()) if objective == "distance" else float(sc.sum())
    return MatchResult(
        assignments=[],
        matched=int(sel.size),
        objective=total,
        seconds=t3 - t0,
        candidate_pairs=len(cands),
        examined_pairs=cands.examined,
        shards=used_shards,
        solver=solver,
        objective_kind=objective,
        need_index=cands.need[sel].astype(np.int64),
        offer_index=cands.offer[sel].astype(np.int64),
        distance_km=dist,
        score=sc,
        timings=timings,
        certified=certified,
        grown_pairs=grown,
    )


def _same_cell(cn: np.ndarray, co: np.ndarray, fixed: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (cn[i] == co[j]) & ~fixed[i]


def _price_in_cells(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    cands: Candidates,
    chosen: np.ndarray,
    cost: np.ndarray,
    excl: np.ndarray | None,
    objective: str,
    cost_of: Callable[[Candidates], np.ndarray],
    nxyz: np.ndarray,
    need_xy: tuple[np.ndarray, np.ndarray],
    offer_xy: tuple[np.ndarray, np.ndarray],
    cell_needs: int,
    shift: float,
    k: int,
    built: int,
    processes: int | None,
) -> tuple[Candidates, np.ndarray, np.ndarray, int]:
    """Pricing for a sharded batch, inside the cells of its last repair pass.

    That pass solved every cell exactly with the capacity the needs matched
    across its borders leave, so the potentials of that problem (the cells'
    arcs, which share only the source and sink) are valid, and a pair inside
    a cell with a negative reduced cost would lower the cost. Such pairs join
    the candidates and the same cells are solved again (no fewer needs, no
    more cost). One round per :data:`CELL_PRICE_ROUNDS`.
    """
    n, m = len(needs), len(offers)
    cn, co = grid_cells(need_xy, offer_xy, cell_needs, shift)
    first = np.zeros(len(cands), dtype=bool)
    first[:built] = True
    covered = covered_radius(cands.take(first), k, n, float(policy.max_distance_km))
    ox = xyz_km(offers.lat, offers.lon)
    added = 0
    for _ in range(CELL_PRICE_ROUNDS):
        _, fixed, cap2 = repair_region(chosen, cands.need, cands.offer, offers.capacity, cn, co)
        local = (cn[cands.need] == co[cands.offer]) & ~fixed[cands.need]
        pot = potentials(cands.need[local], cands.offer[local], cost[local], chosen[local], cap2, n, m)
        if pot is None:
            break
        new, _ = improving_pairs(
            needs,
            offers,
            policy,
            cands,
            pot,
            covered,
            excl,
            objective,
            cost_of,
            nxyz,
            ox,
            pair_ok=partial(_same_cell, cn, co, fixed),
        )
        if len(new) == 0:
            break
        added += len(new)
        cands, chosen = _extend(cands, chosen, new)
        cost = np.concatenate([cost, cost_of(new).astype(cost.dtype)])
        chosen = repair_cost(
            chosen,
            cands.need,
            cands.offer,
            cost,
            offers.capacity,
            need_xy,
            offer_xy,
            cell_needs=cell_needs,
            shifts=(shift,),
            processes=processes,
        )
    return cands, chosen, cost, added


def _to_arrays(
    needs: Sequence[NeedInput], offers: Sequence[OfferInput], policy: Policy
) -> tuple[NeedArrays, OfferArrays]:
    codes = category_codes(needs, offers)
    vocab = tag_vocabulary(needs)
    offer_row = {o.id: j for j, o in enumerate(offers)}
    providers = provider_code_map(o.provider for o in offers)
    return (
        needs_to_arrays(needs, codes, vocab, offer_row, providers),
        offers_to_arrays(offers, codes, vocab, policy),
    )


def _explain(
    na: NeedArrays,
    oa: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    offer_rows: np.ndarray,
    dist: np.ndarray,
    score: np.ndarray,
) -> list[Assignment]:
    terms = pair_terms(na, oa, policy, need_rows, offer_rows, dist)
    weights = {name: policy.weight(name) for name in TERM_NAMES}
    out: list[Assignment] = []
    # tolist(): Python ints from an int64 column, the ids as given from an object one
    need_ids = na.id[need_rows].tolist()
    offer_ids = oa.id[offer_rows].tolist()
    for a in range(need_rows.shape[0]):
        i, j = int(need_rows[a]), int(offer_rows[a])
        out.append(
            Assignment(
                need_id=need_ids[a],
                offer_id=offer_ids[a],
                distance_km=round(float(dist[a]), 3),
                score=float(score[a]),
                terms={name: float(weights[name] * terms[name][a]) for name in TERM_NAMES},
                shared_slots=mask_to_slots(int(na.slots[i]) & int(oa.slots[j])),
            )
        )
    return out


def solve(
    needs: Sequence[NeedInput],
    offers: Sequence[OfferInput],
    policy: Policy | None = None,
    excluded: Iterable[tuple[Key, Key]] = frozenset(),
    solver: SolverName = "optimal",
    shards: int | None = None,
    *,
    objective: Objective = "score",
    k: int = DEFAULT_K,
    processes: int | None = None,
    certify: bool = True,
    price: bool = True,
) -> MatchResult:
    """Match a council batch given as dataclasses (the Django path).

    Ids are any hashable scalars (ints, strings, UUIDs) and come back as
    given. ``excluded`` holds (need id, offer id) pairs never to propose
    (earlier declines); a need's ``excluded_providers`` bar every offer whose
    ``provider`` they name. Returns a :class:`MatchResult` whose
    ``assignments`` carry the score terms for explanations. Needs served are
    maximised first, then the total score (``objective="score"``) or minus
    the total distance (``objective="distance"``).
    """
    policy = policy or Policy()
    t0 = time.perf_counter()
    if not needs or not offers:
        return MatchResult([], 0, 0.0, time.perf_counter() - t0, 0, 0, 0, solver, objective)
    na, oa = _to_arrays(needs, offers, policy)
    need_row = {x.id: i for i, x in enumerate(needs)}
    offer_row = {o.id: j for j, o in enumerate(offers)}
    pairs = [(need_row[a], offer_row[b]) for a, b in excluded if a in need_row and b in offer_row]
    res = solve_arrays(
        na,
        oa,
        policy,
        excluded=pairs,
        solver=solver,
        objective=objective,
        k=k,
        shards=shards,
        processes=processes,
        certify=certify,
        price=price,
    )
    res.assignments = _explain(na, oa, policy, res.need_index, res.offer_index, res.distance_km, res.score)
    res.seconds = time.perf_counter() - t0
    return res


def best_offer_for(
    need: NeedInput,
    offers: Sequence[OfferInput],
    policy: Policy | None = None,
    excluded_offer_ids: Iterable[Key] = frozenset(),
) -> Assignment | None:
    """The instant path: the best feasible offer for one new need, or None.

    Used between batches when a single need is posted; it checks the same
    hard constraints as :func:`solve` (category and clearance, radius and
    maximum distance, shared slot, capacity, excluded offers and providers)
    and ranks by the
    same score. A vectorised scan of the council's offers is cheap for one
    need; the batch path never scans all pairs.
    """
    policy = policy or Policy()
    if not offers:
        return None
    na, oa = _to_arrays([need], offers, policy)
    code = int(na.category[0])
    serves = np.zeros(len(oa), dtype=bool)
    serves[oa.serve_offer[oa.serve_category == code]] = True
    d = haversine_km(na.lat[0], na.lon[0], oa.lat, oa.lon)
    ok = serves & (oa.capacity > 0) & (d <= oa.radius_km) & (d <= policy.max_distance_km)
    ok &= slots_compatible(na.slots[0], oa.slots)
    banned = set(excluded_offer_ids)
    if banned or need.excluded_providers:
        barred = need.excluded_providers
        ok &= np.fromiter(
            (o.id not in banned and o.provider not in barred for o in offers), dtype=bool, count=len(offers)
        )
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return None
    zeros = np.zeros(rows.size, dtype=np.int64)
    sc = pair_scores(na, oa, policy, zeros, rows, d[rows])
    # best score; ties go to the nearer offer, then the lower id (or the earlier row)
    tie = oa.id[rows] if oa.id.dtype != object else rows  # ids of mixed types do not sort
    best = int(np.lexsort((tie, d[rows], -sc))[0])
    j = rows[best : best + 1]
    return _explain(na, oa, policy, zeros[:1], j, d[j], sc[best : best + 1])[0]


__all__ = [
    "AUTO_SHARD_NEEDS",
    "DEFAULT_K",
    "Candidates",
    "best_offer_for",
    "solve",
    "solve_arrays",
]
