"""Benchmark of the matching engine; prints a markdown table.

    python benchmarks/bench_matching.py [--sizes 1000,10000,100000,1000000]
        [--reference] [--unpruned-max 10000] [--naive-max 10000] [--seed 1]

Every size runs in its own child process so its peak memory
(``resource.getrusage`` maxrss of the process plus its largest pool worker)
is its own. Instances: uniform 20 km square, offers = needs / 3, capacities
1-5 (see matching/engine/instance.py). For each size it measures:

* **candidates**: k=16 nearest feasible offers per need (KD-tree per category);
* **greedy**: candidates + need-by-need greedy (the baseline);
* **optimal**: candidates + the default optimal solve (unsharded up to
  20k needs, sharded above), wall and CPU seconds (both cores);
* **unsharded exact**: one min-cost flow over the same k=16 arcs (skipped
  at 1M unless ``--reference``: it takes minutes);
* **unpruned exact**: every feasible pair (radius query) in one min-cost
  flow, up to ``--unpruned-max`` needs: the "exact unpruned optimum";
* **naive**: a pure-Python double loop over all (need, offer) pairs with a
  greedy pick, measured up to ``--naive-max`` needs and extrapolated
  quadratically (marked "~") beyond.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from matching.engine import Policy, all_feasible_pairs, build_candidates, solve_arrays  # noqa: E402
from matching.engine.instance import Instance, generate_instance  # noqa: E402
from matching.engine.score import pair_scores, solver_costs  # noqa: E402
from matching.engine.solvers import min_cost_flow, need_priority  # noqa: E402


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def peak_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set, MB (Linux: KiB units)."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def naive_greedy(inst: Instance) -> tuple[int, float]:
    """The naive baseline: for each need (priority order) scan every offer in
    pure Python, check every hard constraint, take the best score."""
    n, o, p = inst.needs, inst.offers, inst.policy
    cats: list[set[int]] = [set() for _ in range(len(o))]
    for j, c in zip(o.serve_offer.tolist(), o.serve_category.tolist(), strict=True):
        cats[j].add(c)
    olat = np.radians(o.lat).tolist()
    olon = np.radians(o.lon).tolist()
    ocos = np.cos(np.radians(o.lat)).tolist()
    rad = o.radius_km.tolist()
    cap = o.capacity.tolist()
    oslots = o.slots.tolist()
    rating = o.rating.tolist()
    price = o.price.tolist()
    maxd = p.max_distance_km
    w = {name: p.weight(name) for name in ("distance", "rating", "cost")}
    order = np.argsort(-need_priority(n.urgency, n.waited_hours), kind="stable").tolist()
    nlat = np.radians(n.lat).tolist()
    nlon = np.radians(n.lon).tolist()
    ncat = n.category.tolist()
    nslots = n.slots.tolist()
    served = 0
    t = time.perf_counter()
    for i in order:
        la, lo, c, sl = nlat[i], nlon[i], ncat[i], nslots[i]
        cl = math.cos(la)
        best, best_s = -1, -1e18
        for j in range(len(cap)):
            if c not in cats[j] or cap[j] <= 0:
                continue
            h = math.sin((olat[j] - la) / 2) ** 2 + cl * ocos[j] * math.sin((olon[j] - lo) / 2) ** 2
            d = 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))
            if d > rad[j] or d > maxd:
                continue
            if sl and oslots[j] and not sl & oslots[j]:
                continue
            s = w["distance"] * (1 - d / maxd) + w["rating"] * rating[j] / 5 + w["cost"] / (1 + price[j] / 10)
            if s > best_s:
                best, best_s = j, s
        if best >= 0:
            cap[best] -= 1
            served += 1
    return served, time.perf_counter() - t


def unpruned_exact(inst: Instance) -> dict[str, Any]:
    """Exact optimum over every feasible pair (radius query, no k cut)."""
    t = time.perf_counter()
    c = all_feasible_pairs(inst.needs, inst.offers, inst.policy)
    s = pair_scores(inst.needs, inst.offers, inst.policy, c.need, c.offer, c.distance_km)
    chosen = min_cost_flow(c.need, c.offer, solver_costs(s, c.distance_km, "score", inst.policy), inst.offers.capacity)
    return {
        "matched": int(chosen.sum()),
        "seconds": time.perf_counter() - t,
        "pairs": len(c),
        "objective": float(s[chosen].sum()),
    }


def run_one(n: int, seed: int, reference: bool, unpruned_max: int, naive_max: int, repeat: int) -> dict[str, Any]:
    inst = generate_instance(n, max(1, n // 3), 20.0, seed)
    out: dict[str, Any] = {"needs": n, "offers": len(inst.offers)}
    policy: Policy = inst.policy
    # the machine is shared: report the fastest of ``repeat`` runs (min is the
    # usual estimator of uncontended time), all runs give the same result
    repeat = repeat if n <= 100_000 else 1

    best = None
    for _ in range(repeat):
        c0 = cpu_seconds()
        opt = solve_arrays(inst.needs, inst.offers, policy)
        cpu = cpu_seconds() - c0
        if best is None or opt.seconds < best[0].seconds:
            best = (opt, cpu)
    assert best is not None
    opt, cpu = best
    out["optimal"] = {
        "seconds": opt.seconds,
        "cpu": cpu,
        "matched": opt.matched,
        "objective": opt.objective,
        "shards": opt.shards,
        "timings": opt.timings,
        "candidate_pairs": opt.candidate_pairs,
        "examined_pairs": opt.examined_pairs,
    }
    out["peak_mb"] = peak_mb()

    t = time.perf_counter()
    cands = build_candidates(inst.needs, inst.offers, policy, k=16, workers=-1)
    out["candidates_seconds"] = time.perf_counter() - t
    del cands

    g = min(
        (solve_arrays(inst.needs, inst.offers, policy, solver="greedy") for _ in range(repeat)),
        key=lambda r: r.seconds,
    )
    out["greedy"] = {"seconds": g.seconds, "matched": g.matched, "objective": g.objective}

    if n <= 100_000 or reference:
        u = solve_arrays(inst.needs, inst.offers, policy, shards=1)
        out["unsharded"] = {"seconds": u.seconds, "matched": u.matched, "objective": u.objective}
    if n <= unpruned_max:
        out["unpruned"] = unpruned_exact(inst)
    if n <= naive_max:
        served, secs = naive_greedy(inst)
        out["naive"] = {"seconds": secs, "matched": served}
    return out


def pct(a: float, b: float) -> str:
    return f"{100 * (a - b) / b:+.2f}%" if b else "n/a"


def table(rows: list[dict[str, Any]]) -> str:
    naive_rate = None
    for r in rows:
        if "naive" in r:
            naive_rate = r["naive"]["seconds"] / (r["needs"] * r["offers"])
    lines = [
        "| needs | offers | k=16 candidates | greedy (wall, served) | optimal (wall / CPU, served, cells) "
        "| unsharded exact, k=16 (wall, served) | exact unpruned (wall, served, pairs) "
        "| optimal vs exact: served, score | greedy vs optimal: served "
        "| naive double loop | peak RSS (process + largest worker) |",
        "|---" * 11 + "|",
    ]
    for r in rows:
        o, g = r["optimal"], r["greedy"]
        u, up = r.get("unsharded"), r.get("unpruned")
        ref = up or u
        ref_name = "unpruned" if up else ("unsharded" if u else None)
        if "naive" in r:
            naive = f"{r['naive']['seconds']:.1f} s (measured, served {r['naive']['matched']:,})"
        elif naive_rate:
            naive = f"~{naive_rate * r['needs'] * r['offers']:.0f} s (extrapolated)"
        else:
            naive = "-"
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{r['needs']:,}",
                    f"{r['offers']:,}",
                    f"{r['candidates_seconds']:.2f} s, {o['candidate_pairs']:,} pairs",
                    f"{g['seconds']:.2f} s, {g['matched']:,}",
                    f"{o['seconds']:.2f} s / {o['cpu']:.2f} s, {o['matched']:,}, {o['shards']}",
                    f"{u['seconds']:.2f} s, {u['matched']:,}" if u else "-",
                    f"{up['seconds']:.1f} s, {up['matched']:,}, {up['pairs']:,}" if up else "-",
                    (f"{pct(o['matched'], ref['matched'])}, {pct(o['objective'], ref['objective'])} (vs {ref_name})")
                    if ref
                    else "-",
                    pct(g["matched"], o["matched"]),
                    naive,
                    f"{r['peak_mb'][0]:.0f} + {r['peak_mb'][1]:.0f} MB",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reference", action="store_true", help="also the unsharded exact solve at 1M (minutes)")
    ap.add_argument("--unpruned-max", type=int, default=10_000, help="100000 takes ~7 min and 2.3 GB")
    ap.add_argument("--naive-max", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per solver up to 100k; the fastest is reported")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        res = run_one(args.one, args.seed, args.reference, args.unpruned_max, args.naive_max, args.repeat)
        print(json.dumps(res))
        return 0
    rows = []
    for n in [int(x) for x in args.sizes.split(",") if x]:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        cmd += ["--unpruned-max", str(args.unpruned_max), "--naive-max", str(args.naive_max)]
        cmd += ["--repeat", str(args.repeat)]
        if args.reference:
            cmd.append("--reference")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ.copy())
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"# {n:,} needs done", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
