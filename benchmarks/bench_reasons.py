"""What the unmatched reasons (issue 9) add to a matching run, at city scale.

    .venv/bin/python benchmarks/bench_reasons.py [--needs 100000] [--shape clustered|uniform] [--repeat 3]

Solves a generated instance with the engine (`solve_arrays`, as the runner does),
then computes the first blocking reason of every need it left unmatched
(`matching.engine.reasons.unmatched_reasons_arrays`), and prints both times and
the reasons' share of the solve. No database, no Django. Figures in
docs/performance.md ("Unmatched reasons").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from matching.engine.instance import generate_clustered_instance, generate_instance
from matching.engine.reasons import REASON_NAMES, Reason, unmatched_reasons_arrays
from matching.engine.solving import solve_arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--shape", choices=("clustered", "uniform"), default="clustered")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    offers = max(1, args.needs // 3)
    if args.shape == "clustered":
        inst = generate_clustered_instance(args.needs, offers, args.seed)
    else:
        inst = generate_instance(args.needs, offers, 20.0, args.seed)
    solve_times, reason_times = [], []
    counts: Counter[str] = Counter()
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = solve_arrays(inst.needs, inst.offers, inst.policy, excluded=inst.excluded)
        t1 = time.perf_counter()
        matched = np.zeros(len(inst.needs), dtype=bool)
        matched[result.need_index] = True
        unmatched = np.flatnonzero(~matched)
        used = np.bincount(result.offer_index, minlength=len(inst.offers))
        found = unmatched_reasons_arrays(
            inst.needs, inst.offers, inst.policy, unmatched, used=used, excluded=inst.excluded
        )
        t2 = time.perf_counter()
        solve_times.append(t1 - t0)
        reason_times.append(t2 - t1)
        counts = Counter(REASON_NAMES[Reason(int(r))] for r in found.tolist())
    solve_s, reasons_s = statistics.median(solve_times), statistics.median(reason_times)
    print(f"needs={args.needs} offers={offers} shape={args.shape} repeat={args.repeat}")
    print(f"matched={result.matched} unmatched={len(unmatched)} reasons={dict(counts)}")
    print(f"solve (median) {solve_s:.2f} s; reasons (median) {reasons_s:.3f} s; share {100 * reasons_s / solve_s:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
