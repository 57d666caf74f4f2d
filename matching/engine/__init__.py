"""Convene's matching engine: pure Python + numpy/scipy/OR-Tools, no Django.

The Django side loads a council's open needs and offers with capacity left,
calls :func:`solve`, and writes the proposals; the engine never touches the
database, so it can be tested and benchmarked on its own
(``python -m matching.bench``; see docs/matching.md).

Stable API::

    from matching.engine import NeedInput, OfferInput, Policy, solve, best_offer_for

    result = solve(
        needs,                  # list[NeedInput]
        offers,                 # list[OfferInput]
        policy,                 # Policy(max_distance_km=..., weights={...}, ...)
        excluded=set(),         # {(need_id, offer_id), ...}: declines, exclusions
        solver="optimal",       # or "greedy"
        shards=None,            # None: by size; 1: one exact problem; s: ~s cells
        objective="score",      # or "distance"
    )
    result.assignments   # list[Assignment(need_id, offer_id, distance_km, score,
                         #                 terms: dict[str, float], shared_slots)]
    result.matched, result.objective, result.seconds
    result.candidate_pairs, result.examined_pairs, result.shards

    best_offer_for(need, offers, policy, excluded_offer_ids=set()) -> Assignment | None

For large batches use :func:`solve_arrays` with :class:`NeedArrays` and
:class:`OfferArrays` (columns; no per-row objects).

Hard constraints (never violated): the offer serves the need's category and
its provider is cleared for the category's safeguarding tier; distance within
the offer's radius and the council's ``max_distance_km``; a shared day-part
slot when both sides give slots; offer capacity; each need at most once;
never an excluded pair. The solver serves as many needs as possible, then
maximises the total score (see :mod:`matching.engine.score` for the terms).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .candidates import Candidates, all_feasible_pairs, build_candidates
    from .score import TERM_NAMES, pair_scores, pair_terms
    from .solving import AUTO_SHARD_NEEDS, DEFAULT_K, best_offer_for, solve, solve_arrays
    from .types import Assignment, MatchResult, NeedArrays, NeedInput, OfferArrays, OfferInput, Policy
    from .weights import DEFAULT_WEIGHTS

#: Where each public name lives. The package loads its modules on first use
#: (PEP 562), so ``platform_core.models`` can read :mod:`.weights` on every
#: Django start without importing numpy, SciPy and OR-Tools (~0.6 s).
_HOMES = {
    "AUTO_SHARD_NEEDS": "solving",
    "DEFAULT_K": "solving",
    "best_offer_for": "solving",
    "solve": "solving",
    "solve_arrays": "solving",
    "Candidates": "candidates",
    "all_feasible_pairs": "candidates",
    "build_candidates": "candidates",
    "TERM_NAMES": "score",
    "pair_scores": "score",
    "pair_terms": "score",
    "Assignment": "types",
    "MatchResult": "types",
    "NeedArrays": "types",
    "NeedInput": "types",
    "OfferArrays": "types",
    "OfferInput": "types",
    "Policy": "types",
    "DEFAULT_WEIGHTS": "weights",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "AUTO_SHARD_NEEDS",
    "DEFAULT_K",
    "DEFAULT_WEIGHTS",
    "TERM_NAMES",
    "Assignment",
    "Candidates",
    "MatchResult",
    "NeedArrays",
    "NeedInput",
    "OfferArrays",
    "OfferInput",
    "Policy",
    "all_feasible_pairs",
    "best_offer_for",
    "build_candidates",
    "pair_scores",
    "pair_terms",
    "solve",
    "solve_arrays",
]
