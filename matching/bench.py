"""Benchmark CLI for the matching engine; needs no database and no Django.

    python -m matching.bench generate --needs N [--offers M] [--shape uniform|clustered] --seed S > instance.json
    python -m matching.bench solve instance.json --solver optimal|greedy --objective score|distance > result.json
    python -m matching.bench verify instance.json result.json

``verify`` re-checks every hard constraint of a result independently of the
engine (great-circle distance recomputed pair by pair) and recomputes the
objective, so ``--objective distance`` results can be checked by anyone.
See docs/matching.md for the formats.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from matching.engine.instance import (
    SHAPES,
    generate_clustered_instance,
    generate_instance,
    instance_from_json,
    instance_to_json,
)
from matching.engine.solving import DEFAULT_K, solve_arrays


def _read_json(path: str) -> Any:
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def cmd_generate(args: argparse.Namespace) -> int:
    offers = args.offers if args.offers is not None else max(1, args.needs // 3)
    if args.shape == "clustered":
        inst = generate_clustered_instance(args.needs, offers, args.seed)
    else:
        inst = generate_instance(args.needs, offers, args.region_km, args.seed)
    json.dump(instance_to_json(inst), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    inst = instance_from_json(_read_json(args.instance))
    res = solve_arrays(
        inst.needs,
        inst.offers,
        inst.policy,
        excluded=inst.excluded,
        solver=args.solver,
        objective=args.objective,
        k=args.k,
        shards=args.shards,
        processes=args.processes,
        certify=not args.no_certify,
    )
    nid = inst.needs.id[res.need_index].tolist()
    oid = inst.offers.id[res.offer_index].tolist()
    out = {
        "assignments": [
            {"need": a, "offer": b, "distance_km": round(d, 4), "score": round(s, 4)}
            for a, b, d, s in zip(nid, oid, res.distance_km.tolist(), res.score.tolist(), strict=True)
        ],
        "matched": res.matched,
        "objective": round(res.objective, 4),
        "seconds": round(res.seconds, 4),
        "solver": res.solver,
        "objective_kind": res.objective_kind,
        "candidate_pairs": res.candidate_pairs,
        "examined_pairs": res.examined_pairs,
        "shards": res.shards,
        "certified": res.certified,
        "grown_pairs": res.grown_pairs,
        "timings": {key: round(v, 4) for key, v in res.timings.items()},
    }
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(a, 1.0)))


def verify(instance: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every hard-constraint violation in ``result`` (empty list = valid).

    Written from the instance format alone, without the engine's code, so it
    is an independent check.
    """
    errors: list[str] = []
    needs = {n["id"]: n for n in instance["needs"]}
    offers = {o["id"]: o for o in instance["offers"]}
    policy = instance.get("policy", {})
    max_km = float(policy.get("max_distance_km", 10.0))
    tiers = {str(k): int(v) for k, v in (policy.get("safeguarding_tiers") or {}).items()}
    seen: set[Any] = set()
    load: dict[Any, int] = {}
    total_km = 0.0
    for a in result["assignments"]:
        n, o = needs.get(a["need"]), offers.get(a["offer"])
        if n is None or o is None:
            errors.append(f"unknown id in {a}")
            continue
        if n["id"] in seen:
            errors.append(f"need {n['id']} assigned twice")
        seen.add(n["id"])
        load[o["id"]] = load.get(o["id"], 0) + 1
        cat = str(n["category"])
        if cat not in {str(c) for c in o["categories"]}:
            errors.append(f"offer {o['id']} does not serve {cat}")
        tier = tiers.get(cat, 0)
        cleared = {str(c) for c in o.get("cleared_categories") or ()}
        if tier > 0 and int(o.get("clearance_tier", 0)) < tier and cat not in cleared:
            errors.append(f"offer {o['id']} not cleared for {cat}")
        d = _haversine(n["lat"], n["lon"], o["lat"], o["lon"])
        total_km += d
        if d > o["radius_km"] + 1e-6 or d > max_km + 1e-6:
            errors.append(f"pair {n['id']}-{o['id']} is {d:.3f} km apart")
        if n.get("slots") and o.get("slots") and not set(n["slots"]) & set(o["slots"]):
            errors.append(f"pair {n['id']}-{o['id']} share no slot")
        if o.get("provider") is not None and o["provider"] in set(n.get("excluded_providers") or ()):
            errors.append(f"need {n['id']} excludes offer {o['id']}'s provider {o['provider']}")
    for oid, used in load.items():
        if used > int(offers[oid].get("capacity", 1)):
            errors.append(f"offer {oid} over capacity ({used})")
    assigned = {(a["need"], a["offer"]) for a in result["assignments"]}
    for pair in instance.get("excluded") or ():
        if (pair[0], pair[1]) in assigned:
            errors.append(f"excluded pair {pair} assigned")
    if result.get("objective_kind") == "distance" and abs(total_km - float(result["objective"])) > 1e-3 * max(
        1.0, total_km
    ):
        errors.append(f"objective {result['objective']} != recomputed {total_km:.4f} km")
    if int(result["matched"]) != len(result["assignments"]):
        errors.append("matched differs from the number of assignments")
    return errors


def cmd_verify(args: argparse.Namespace) -> int:
    errors = verify(_read_json(args.instance), _read_json(args.result))
    for e in errors[:50]:
        print(e, file=sys.stderr)
    print(json.dumps({"valid": not errors, "errors": len(errors)}))
    return 0 if not errors else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write a synthetic instance as JSON to stdout")
    g.add_argument("--needs", type=int, required=True)
    g.add_argument("--offers", type=int, default=None, help="default: needs / 3")
    g.add_argument(
        "--shape", choices=SHAPES, default="uniform", help="clustered: borough-like towns (docs/matching.md)"
    )
    g.add_argument("--region-km", type=float, default=20.0, help="uniform: side of the square")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=cmd_generate)
    s = sub.add_parser("solve", help="solve an instance JSON file ('-' = stdin)")
    s.add_argument("instance")
    s.add_argument("--solver", choices=("optimal", "greedy"), default="optimal")
    s.add_argument("--objective", choices=("score", "distance"), default="score")
    s.add_argument("--k", type=int, default=DEFAULT_K, help="nearest feasible offers kept per need")
    s.add_argument("--shards", type=int, default=None, help="1 = unsharded; default: by size")
    s.add_argument("--processes", type=int, default=None, help="default: CPUs available")
    s.add_argument("--no-certify", action="store_true", help="skip the certificate and candidate growth")
    s.set_defaults(func=cmd_solve)
    v = sub.add_parser("verify", help="check a result against an instance's hard constraints")
    v.add_argument("instance")
    v.add_argument("result")
    v.set_defaults(func=cmd_verify)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
