"""Geographic shards: exact cells in parallel, then a global border pass.

Why: OR-Tools' min-cost flow grows much faster than linearly on these graphs
(measured here, k=8: a cell of 1k needs 0.01 s; the whole 100k batch 9 s),
while its max-flow is cheap (0.4-0.9 s at 100k) and a candidate graph is
local. So a large batch is solved in passes:

1. **Cells.** A square grid over the batch; every need and every offer
   belongs to exactly one cell (by its own position). Each cell is solved
   exactly (most needs served, then best score) on the arcs inside it. Cells
   are independent and run on a forked process pool.
2. **Border pass (augment).** Needs left unmatched, plus everything the cells
   could not see across their borders: one max-flow on the *residual* graph
   of the pass-1 solution (unmatched needs -> any candidate offer; a matched
   arc may be undone; offers with capacity left -> sink). Each unit of flow is
   an augmenting path (an unmatched need takes an offer, perhaps moving other
   needs along), so afterwards the number of needs served equals the exact
   optimum of the whole candidate graph, not just of the cells.
3. **Score repair** (optional). The grid shifted by half a cell, so the old
   borders run through cell middles; in each shifted cell the needs whose
   offer lies in the same cell are re-solved (most served, then best score).
   Their current assignment stays feasible, so this never serves fewer needs
   and never scores worse; it removes most of the score lost at the borders.

Workers are forked and read the arrays from this module's globals, so
nothing large is pickled; each returns the arc ids it chose.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow as _maxflow

from .solvers import SolverError, min_cost_flow

#: Needs per cell. Small cells solve fast (the min-cost flow is superlinear)
#: and the border pass restores the optimal count, so only score is at stake.
DEFAULT_CELL_NEEDS = 1000

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
    if processes <= 1 or len(tasks) <= 1 or "fork" not in mp.get_all_start_methods():
        return [fn(t) for t in tasks]
    # fork: workers inherit _STATE without pickling; the engine holds no locks
    # or threads while it forks.
    ctx = mp.get_context("fork")
    with ctx.Pool(min(processes, len(tasks))) as pool:
        return list(pool.imap_unordered(fn, tasks, chunksize=1))


def solve_cells(
    arcs: np.ndarray,
    cell_of_need: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    cost: np.ndarray,
    capacity: np.ndarray,
    processes: int,
) -> tuple[np.ndarray, int]:
    """Solve the given arcs cell by cell (cell = the need's cell; callers pass
    only arcs whose offer is in the same cell). Returns chosen arc ids."""
    if arcs.size == 0:
        return np.empty(0, np.int64), 0
    cells_of_arc = cell_of_need[need[arcs]]
    order = np.argsort(cells_of_arc, kind="stable")
    arcs = arcs[order]
    cells = cells_of_arc[order]
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    ends = np.r_[starts[1:], arcs.size]
    # biggest cells first, so the pool's tail is short
    tasks = sorted(zip(starts.tolist(), ends.tolist(), strict=True), key=lambda t: t[0] - t[1])
    _STATE.update(arcs=arcs, need=need, offer=offer, cost=cost, capacity=capacity)
    try:
        out = _map(_solve_cell, tasks, processes)
    finally:
        _STATE.clear()
    chosen = np.concatenate(out) if out else np.empty(0, np.int64)
    return chosen.astype(np.int64), len(tasks)


def augment(
    chosen: np.ndarray,
    need: np.ndarray,
    offer: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Serve as many more needs as possible by augmenting paths.

    ``chosen`` is a bool mask of arcs forming a valid assignment. Builds the
    residual graph (free arcs need -> offer, chosen arcs offer -> need,
    source -> unmatched need, offer with capacity left -> sink) and runs one
    max-flow; flow on a free arc adds it, flow on a reversed arc removes it.
    The result serves the maximum number of needs the candidate graph allows.
    """
    n_arcs = need.shape[0]
    if n_arcs == 0:
        return chosen
    n_rows = int(need.max()) + 1
    m_rows = capacity.shape[0]
    matched = np.zeros(n_rows, dtype=bool)
    matched[need[chosen]] = True
    left = capacity.astype(np.int64) - np.bincount(offer[chosen], minlength=m_rows)
    free = np.flatnonzero(~chosen)
    used = np.flatnonzero(chosen)
    open_needs = np.flatnonzero(~matched)
    open_offers = np.flatnonzero(left > 0)
    if open_needs.size == 0 or open_offers.size == 0:
        return chosen
    src, snk = n_rows + m_rows, n_rows + m_rows + 1
    tails = np.concatenate([need[free], offer[used] + n_rows, np.full(open_needs.size, src), open_offers + n_rows])
    heads = np.concatenate([offer[free] + n_rows, need[used], open_needs, np.full(open_offers.size, snk)])
    caps = np.concatenate([np.ones(free.size + used.size + open_needs.size, np.int64), left[open_offers]])
    mf = _maxflow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps)
    status = mf.solve(src, snk)
    if status != mf.OPTIMAL:
        raise SolverError(f"max flow status {status}")
    if mf.optimal_flow() == 0:
        return chosen
    flows = mf.flows(np.arange(free.size + used.size, dtype=np.int32))
    out = chosen.copy()
    out[free[flows[: free.size] > 0]] = True
    out[used[flows[free.size :] > 0]] = False
    return out


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
    score_repair: bool = True,
) -> tuple[np.ndarray, ShardStats]:
    """Cells, border pass, optional score repair (see the module docstring).

    Arguments are as for :func:`~matching.engine.solvers.min_cost_flow` plus
    projected positions (km) of need and offer *rows*. Returns the chosen-arc
    mask and statistics. The result satisfies every constraint the arcs
    encode (each need at most once, each offer within capacity) and serves
    exactly as many needs as the unsharded optimum on the same arcs.
    """
    procs = default_processes() if processes is None else max(1, processes)
    n_arcs = need.shape[0]
    if n_arcs == 0:
        return np.zeros(0, dtype=bool), ShardStats(0, 0, 0, 0, 0.0, 0.0, 0.0)
    nx, ny = need_xy
    ox, oy = offer_xy
    x0 = float(min(nx.min(), ox.min()))
    y0 = float(min(ny.min(), oy.min()))
    side = grid_side_km(nx, ny, cell_needs)
    capacity = capacity.astype(np.int64)

    t0 = time.perf_counter()
    cn = cell_ids(nx, ny, x0, y0, side, 0.0)
    co = cell_ids(ox, oy, x0, y0, side, 0.0)
    arcs = np.flatnonzero(cn[need] == co[offer])
    chosen_ids, cells = solve_cells(arcs, cn, need, offer, cost, capacity, procs)
    mask = np.zeros(n_arcs, dtype=bool)
    mask[chosen_ids] = True
    matched_cells = int(mask.sum())
    t1 = time.perf_counter()

    mask = augment(mask, need, offer, capacity)
    matched_aug = int(mask.sum())
    t2 = time.perf_counter()

    if score_repair:
        cn = cell_ids(nx, ny, x0, y0, side, 0.5)
        co = cell_ids(ox, oy, x0, y0, side, 0.5)
        chosen_ids = np.flatnonzero(mask)
        # needs matched across a shifted border keep their offer
        keep = chosen_ids[cn[need[chosen_ids]] != co[offer[chosen_ids]]]
        fixed = np.zeros(cn.shape[0], dtype=bool)
        fixed[need[keep]] = True
        cap2 = capacity - np.bincount(offer[keep], minlength=capacity.shape[0])
        arcs = np.flatnonzero((cn[need] == co[offer]) & ~fixed[need])
        again, _ = solve_cells(arcs, cn, need, offer, cost, cap2, procs)
        mask = np.zeros(n_arcs, dtype=bool)
        mask[keep] = True
        mask[again] = True
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
