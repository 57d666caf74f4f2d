"""The certificate of a maximum: no need left unserved could have been served.

Candidates keep each need's k nearest feasible offers, so an assignment that
is optimal on the candidates can still leave a need unserved that the full
feasible graph could serve: in a dense town centre a need's 16 nearest
offers are all full while a slightly farther one has room (issue 12). This
module proves, or repairs, maximality against *every* feasible pair without
ever building the full graph (docs/decisions/0019-certificate-and-cell-dispatch.md).

Max-flow/min-cut on the candidate graph H with an assignment M that is
maximum on H: let R be the nodes reachable from the source in the residual
graph (unserved needs, the offers their free arcs reach, the needs those
offers serve, ...). The sink is not in R. The full feasible graph G only
adds free arcs need -> offer. If no feasible pair joins a need in R to an
offer outside R, then R stays closed in G's residual graph, no augmenting path
exists in G, and M serves the maximum number of needs G allows: the
certificate. If such pairs exist they are added to H (the candidate set
grows), M is augmented along the new paths, and the check repeats until none
is found.

The check asks, for every offer *outside* R with capacity, which needs of R
lie within its radius (a KD-tree per category over R's needs, the nearest
few, with the same slot and exclusion tests as the candidates). Offers far
from every reachable need are answered by the tree's distance bound at once,
so the work is about one nearest-neighbour query per offer, not a scan of
all pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order
from scipy.spatial import cKDTree

from .candidates import (
    EARTH_RADIUS_KM,
    Candidates,
    _is_excluded,
    _offers_by_category,
    build_candidates,
    chord_to_km,
    exclusion_keys,
    km_to_chord,
    slots_compatible,
    xyz_km,
)
from .shards import _residual, augment
from .types import NeedArrays, OfferArrays, Policy

#: Feasible pairs added per offer outside R in one layer (its nearest
#: reachable needs). Measured on a 20k clustered instance: 4 took 11 rounds,
#: 16 took 6, 64 took 5 (each round is one global augment).
GROW_PER_OFFER = 16
#: Adaptive growth: after round r the needs reachable from the unserved ones
#: get their ``GROW_K * 2**r`` nearest feasible offers, at most ``MAX_GROW_K``
#: (20k clustered: 3 rounds instead of 6). 32, not 64: pricing
#: (:mod:`~matching.engine.pricing`) now finds the farther pairs the objective
#: needs, and a smaller graph solves faster (20k: 7 s CPU instead of 11).
GROW_K = 16
MAX_GROW_K = 32
#: A min-cost augment runs on the nodes a max-flow's paths touch and this
#: many residual arcs around them (:func:`~matching.engine.shards.augment`);
#: None: the whole pruned region, as costly as solving the batch again. The
#: two min-cost border passes leave it little to do (30k uniform: nothing).
AUGMENT_HOPS: int | None = 2
#: Rounds before giving up and reporting the certificate as not held (every
#: round adds at least one pair, so the loop ends anyway; this bounds time).
MAX_ROUNDS = 40
#: Layers of one round's search for pairs beyond the candidates (each layer
#: reaches one pair further from the unserved needs).
MAX_LAYERS = 200


@dataclass(slots=True)
class Certificate:
    """What the check found. ``held``: no augmenting path exists in the full
    feasible graph, so ``matched`` is the exact maximum. ``grown_pairs``:
    pairs beyond the k nearest that the growth added."""

    held: bool
    rounds: int
    grown_pairs: int
    matched_before: int
    matched_after: int
    seconds: float


def reachable(
    chosen: np.ndarray, need: np.ndarray, offer: np.ndarray, capacity: np.ndarray, n_needs: int, n_offers: int
) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """(needs in R, offers in R, sink reached) for the residual graph of an
    assignment over rows; None when nobody is unserved or no capacity is left
    (then the assignment is trivially maximum).

    Every unserved need is in R, even one without a candidate arc, so the
    certificate does not rest on the candidate generator having found all
    of a need's feasible offers.
    """
    res = _residual(chosen, need, offer, capacity, rows=(n_needs, n_offers))
    if res is None:
        return None
    tails, heads, _, _, _, src, snk = res
    n_nodes = snk + 1
    graph = csr_matrix((np.ones(tails.size, dtype=np.int8), (tails, heads)), shape=(n_nodes, n_nodes))
    reach = np.zeros(n_nodes, dtype=bool)
    reach[breadth_first_order(graph, src, directed=True, return_predecessors=False)] = True
    unserved = np.ones(n_needs, dtype=bool)
    unserved[need[chosen]] = False
    return reach[:n_needs] | unserved, reach[n_needs : n_needs + n_offers], bool(reach[snk])


def crossing_pairs(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    in_r_needs: np.ndarray,
    in_r_offers: np.ndarray,
    excluded: np.ndarray | None,
    *,
    per_offer: int = GROW_PER_OFFER,
    need_xyz: np.ndarray | None = None,
    offer_xyz: np.ndarray | None = None,
) -> Candidates:
    """Feasible pairs (need in R, offer with capacity outside R): up to
    ``per_offer`` nearest needs per offer. Empty = the certificate holds."""
    nx = need_xyz if need_xyz is not None else xyz_km(needs.lat, needs.lon)
    ox = offer_xyz if offer_xyz is not None else xyz_km(offers.lat, offers.lon)
    max_km = float(policy.max_distance_km)
    m_total = len(offers)
    outside = ~in_r_offers & (offers.capacity > 0)
    by_cat = _offers_by_category(offers, outside)
    r_rows = np.flatnonzero(in_r_needs)
    out_n: list[np.ndarray] = []
    out_o: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    examined = 0
    if r_rows.size == 0:
        return Candidates.empty()
    r_cat = needs.category[r_rows]
    order = np.argsort(r_cat, kind="stable")
    r_rows, r_cat = r_rows[order], r_cat[order]
    cats, starts = np.unique(r_cat, return_index=True)
    ends = np.append(starts[1:], r_rows.size)
    for c, s, e in zip(cats.tolist(), starts.tolist(), ends.tolist(), strict=True):
        pool = by_cat.get(int(c))
        if pool is None or pool.size == 0:
            continue
        rows = r_rows[s:e]
        tree = cKDTree(nx[rows])
        reach_km = np.minimum(offers.radius_km[pool].astype(np.float64), max_km)
        own = (2 * EARTH_RADIUS_KM) * np.sin(reach_km / (2 * EARTH_RADIUS_KM)) * (1 + 1e-12)
        bound = km_to_chord(float(reach_km.max())) * (1 + 1e-9) + 1e-9
        pending = np.arange(pool.size)
        kq = int(min(rows.size, per_offer + 2))
        while pending.size:
            d, ix = tree.query(ox[pool[pending]], k=kq, distance_upper_bound=bound)
            if kq == 1:
                d, ix = d[:, None], ix[:, None]
            valid = ix < rows.size
            examined += int(valid.sum())
            need_rows = rows[np.where(valid, ix, 0)]
            off = pool[pending]
            feas = valid & (d <= own[pending][:, None])
            feas &= slots_compatible(needs.slots[need_rows], offers.slots[off][:, None])
            if excluded is not None and excluded.size:
                feas &= ~_is_excluded(exclusion_keys(need_rows, off[:, None], m_total), excluded)
            cnt = np.cumsum(feas, axis=1, dtype=np.int32)
            # an offer is finished unless every neighbour returned was real,
            # within its own radius, and fewer than per_offer were feasible
            again = valid[:, -1] & (d[:, -1] <= own[pending]) & (cnt[:, -1] < per_offer) & (kq < rows.size)
            keep = feas & (cnt <= per_offer) & ~again[:, None]
            r, col = np.nonzero(keep)
            out_n.append(need_rows[r, col].astype(np.int32))
            out_o.append(off[r].astype(np.int32))
            out_d.append(chord_to_km(d[r, col]).astype(np.float32))
            pending = pending[again]
            kq = int(min(rows.size, kq * 2))
    if not out_n:
        return Candidates.empty()
    found = Candidates(np.concatenate(out_n), np.concatenate(out_o), np.concatenate(out_d), examined)
    if len(found) == 0:
        found.rank = np.empty(0, np.int16)
    return found


def _extend(cands: Candidates, chosen: np.ndarray, new: Candidates) -> tuple[Candidates, np.ndarray]:
    """Append new (unchosen) arcs, ranked beyond every k."""
    rank = None
    if cands.rank is not None:
        rank = np.concatenate([cands.rank, np.full(len(new), np.iinfo(np.int16).max, dtype=np.int16)])
    grown = Candidates(
        np.concatenate([cands.need, new.need]),
        np.concatenate([cands.offer, new.offer]),
        np.concatenate([cands.distance_km, new.distance_km]),
        cands.examined + new.examined,
        rank,
    )
    return grown, np.concatenate([chosen, np.zeros(len(new), dtype=bool)])


def _nearer_arcs(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    k_have: np.ndarray,
    rows_mask: np.ndarray,
    k: int,
    excluded: np.ndarray | None,
    nx: np.ndarray,
    ox: np.ndarray,
) -> Candidates:
    """The k nearest feasible offers of the masked needs, less the nearest
    ``k_have[need]`` they already hold (the same query returns the same first
    arcs; a rare tie held twice costs nothing, a need takes one unit).
    Raises ``k_have`` of those needs to ``k``."""
    rows = np.flatnonzero(rows_mask & (k_have < k))
    if rows.size == 0:
        return Candidates.empty()
    more = build_candidates(needs, offers, policy, k=k, excluded=excluded, need_rows=rows, need_xyz=nx, offer_xyz=ox)
    held = k_have[more.need] if len(more) else np.empty(0, dtype=k_have.dtype)
    k_have[rows] = k
    if len(more) == 0 or more.rank is None:
        return more
    return more.take(more.rank >= held)


def certify_and_grow(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    cands: Candidates,
    chosen: np.ndarray,
    excluded: np.ndarray | None,
    *,
    need_xyz: np.ndarray | None = None,
    max_rounds: int = MAX_ROUNDS,
    max_layers: int = MAX_LAYERS,
    per_offer: int = GROW_PER_OFFER,
    grow_k: int = GROW_K,
    max_k: int = MAX_GROW_K,
    cost: np.ndarray | None = None,
    cost_of: Callable[[Candidates], np.ndarray] | None = None,
    min_cost_augment: bool = True,
) -> tuple[Candidates, np.ndarray, Certificate, np.ndarray | None]:
    """Grow ``cands`` and augment ``chosen`` until no augmenting path exists
    in the full feasible graph (see the module docstring).

    ``chosen`` is a bool mask over ``cands`` forming a valid assignment; it
    need not be maximum on ``cands`` (it is augmented first). Returns the
    grown candidates (new arcs appended, ranked beyond every k), the new mask and the
    certificate. The count served only ever rises, and every arc added
    passes the same hard constraints as the candidates.

    ``cost`` (per arc) and ``cost_of`` (the cost of new arcs) make the
    augments min-cost (the cheapest augmenting paths, see
    :func:`~matching.engine.shards.augment`); the grown cost array is
    returned as the fourth item (None without ``cost``).
    """
    t0 = time.perf_counter()
    n, m = len(needs), len(offers)
    capacity = offers.capacity.astype(np.int64)
    before = int(chosen.sum())
    nx = need_xyz if need_xyz is not None else xyz_km(needs.lat, needs.lon)
    ox = xyz_km(offers.lat, offers.lon)
    grown = 0
    held = False
    rounds = 0
    found = None
    # how many nearest offers each need already holds as candidates
    k_have = np.bincount(cands.need, minlength=n).astype(np.int32)
    for rounds in range(1, max_rounds + 1):
        chosen = augment(
            chosen,
            cands.need,
            cands.offer,
            capacity,
            prune=True,
            rows=(n, m),
            cost=cost if min_cost_augment else None,
            hops=AUGMENT_HOPS,
        )
        # Close R over the full feasible graph before augmenting again: a
        # path out of a saturated town often needs several pairs beyond the
        # k nearest in a row, and each layer finds the next one.
        added = 0
        region: np.ndarray | None = None
        for _layer in range(max_layers):
            found = reachable(chosen, cands.need, cands.offer, capacity, n, m)
            if found is None:
                break
            # even when the sink is reached (paths exist on the grown pairs)
            # the layers go on: one augment then serves every need they reach
            in_r_needs, in_r_offers, _ = found
            if region is None:
                region = in_r_needs
            new = crossing_pairs(
                needs, offers, policy, in_r_needs, in_r_offers, excluded, per_offer=per_offer, need_xyz=nx, offer_xyz=ox
            )
            if len(new) == 0:
                break
            added += len(new)
            cands, chosen = _extend(cands, chosen, new)
            cost = _extend_cost(cost, cost_of, new)
        if added == 0:
            held = found is None or not found[2]
            break
        if grow_k and region is not None:
            # adaptive growth: the needs reachable from the unserved ones
            # also get their k * 2**round nearest feasible offers, for the
            # paths the next round needs and for the objective among them
            more = _nearer_arcs(needs, offers, policy, k_have, region, min(grow_k << rounds, max_k), excluded, nx, ox)
            added += len(more)
            cands, chosen = _extend(cands, chosen, more)
            cost = _extend_cost(cost, cost_of, more)
        grown += added
    cert = Certificate(
        held=held,
        rounds=rounds,
        grown_pairs=grown,
        matched_before=before,
        matched_after=int(chosen.sum()),
        seconds=time.perf_counter() - t0,
    )
    return cands, chosen, cert, cost


def _extend_cost(
    cost: np.ndarray | None, cost_of: Callable[[Candidates], np.ndarray] | None, new: Candidates
) -> np.ndarray | None:
    if cost is None or len(new) == 0:
        return cost
    if cost_of is None:
        raise ValueError("cost_of is required with cost")
    return np.concatenate([cost, cost_of(new).astype(cost.dtype)])


__all__ = ["Certificate", "certify_and_grow", "crossing_pairs", "reachable"]
