"""Assignment solvers over a sparse candidate graph.

``min_cost_flow`` is the exact solver: OR-Tools ``SimpleMinCostFlow`` on
source -> need (capacity 1) -> offer (capacity 1 per arc) -> sink (the
offer's capacity left), solved with ``solve_max_flow_with_min_cost``: the
flow is first made maximum (as many needs served as the candidate graph
allows) and then the cheapest among maximum flows is found. That is exactly
the lexicographic objective "serve most needs, then best total score" with no
big-M penalty, which would inflate the cost range OR-Tools' cost scaling
works through (see docs/decisions/0002-matching-solver.md).

``greedy`` is the baseline and the instant path: needs in priority order
(urgency, then time waited), each takes its best candidate with capacity left.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow as _mcf


def compress(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)`` without a sort when the ids are
    dense enough: a cell's need rows span the batch, and a presence table plus
    a cumulative sum is several times faster than sorting its arcs."""
    if ids.size == 0:
        return ids.astype(np.int64), np.zeros(0, dtype=np.int64)
    lo = int(ids.min())
    span = int(ids.max()) - lo + 1
    if span > 4 * ids.size + 4096:
        return np.unique(ids, return_inverse=True)
    shifted = ids - lo
    present = np.zeros(span, dtype=bool)
    present[shifted] = True
    remap = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present) + lo, remap[shifted]


class SolverError(RuntimeError):
    """OR-Tools did not return an optimal flow (should not happen on valid input)."""


def min_cost_flow(
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Exact lexicographic optimum; returns a bool mask of the chosen arcs.

    ``need``/``offer`` are row numbers of each candidate arc, ``cost`` its
    int64 cost (>= 0) and ``capacity`` the capacity left per offer *row*.
    Rows that appear in no arc cost nothing: the graph is compressed to the
    needs and offers that do appear.
    """
    n_arcs = need.shape[0]
    if n_arcs == 0:
        return np.zeros(0, dtype=bool)
    un, ni = compress(need)
    uo, oi = compress(offer)
    a, b = un.size, uo.size
    # An offer never needs more capacity than it has arcs.
    deg = np.bincount(oi, minlength=b)
    cap = np.minimum(capacity[uo].astype(np.int64), deg)
    src, snk = a + b, a + b + 1
    # arcs: candidates first (so flows[:n_arcs] map back), then source -> need,
    # then offer -> sink
    tails = np.concatenate([ni, np.full(a, src), np.arange(b) + a]).astype(np.int32)
    heads = np.concatenate([oi + a, np.arange(a), np.full(b, snk)]).astype(np.int32)
    caps = np.concatenate([np.ones(n_arcs, np.int64), np.ones(a, np.int64), cap])
    costs = np.concatenate([cost.astype(np.int64), np.zeros(a + b, np.int64)])
    smcf = _mcf.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(a + b + 2, dtype=np.int64)
    supplies[src] = a
    supplies[snk] = -a
    smcf.set_nodes_supplies(np.arange(a + b + 2, dtype=np.int32), supplies)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min cost flow status {status}")
    flows = smcf.flows(np.arange(n_arcs, dtype=np.int32))
    return flows > 0


def greedy(
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """Need-by-need greedy; returns a bool mask of the chosen arcs.

    ``priority`` is per need *row*: higher goes first. Each need takes its
    cheapest arc whose offer still has capacity.
    """
    n_arcs = need.shape[0]
    chosen = np.zeros(n_arcs, dtype=bool)
    if n_arcs == 0:
        return chosen
    # arcs grouped by need in priority order, cheapest first within a need:
    # one int64 key (need's priority rank, cost) sorts faster than a lexsort
    rank = np.empty(priority.shape[0], dtype=np.int64)
    rank[np.argsort(-priority, kind="stable")] = np.arange(priority.shape[0])
    key = (rank[need] << 32) | (cost.astype(np.int64) - int(cost.min()))
    order = np.argsort(key)
    nd = need[order]
    starts = np.flatnonzero(np.r_[True, nd[1:] != nd[:-1]])
    ends = np.r_[starts[1:], n_arcs]
    off = offer[order].tolist()
    cap = capacity.astype(np.int64).tolist()
    picked: list[int] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        for p in range(s, e):
            j = off[p]
            if cap[j] > 0:
                cap[j] -= 1
                picked.append(p)
                break
    chosen[order[np.array(picked, dtype=np.int64)]] = True
    return chosen


def need_priority(urgency: np.ndarray, waited_hours: np.ndarray) -> np.ndarray:
    """Greedy order: urgency first, then time waited (so nobody starves)."""
    return urgency.astype(np.float64) * 1e6 + np.minimum(waited_hours.astype(np.float64), 9.9e5)
