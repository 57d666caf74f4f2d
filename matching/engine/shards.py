"""Geographic shards: exact cells in parallel, then border passes.

Why: OR-Tools' min-cost flow grows much faster than linearly on these graphs
(measured here: a cell of 1k needs ~0.01 s; a whole 100k batch ~9 s), while
its max-flow is near-linear and a candidate graph is local. So a large batch
is solved in passes (docs/decisions/0002-matching-solver.md):

1. **Cells.** A square grid of cells of ~1k needs; every need and every offer
   belongs to exactly one cell (by its own position). Each cell is solved
   exactly (most needs served, then best score) on the arcs inside it, on a
   forked process pool (2 cores).
2. **Border pass (augment).** A coarse grid (4x4 cells a side) shifted so
   the cell borders lie inside its cells. In each coarse cell one max-flow on
   the *residual* graph of the current assignment (unmatched need -> any
   candidate offer; a chosen arc may be undone; offer with capacity left ->
   sink): each unit of flow is an augmenting path, so unmatched needs near a
   border reach capacity across it, moving other needs along if needed.
   Optionally (``exact_count``) one global augment follows, after which the
   number served equals the exact optimum of the whole candidate graph.
3. **Score repair** (optional). The cell grid shifted by half a cell; in each
   shifted cell the needs whose offer lies in the same cell are re-solved
   (most served, then best score). Their current assignment stays feasible,
   so this never serves fewer needs nor scores worse.

Needs matched across a border of the grid a pass uses keep their offer in
that pass. Workers are forked and read the arrays from this module's
globals, so nothing large is pickled; each returns the arc ids it chose.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow as _maxflow
from ortools.graph.python import min_cost_flow as _mcf
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from .solvers import SolverError, compress, min_cost_flow

#: Needs per cell. Small cells solve fast (the min-cost flow is superlinear)
#: and the border pass restores the optimal count, so only score is at stake.
DEFAULT_CELL_NEEDS = 1000

#: The border pass's cells are this many pass-1 cells a side (16x the area):
#: max-flow is near-linear, and bigger cells cut fewer augmenting paths
#: (measured at 100k: 1 -> 0.8% below the optimum count, 4 -> 0.05%).
DEFAULT_AUGMENT_FACTOR = 4
#: Above this many arcs (~250k needs) the border pass runs twice, on two
#: coarse grids whose borders never meet (1M needs: 0.23% -> see performance.md).
TWO_PASS_MIN_ARCS = 4_000_000
#: Graphs up to this many arcs also get the exact global augment by default.
EXACT_COUNT_MAX_ARCS = 400_000

# State shared with forked workers (set just before the pool is created).
_STATE: dict[str, np.ndarray] = {}


@dataclass(slots=True)
class ShardStats:
    """What the sharded solve did, for MatchResult and the benchmark."""

    cells: int
    matched_cells: int
    matched_augmented: int
    matched_final: int
    seconds_cells: float
    seconds_augment: float
    seconds_repair: float


def project_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection; ample for a council-sized area."""
    x = (lon - lon0) * (111.32 * np.cos(np.radians(lat0)))
    y = (lat - lat0) * 111.32
    return x, y


def grid_side_km(x: np.ndarray, y: np.ndarray, cell_needs: int) -> float:
    """Square cell side so a cell holds about ``cell_needs`` needs on average."""
    n = x.shape[0]
    w = float(np.ptp(x)) if n else 0.0
    h = float(np.ptp(y)) if n else 0.0
    area = max(w, 1e-3) * max(h, 1e-3)
    cells = max(1.0, n / max(cell_needs, 1))
    return float(np.sqrt(area / cells))


def cell_ids(x: np.ndarray, y: np.ndarray, x0: float, y0: float, side: float, shift: float) -> np.ndarray:
    """Integer cell id of each point on a grid shifted by ``shift`` cells."""
    cx = np.floor((x - x0) / side + shift).astype(np.int64)
    cy = np.floor((y - y0) / side + shift).astype(np.int64)
    return cx * 1_000_003 + cy


def default_processes() -> int:
    """The CPUs this process may use (2 on the target machine)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _solve_cell(bounds: tuple[int, int]) -> np.ndarray:
    s, e = bounds
    arcs = _STATE["arcs"][s:e]
    chosen = min_cost_flow(_STATE["need"][arcs], _STATE["offer"][arcs], _STATE["cost"][arcs], _STATE["capacity"])
    return arcs[chosen]


def _map(fn: Callable[[tuple[int, int]], np.ndarray], tasks: list[tuple[int, int]], processes: int) -> list[np.ndarray]:
    # a daemonic process (a Celery prefork child) may not have children
    serial = processes <= 1 or len(tasks) <= 1 or mp.current_process().daemon
    if serial or "fork" not in mp.get_all_start_methods():
        return [fn(t) for t in tasks]
    # fork: workers inherit _STATE without pickling; the engine holds no locks
    # or threads while it forks.
    ctx = mp.get_context("fork")
    with ctx.Pool(min(processes, len(tasks))) as pool:
        return list(pool.imap_unordered(fn, tasks, chunksize=1))


def run_cells(
    fn: Callable[[tuple[int, int]], np.ndarray],
    arcs: np.ndarray,
    cell_of_need: np.ndarray,
    need: np.ndarray,
    processes: int,
    **state: np.ndarray,
) -> tuple[list[np.ndarray], int]:
    """Run ``fn`` on every cell's arcs (cell = the need's cell; callers pass
    only arcs whose offer is in the same cell), on a forked pool."""
    if arcs.size == 0:
        return [], 0
    # renumber cells 0..c-1 (a sort of the needs, not of the arcs); small
    # codes let numpy radix-sort the arcs in O(n)
    _, need_codes = np.unique(cell_of_need, return_inverse=True)
    if need_codes.max(initial=0) < 65_536:
        need_codes = need_codes.astype(np.uint16)
    cells_of_arc = need_codes[need[arcs]]
    order = np.argsort(cells_of_arc, kind="stable")
    arcs = arcs[order].astype(np.int32)
    cells = cells_of_arc[order]
    del order, cells_of_arc
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    ends = np.r_[starts[1:], arcs.size]
    # biggest cells first, so the pool's tail is short
    tasks = sorted(zip(starts.tolist(), ends.tolist(), strict=True), key=lambda t: t[0] - t[1])
    _STATE.update(arcs=arcs, need=need, **state)
    try:
        out = _map(fn, tasks, processes)
    finally:
        _STATE.clear()
    return out, len(tasks)


def solve_cells(
    arcs: np.ndarray,
    cell_of_need: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    processes: int,
) -> tuple[np.ndarray, int]:
    """Exact min-cost flow per cell; returns chosen arc ids and the cell count."""
    out, cells = run_cells(_solve_cell, arcs, cell_of_need, need, processes, offer=offer, cost=cost, capacity=capacity)
    chosen = np.concatenate(out) if out else np.empty(0, np.int64)
    return chosen.astype(np.int64), cells


def _residual(
    chosen: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    capacity: np.ndarray,
    rows: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int] | None:
    """Residual graph of an assignment over local node ids.

    Nodes: needs 0..a-1, offers a..a+b-1, source a+b, sink a+b+1. Arcs: free
    candidate arcs need -> offer, chosen arcs reversed offer -> need, source ->
    unmatched need, offer with capacity left -> sink. Returns None when no
    augmenting path can exist (nobody open or no capacity left). With
    ``rows=(needs, offers)`` node ids are the rows themselves (no sort of a
    16M-arc array just to renumber; needs without arcs are isolated nodes).
    """
    if rows is None:
        un, ni = compress(need)
        uo, oi = compress(offer)
        a, b = un.size, uo.size
        cap = capacity[uo].astype(np.int64)
    else:
        ni, oi = need.astype(np.int64), offer.astype(np.int64)
        a, b = rows
        cap = capacity.astype(np.int64)
    matched = np.zeros(a, dtype=bool)
    matched[ni[chosen]] = True
    if rows is not None:
        has_arc = np.zeros(a, dtype=bool)
        has_arc[ni] = True
        matched |= ~has_arc  # a need without arcs cannot be augmented
    left = cap - np.bincount(oi[chosen], minlength=b)
    open_needs = np.flatnonzero(~matched)
    open_offers = np.flatnonzero(left > 0)
    if open_needs.size == 0 or open_offers.size == 0:
        return None
    free = np.flatnonzero(~chosen)
    used = np.flatnonzero(chosen)
    src, snk = a + b, a + b + 1
    tails = np.concatenate([ni[free], oi[used] + a, np.full(open_needs.size, src), open_offers + a])
    heads = np.concatenate([oi[free] + a, ni[used], open_needs, np.full(open_offers.size, snk)])
    caps = np.concatenate([np.ones(free.size + used.size + open_needs.size, np.int64), left[open_offers]])
    return tails.astype(np.int32), heads.astype(np.int32), caps, free, used, src, snk


def augment(
    chosen: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    capacity: np.ndarray,
    *,
    prune: bool = False,
    rows: tuple[int, int] | None = None,
    cost: np.ndarray | None = None,
    hops: int | None = None,
) -> np.ndarray:
    """Serve as many more needs as possible by augmenting paths.

    ``chosen`` is a bool mask of arcs forming a valid assignment; ``capacity``
    is per offer *row*. One max-flow on the residual graph: flow on a free arc
    adds it, flow on a reversed arc removes it, so every unit is an augmenting
    path (an unmatched need is served, perhaps moving others along). The
    result serves the maximum number of needs these arcs allow.

    ``prune`` first keeps only nodes that are both reachable from the source
    and able to reach the sink (two breadth-first searches): every augmenting
    path lies there, so the answer is the same, but after the local passes
    that set is a small part of a 1M-need graph and the max-flow is far
    cheaper. If the sink is unreachable the assignment is already maximum.

    ``cost`` (per arc, the solver's cost): the paths are the cheapest ones,
    a min-cost max-flow on the residual graph (a free arc costs its cost, an
    undone chosen arc minus its cost), which also cancels every cheaper
    re-assignment that lies on those paths. A plain max-flow picks arbitrary
    paths, and under ``objective="distance"`` that cost 20% more km than the
    optimum at 30k-100k needs (issue 12); the min-cost one keeps the border
    passes within a fraction of a percent. ``hops`` (with ``prune``): the
    min-cost flow runs only on the nodes a max-flow's paths touch and that
    many residual arcs around them (same count, far smaller graph).
    """
    if need.shape[0] == 0:
        return chosen
    res = _residual(chosen, need, offer, capacity, rows)
    if res is None:
        return chosen
    tails, heads, caps, free, used, src, snk = res
    n_nodes = snk + 1
    n_res = free.size + used.size
    arc_ids = np.arange(tails.size, dtype=np.int32)
    if prune:
        ones = np.ones(tails.size, dtype=np.int8)
        fwd = csr_matrix((ones, (tails, heads)), shape=(n_nodes, n_nodes))
        reach = np.zeros(n_nodes, dtype=bool)
        reach[breadth_first_order(fwd, src, directed=True, return_predecessors=False)] = True
        if not reach[snk]:
            return chosen
        del fwd
        bwd = csr_matrix((ones, (heads, tails)), shape=(n_nodes, n_nodes))
        back = np.zeros(n_nodes, dtype=bool)
        back[breadth_first_order(bwd, snk, directed=True, return_predecessors=False)] = True
        del bwd
        keep = reach & back
        arc_ids = np.flatnonzero(keep[tails] & keep[heads]).astype(np.int32)
    residual_ids = arc_ids[arc_ids < n_res]
    if cost is None or (prune and hops is not None):
        mf = _maxflow.SimpleMaxFlow()
        mf.add_arcs_with_capacity(tails[arc_ids], heads[arc_ids], caps[arc_ids])
        status = mf.solve(src, snk)
        if status != mf.OPTIMAL:
            raise SolverError(f"max flow status {status}")
        if mf.optimal_flow() == 0:
            return chosen
        flows = mf.flows(np.arange(residual_ids.size, dtype=np.int32))
    if cost is not None and prune and hops is not None:
        # the cheapest paths among those near the ones max-flow found: the
        # nodes its paths touch and ``hops`` residual arcs around them (the
        # whole pruned region can be most of a 100k batch, and a min-cost
        # flow over it costs as much as solving the batch again)
        near = np.zeros(n_nodes, dtype=bool)
        on_path = residual_ids[flows > 0]
        near[tails[on_path]] = True
        near[heads[on_path]] = True
        sub_t, sub_h = tails[arc_ids], heads[arc_ids]
        inner = (sub_t != src) & (sub_h != snk)
        for _ in range(hops):
            touch = inner & (near[sub_t] | near[sub_h])
            near[sub_t[touch]] = True
            near[sub_h[touch]] = True
        near[src] = near[snk] = True
        arc_ids = arc_ids[near[sub_t] & near[sub_h]]
        residual_ids = arc_ids[arc_ids < n_res]
    if cost is not None:
        flows = _min_cost_paths(tails, heads, caps, arc_ids, residual_ids, free, used, cost, src, snk)
        if flows is None:
            return chosen
    moved = residual_ids[flows > 0]
    out = chosen.copy()
    out[free[moved[moved < free.size]]] = True
    out[used[moved[moved >= free.size] - free.size]] = False
    return out


def _min_cost_paths(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    arc_ids: np.ndarray,
    residual_ids: np.ndarray,
    free: np.ndarray,
    used: np.ndarray,
    cost: np.ndarray,
    src: int,
    snk: int,
) -> np.ndarray | None:
    """Flows on ``residual_ids`` of a min-cost max-flow over the residual
    arcs ``arc_ids`` (OR-Tools accepts the negative costs of undone arcs).
    None when no path exists. Nodes are renumbered to those the arcs touch."""
    rc = np.zeros(tails.size, dtype=np.int64)
    rc[: free.size] = cost[free]
    rc[free.size : free.size + used.size] = -cost[used].astype(np.int64)
    t, h = tails[arc_ids], heads[arc_ids]
    nodes, inv = np.unique(np.concatenate([t, h, [src, snk]]), return_inverse=True)
    k = arc_ids.size
    lt, lh = inv[:k].astype(np.int32), inv[k : 2 * k].astype(np.int32)
    ls, lk = int(inv[2 * k]), int(inv[2 * k + 1])
    smcf = _mcf.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(lt, lh, caps[arc_ids], rc[arc_ids])
    supplies = np.zeros(nodes.size, dtype=np.int64)
    big = int(caps[arc_ids][t == src].sum())
    if big == 0:
        return None
    supplies[ls], supplies[lk] = big, -big
    smcf.set_nodes_supplies(np.arange(nodes.size, dtype=np.int32), supplies)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min cost flow status {status}")
    return smcf.flows(np.arange(residual_ids.size, dtype=np.int32))


def _augment_cell(bounds: tuple[int, int]) -> np.ndarray:
    """Local augment inside one shifted cell; returns the arcs to toggle."""
    s, e = bounds
    arcs = _STATE["arcs"][s:e]
    before = _STATE["chosen"][arcs]
    cost = _STATE.get("cost")
    after = augment(
        before,
        _STATE["need"][arcs],
        _STATE["offer"][arcs],
        _STATE["capacity"],
        prune=cost is not None,
        cost=None if cost is None else cost[arcs],
    )
    return arcs[before != after]


def _fixed_across(
    mask: np.ndarray, need: np.ndarray, offer: np.ndarray, cn: np.ndarray, co: np.ndarray, n_needs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Chosen arcs that cross a border of grid (cn, co), and a per-need flag.

    Such needs keep their offer in a per-cell pass (the offer is in another
    cell), so their capacity is taken before the cells run.
    """
    chosen = np.flatnonzero(mask)
    across = chosen[cn[need[chosen]] != co[offer[chosen]]]
    fixed = np.zeros(n_needs, dtype=bool)
    fixed[need[across]] = True
    return across, fixed


def sharded_min_cost_flow(
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    need_xy: tuple[np.ndarray, np.ndarray],
    offer_xy: tuple[np.ndarray, np.ndarray],
    *,
    cell_needs: int = DEFAULT_CELL_NEEDS,
    processes: int | None = None,
    score_repair: bool = False,
    cell_arcs: np.ndarray | None = None,
    augment_factor: int = DEFAULT_AUGMENT_FACTOR,
    augment_passes: int | None = None,
    exact_count: bool | None = None,
    cost_aware: bool = True,
) -> tuple[np.ndarray, ShardStats]:
    """Cells, border passes, optional score repair (see the module docstring).

    Arguments are as for :func:`~matching.engine.solvers.min_cost_flow` plus
    projected positions (km) of need and offer *rows*. Returns the chosen-arc
    mask and statistics. The result satisfies every constraint the arcs
    encode (each need at most once, each offer within capacity).

    ``cell_arcs`` (bool per arc) limits the cell solves to a subset, e.g. each
    need's 8 nearest offers: cells cost about half as much, and the border
    passes still use every arc.

    ``augment_passes``: coarse border passes (``None``: 1, or 2 above
    :data:`TWO_PASS_MIN_ARCS` arcs). ``exact_count``: also run the global augment, which makes the number
    served exactly the unsharded optimum on these arcs (``None``: only when
    the graph has at most :data:`EXACT_COUNT_MAX_ARCS` arcs, where it costs
    little; at 100k needs it would cost ~0.7 s for the last 0.05%).
    """
    procs = default_processes() if processes is None else max(1, processes)
    n_arcs = need.shape[0]
    if n_arcs == 0:
        return np.zeros(0, dtype=bool), ShardStats(0, 0, 0, 0, 0.0, 0.0, 0.0)
    nx, ny = need_xy
    ox, oy = offer_xy
    n_needs, n_offers = nx.shape[0], ox.shape[0]
    x0 = float(min(nx.min(), ox.min()))
    y0 = float(min(ny.min(), oy.min()))
    side = grid_side_km(nx, ny, cell_needs)
    capacity = capacity.astype(np.int64)

    # 1. grid A: exact min-cost flow per cell
    t0 = time.perf_counter()
    cn = cell_ids(nx, ny, x0, y0, side, 0.0)
    co = cell_ids(ox, oy, x0, y0, side, 0.0)
    local = cn[need] == co[offer]
    if cell_arcs is not None:
        local &= cell_arcs
    chosen_ids, cells = solve_cells(np.flatnonzero(local).astype(np.int32), cn, need, offer, cost, capacity, procs)
    del local
    mask = np.zeros(n_arcs, dtype=bool)
    mask[chosen_ids] = True
    matched_cells = int(mask.sum())
    t1 = time.perf_counter()

    # 2. augmenting paths across A's borders: max-flow is cheap, so it runs
    # on a coarse grid (``augment_factor`` cells a side) shifted so A's
    # borders lie inside its cells, in parallel; optionally one exact global
    # augment on top
    side_b = side * augment_factor
    if augment_passes is None:
        # min-cost passes run twice: the needs whose paths cross the first
        # coarse grid's borders are served by the cheapest paths too, and
        # few are left for the global augment (whose min-cost flow, over
        # the whole pruned region, costs as much as the batch's own solve)
        augment_passes = 2 if n_arcs > TWO_PASS_MIN_ARCS or cost_aware else 1
    # the second coarse grid is unshifted: its borders never meet the first's
    for shift in (0.5, 0.0)[: max(0, augment_passes)]:
        cn = cell_ids(nx, ny, x0, y0, side_b, shift)
        co = cell_ids(ox, oy, x0, y0, side_b, shift)
        across, fixed = _fixed_across(mask, need, offer, cn, co, n_needs)
        cap_b = capacity - np.bincount(offer[across], minlength=n_offers)
        arcs_b = np.flatnonzero((cn[need] == co[offer]) & ~fixed[need]).astype(np.int32)
        extra = {"cost": cost} if cost_aware else {}
        toggles, _ = run_cells(
            _augment_cell, arcs_b, cn, need, procs, offer=offer, capacity=cap_b, chosen=mask, **extra
        )
        del arcs_b, fixed, across
        for t in toggles:
            mask[t] ^= True
    if exact_count is None:
        exact_count = n_arcs <= EXACT_COUNT_MAX_ARCS
    if exact_count:
        mask = augment(mask, need, offer, capacity, prune=True, rows=(n_needs, n_offers))
    matched_aug = int(mask.sum())
    t2 = time.perf_counter()

    # 3. optional: re-solve min-cost flow on grid A shifted by half a cell, for
    # the score lost at A's borders
    if score_repair:
        mask = repair_cost(
            mask,
            need,
            offer,
            cost,
            capacity,
            need_xy,
            offer_xy,
            cell_needs=cell_needs,
            processes=procs,
            arcs=cell_arcs,
        )
    t3 = time.perf_counter()
    stats = ShardStats(
        cells=cells,
        matched_cells=matched_cells,
        matched_augmented=matched_aug,
        matched_final=int(mask.sum()),
        seconds_cells=t1 - t0,
        seconds_augment=t2 - t1,
        seconds_repair=t3 - t2,
    )
    return mask, stats


def grid_cells(
    need_xy: tuple[np.ndarray, np.ndarray], offer_xy: tuple[np.ndarray, np.ndarray], cell_needs: int, shift: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids of needs and offers on the grid of ~``cell_needs`` needs a
    cell, shifted by ``shift`` cells (the repair's grids)."""
    nx, ny = need_xy
    ox, oy = offer_xy
    x0 = float(min(nx.min(), ox.min()))
    y0 = float(min(ny.min(), oy.min()))
    side = grid_side_km(nx, ny, cell_needs)
    return cell_ids(nx, ny, x0, y0, side, shift), cell_ids(ox, oy, x0, y0, side, shift)


def repair_region(
    mask: np.ndarray, need: np.ndarray, offer: np.ndarray, capacity: np.ndarray, cn: np.ndarray, co: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arcs kept across the grid's borders, per-need fixed flag, capacity the
    cells have): what one repair pass on grid (cn, co) re-solves."""
    keep, fixed = _fixed_across(mask, need, offer, cn, co, cn.shape[0])
    return keep, fixed, capacity.astype(np.int64) - np.bincount(offer[keep], minlength=co.shape[0])


def repair_cost(
    mask: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    need_xy: tuple[np.ndarray, np.ndarray],
    offer_xy: tuple[np.ndarray, np.ndarray],
    *,
    cell_needs: int = DEFAULT_CELL_NEEDS,
    shifts: tuple[float, ...] = (0.5,),
    processes: int | None = None,
    arcs: np.ndarray | None = None,
) -> np.ndarray:
    """Re-solve min-cost flow in the cells of shifted grids, on every arc.

    In each cell the needs whose chosen offer is in the same cell are solved
    again (most served, then cheapest) with the capacity the others leave;
    their current assignment is feasible there, so no cell serves fewer needs
    or costs more. After the certificate the count is the maximum, so this
    only lowers the cost: it repairs what cell borders and augmenting paths
    cost (issue 12). Each shift is one pass over every arc.
    """
    procs = default_processes() if processes is None else max(1, processes)
    if need.shape[0] == 0:
        return mask
    capacity = capacity.astype(np.int64)
    for shift in shifts:
        cn, co = grid_cells(need_xy, offer_xy, cell_needs, shift)
        keep, fixed, cap2 = repair_region(mask, need, offer, capacity, cn, co)
        local = (cn[need] == co[offer]) & ~fixed[need]
        if arcs is not None:
            local &= arcs | mask  # arcs in use stay, so the assignment stays feasible
        again, _ = solve_cells(np.flatnonzero(local).astype(np.int32), cn, need, offer, cost, cap2, procs)
        mask = np.zeros(need.shape[0], dtype=bool)
        mask[keep] = True
        mask[again] = True
    return mask
