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

from .api import AUTO_SHARD_NEEDS, DEFAULT_K, best_offer_for, solve, solve_arrays
from .candidates import Candidates, all_feasible_pairs, build_candidates
from .score import TERM_NAMES, pair_scores, pair_terms
from .types import (
    DEFAULT_WEIGHTS,
    Assignment,
    MatchResult,
    NeedArrays,
    NeedInput,
    OfferArrays,
    OfferInput,
    Policy,
)

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
