"""Pricing: the pairs beyond the candidates that would lower the cost.

The certificate (:mod:`~matching.engine.certificate`) proves the *count*
served is the maximum over every feasible pair. The objective among maximum
assignments is optimal on the candidate graph H, but the exact optimum over
every pair may use arcs H lacks: in a saturated town centre the cheapest way
to serve everyone sends some needs past their 16 nearest offers (issue 12:
a quarter of the exact optimum's arcs at 20k clustered needs).

Min-cost-flow duality tells which pairs matter, as column generation does
for linear programs. After an optimal solve on H, node potentials ``p``
(shortest-path distances from a virtual root in the residual graph, which
has no negative cycle) make every residual arc's reduced cost
``cost + p[tail] - p[head]`` non-negative. A pair (need i, offer j) outside
H lowers the cost iff ``cost(i, j) + p[i] - p[j] < 0``. As ``p <= 0``, only
offers with ``cost(i, j) < -p[i]`` can qualify; cost grows with distance
(``distance``: metres; ``score``: at least the distance term), so that is a
radius query around need i, and only for needs whose radius reaches past the
offers H already holds for them. The pairs with a negative reduced cost are
added and H is solved again, until none is found (then the objective is the
exact optimum over every feasible pair) or the rounds run out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .candidates import (
    EARTH_RADIUS_KM,
    Candidates,
    _is_excluded,
    _offers_by_category,
    chord_to_km,
    exclusion_keys,
    slots_compatible,
    xyz_km,
)
from .certificate import _extend
from .score import DISTANCE_SCALE, SCORE_SCALE
from .solvers import min_cost_flow
from .types import NeedArrays, OfferArrays, Policy

#: Neighbours asked per need beyond the ones it holds, in one pricing query.
PRICE_PER_NEED = 32
#: At most this many offers per need and round (nearest in the 4-D index;
#: 20k clustered: 64 and two rounds +0.13% km vs exact in 7 s CPU, unbounded
#: and to the end exact in 33 s).
MAX_PRICE_PER_NEED = 64
#: Bellman-Ford sweeps before the potentials are given up on (each sweep is
#: one pass over the arcs; shortest paths here are a few dozen arcs long).
MAX_SWEEPS = 5_000


@dataclass(slots=True)
class Pricing:
    """What pricing did: ``rounds`` re-solves, ``added`` pairs, and whether
    the last round found no improving pair (``optimal``: the objective is
    the exact optimum over every feasible pair, to the solver's rounding)."""

    rounds: int
    added: int
    optimal: bool


def potentials(
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    chosen: np.ndarray,
    capacity: np.ndarray,
    n_needs: int,
    n_offers: int,
) -> np.ndarray | None:
    """Shortest-path distances (<= 0) from a virtual root to every need row
    and then every offer row in the residual graph of ``chosen``; None if they
    do not settle (a negative cycle: ``chosen`` was not cost-optimal)."""
    ni = need.astype(np.int64)
    oi = offer.astype(np.int64) + n_needs
    src, snk = n_needs + n_offers, n_needs + n_offers + 1
    served = np.zeros(n_needs, dtype=bool)
    served[need[chosen]] = True
    used = np.bincount(offer[chosen], minlength=n_offers)
    spare = capacity.astype(np.int64) - used > 0
    has = used > 0
    c = cost.astype(np.int64)
    rows_n = np.arange(n_needs, dtype=np.int64)
    rows_o = np.arange(n_offers, dtype=np.int64) + n_needs
    tails = np.concatenate(
        [ni[~chosen], oi[chosen], np.full((~served).sum(), src), rows_n[served], rows_o[spare], np.full(has.sum(), snk)]
    )
    heads = np.concatenate(
        [oi[~chosen], ni[chosen], rows_n[~served], np.full(served.sum(), src), np.full(spare.sum(), snk), rows_o[has]]
    )
    w = np.concatenate([c[~chosen], -c[chosen], np.zeros(tails.size - chosen.size, np.int64)])
    order = np.argsort(heads, kind="stable")
    tails, heads, w = tails[order], heads[order], w[order]
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
    targets = heads[starts]
    d = np.zeros(snk + 1, dtype=np.int64)
    for _ in range(MAX_SWEEPS):
        best = np.minimum.reduceat(d[tails] + w, starts)
        better = best < d[targets]
        if not better.any():
            return d[: n_needs + n_offers]
        d[targets[better]] = best[better]
    return None


def improving_pairs(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    cands: Candidates,
    pot: np.ndarray,
    covered_km: np.ndarray,
    excluded: np.ndarray | None,
    objective: str,
    cost_of: Callable[[Candidates], np.ndarray],
    nx: np.ndarray,
    ox: np.ndarray,
    *,
    per_need: int = PRICE_PER_NEED,
    max_per_need: int = MAX_PRICE_PER_NEED,
    pair_ok: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[Candidates, bool]:
    """Feasible pairs outside ``cands`` with a negative reduced cost.

    ``covered_km[i]``: every feasible offer of need i nearer than this is
    already a candidate, so the query looks beyond it only. The flag says
    whether the search was exhaustive (no need hit ``max_per_need``).
    ``pair_ok(need rows, offer rows)`` limits the pairs (a sharded batch
    prices inside its repair cells, where its potentials are valid)."""
    n, m = len(needs), len(offers)
    if objective == "distance":
        per_km = float(DISTANCE_SCALE)
    else:
        per_km = SCORE_SCALE * policy.weight("distance") / max(float(policy.max_distance_km), 1e-9)
    max_km = float(policy.max_distance_km)
    have = np.unique(exclusion_keys(cands.need, cands.offer, m))
    covered_chord = (2 * EARTH_RADIUS_KM) * np.sin(np.minimum(covered_km, max_km) / (2 * EARTH_RADIUS_KM))
    covered_chord = np.nextafter(covered_chord, -np.inf)  # ties at the covered distance are asked too
    by_cat = _offers_by_category(offers, offers.capacity > 0)
    out: list[Candidates] = []
    truncated = False
    for c in np.unique(needs.category).tolist():
        pool = by_cat.get(int(c))
        if pool is None or pool.size == 0:
            continue
        rows = np.flatnonzero(needs.category == c)
        # An improving pair has km(i, j) + w[j] < reach[i], with w[j] >= 0 how
        # much dearer offer j is than the pool's cheapest (in km of cost) and
        # reach[i] how much dearer need i is. Offers are indexed in 4-D
        # (position, w): the ball of radius reach[i] around (need i, 0)
        # holds every such offer, and leaves out the saturated ones as dear
        # as the need itself, which a plain radius query would return.
        pool_pot = pot[n + pool].astype(np.float64)
        top = float(pool_pot.max())
        if per_km > 0:
            w = (top - pool_pot) / per_km
            reach = (top - pot[rows].astype(np.float64) + 1.0) / per_km
        else:
            w = np.zeros(pool.size)
            reach = np.full(rows.size, 2 * max_km)
        rows_ok = reach > covered_km[rows]
        rows, reach = rows[rows_ok], reach[rows_ok]
        if rows.size == 0:
            continue
        tree = cKDTree(np.column_stack([ox[pool], w]))
        pts = np.column_stack([nx[rows], np.zeros(rows.size)])
        kq = int(min(pool.size, per_need))
        pending = np.arange(rows.size)
        while pending.size:
            # rows whose last neighbour is still inside their ball ask again
            # with twice as many, up to max_per_need (then the search is not
            # exhaustive and pricing claims no optimum)
            prow, bound = rows[pending], reach[pending] * (1 + 1e-9) + 1e-9
            d4, ix = tree.query(pts[pending], k=kq, distance_upper_bound=float(bound.max()))
            if kq == 1:
                d4, ix = d4[:, None], ix[:, None]
            valid = (ix < pool.size) & (d4 <= bound[:, None])
            full = valid[:, -1]
            again = full & (kq < min(pool.size, max_per_need))
            truncated |= bool((full & ~again).any()) and kq < pool.size
            valid &= ~again[:, None]
            pending = pending[again]
            kq = int(min(pool.size, kq * 2))
            r, col = np.nonzero(valid)
            if r.size == 0:
                continue
            nr, orow = prow[r], pool[ix[r, col]]
            d = np.sqrt(((nx[nr] - ox[orow]) ** 2).sum(axis=1))
            own = (2 * EARTH_RADIUS_KM) * np.sin(
                np.minimum(offers.radius_km[orow].astype(np.float64), max_km) / (2 * EARTH_RADIUS_KM)
            )
            ok = (d <= own * (1 + 1e-12)) & (d > covered_chord[nr])
            ok &= slots_compatible(needs.slots[nr], offers.slots[orow])
            if pair_ok is not None:
                ok &= pair_ok(nr, orow)
            keys = exclusion_keys(nr, orow, m)
            ok &= ~_is_excluded(keys, have)
            if excluded is not None and excluded.size:
                ok &= ~_is_excluded(keys, excluded)
            new = Candidates(
                nr[ok].astype(np.int32), orow[ok].astype(np.int32), chord_to_km(d[ok]).astype(np.float32), 0
            )
            rc = cost_of(new) + pot[new.need] - pot[n + new.offer]
            out.append(new.take(rc < 0))
    if not out:
        return Candidates.empty(), not truncated
    found = Candidates(
        np.concatenate([x.need for x in out]),
        np.concatenate([x.offer for x in out]),
        np.concatenate([x.distance_km for x in out]),
        sum(x.examined for x in out),
        np.full(sum(len(x) for x in out), np.iinfo(np.int16).max, dtype=np.int16),
    )
    return found, not truncated


def covered_radius(cands: Candidates, k: int, n_needs: int, max_km: float) -> np.ndarray:
    """Per need, a distance within which every feasible offer is a candidate:
    the farthest of its k nearest (ranks below k), or the maximum distance
    when it found fewer than k (it holds them all)."""
    near = np.flatnonzero(cands.rank < k) if cands.rank is not None else np.arange(len(cands))
    nd, dist = cands.need[near].astype(np.int64), cands.distance_km[near].astype(np.float64)
    count = np.bincount(nd, minlength=n_needs)
    # the k-th nearest arc of each need (a continuity arc, ranked 0, may lie
    # farther than the k nearest and must not widen the covered disc)
    order = np.lexsort((dist, nd))
    first = np.cumsum(count) - count
    out = np.full(n_needs, max_km)
    full = np.flatnonzero(count >= k)
    out[full] = dist[order[first[full] + k - 1]]
    return out


__all__ = ["Pricing", "covered_radius", "improving_pairs", "potentials"]


#: Pricing rounds (each one more exact solve of the grown graph).
MAX_PRICE_ROUNDS = 2


def price_and_solve(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    cands: Candidates,
    chosen: np.ndarray,
    cost: np.ndarray,
    excluded: np.ndarray | None,
    objective: str,
    cost_of: Callable[[Candidates], np.ndarray],
    covered_km: np.ndarray,
    nx: np.ndarray,
    *,
    max_rounds: int = MAX_PRICE_ROUNDS,
) -> tuple[Candidates, np.ndarray, np.ndarray, Pricing]:
    """Add improving pairs and solve again until none is left (see the module
    docstring). ``chosen`` must be a min-cost maximum assignment on ``cands``
    (an exact solve); the result is one too, on the grown candidates."""
    n, m = len(needs), len(offers)
    ox = xyz_km(offers.lat, offers.lon)
    added = 0
    for rnd in range(1, max_rounds + 1):
        pot = potentials(cands.need, cands.offer, cost, chosen, offers.capacity, n, m)
        if pot is None:
            return cands, chosen, cost, Pricing(rnd - 1, added, False)
        new, exhaustive = improving_pairs(
            needs, offers, policy, cands, pot, covered_km, excluded, objective, cost_of, nx, ox
        )
        if len(new) == 0:
            return cands, chosen, cost, Pricing(rnd - 1, added, exhaustive)
        added += len(new)
        cands, chosen = _extend(cands, chosen, new)
        cost = np.concatenate([cost, cost_of(new).astype(cost.dtype)])
        chosen = min_cost_flow(cands.need, cands.offer, cost, offers.capacity)
    return cands, chosen, cost, Pricing(max_rounds, added, False)
