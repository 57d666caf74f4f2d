"""Score terms of a (need, offer) pair and the integer costs the solver uses.

Every term is a number in [0, 1] (1 = best); the score is the weighted sum,
with weights from the council's :class:`~matching.engine.types.Policy`:

=============  ===========================================================
``distance``   ``1 - d / max_distance_km``: nearer is better
``urgency``    the need's urgency (0 routine .. 1 critical)
``waited``     ``min(waited_hours / waited_saturation_hours, 1)``: older needs
               win ties for scarce capacity, so no need starves
``rating``     provider rating / 5 (unrated = ``Policy.unrated_rating``)
``cost``       ``1 / (1 + price / price_scale)``: free offers score 1
``preference`` share of the need's preference tags the offer carries (1 if none)
``continuity`` 1 if the offer is the one that helped this need last time
``spread``     ``1 / (1 + load / spread_load_scale)``: offers already holding
               work are less attractive, spreading work across providers
=============  ===========================================================

``urgency`` and ``waited`` are the same on every arc of a need: they cannot
change *which* offer a need gets, only *which needs* are served when capacity
is short (the solver first maximises needs served, then the score).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .types import DEFAULT_WEIGHTS, NeedArrays, OfferArrays, Policy

TERM_NAMES: tuple[str, ...] = tuple(DEFAULT_WEIGHTS)

#: Scores are rounded to 1/SCORE_SCALE points for the integer solver
#: (max cost 5,250 with the default weights). Measured on 100k needs,
#: cells solved 10-20% faster at 1000 than at 10 or 100.
SCORE_SCALE = 1000
#: Distances are rounded to metres in the ``distance`` objective.
DISTANCE_SCALE = 1000


def iter_terms(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    offer_rows: np.ndarray,
    distance_km: np.ndarray,
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield (name, float32 values in [0, 1]) one term at a time, so scoring
    16M arcs never holds all eight term arrays at once."""
    max_d = max(float(policy.max_distance_km), 1e-9)
    f32 = np.float32
    yield "distance", np.clip(1.0 - distance_km.astype(f32) / f32(max_d), 0, 1).astype(f32)
    yield "urgency", np.clip(needs.urgency[need_rows], 0, 1).astype(f32)
    yield "waited", np.clip(needs.waited_hours[need_rows] / f32(policy.waited_saturation_hours), 0, 1).astype(f32)
    yield "rating", np.clip(offers.rating[offer_rows] / f32(5.0), 0, 1).astype(f32)
    yield "cost", (1.0 / (1.0 + np.maximum(offers.price[offer_rows], 0) / f32(policy.price_scale))).astype(f32)
    if needs.prefs is not None and offers.tags is not None:
        want = needs.prefs[need_rows]
        have = offers.tags[offer_rows]
        asked = np.bitwise_count(want).sum(axis=1)
        got = np.bitwise_count(want & have).sum(axis=1)
        yield "preference", np.where(asked > 0, got / np.maximum(asked, 1), 1.0).astype(f32)
    else:
        yield "preference", np.ones(need_rows.shape, dtype=f32)
    if needs.previous_offer is not None:
        yield "continuity", (needs.previous_offer[need_rows] == offer_rows).astype(f32)
    else:
        yield "continuity", np.zeros(need_rows.shape, dtype=f32)
    yield "spread", (1.0 / (1.0 + np.maximum(offers.load[offer_rows], 0) / f32(policy.spread_load_scale))).astype(f32)


def pair_terms(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    offer_rows: np.ndarray,
    distance_km: np.ndarray,
) -> dict[str, np.ndarray]:
    """Unweighted terms (each in [0, 1]) for arrays of pairs, by name."""
    return dict(iter_terms(needs, offers, policy, need_rows, offer_rows, distance_km))


def pair_scores(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    offer_rows: np.ndarray,
    distance_km: np.ndarray,
) -> np.ndarray:
    """Weighted score of each pair (points; higher is better).

    Equal to the weighted sum of :func:`iter_terms`, but the terms that
    depend on one side only (urgency, waited; rating, cost, spread) are
    summed per need and per offer first, so 16M arcs cost two gathers
    instead of five.
    """
    w = policy.weight
    f32 = np.float32
    per_need = w("urgency") * np.clip(needs.urgency, 0, 1) + w("waited") * np.clip(
        needs.waited_hours / f32(policy.waited_saturation_hours), 0, 1
    )
    per_offer = (
        w("rating") * np.clip(offers.rating / f32(5.0), 0, 1)
        + w("cost") / (1.0 + np.maximum(offers.price, 0) / f32(policy.price_scale))
        + w("spread") / (1.0 + np.maximum(offers.load, 0) / f32(policy.spread_load_scale))
    )
    max_d = max(float(policy.max_distance_km), 1e-9)
    total = np.clip(1.0 - distance_km.astype(np.float64) / max_d, 0, 1)
    total *= w("distance")
    total += per_need.astype(np.float64)[need_rows]
    total += per_offer.astype(np.float64)[offer_rows]
    if needs.prefs is not None and offers.tags is not None:
        want = needs.prefs[need_rows]
        asked = np.bitwise_count(want).sum(axis=1)
        got = np.bitwise_count(want & offers.tags[offer_rows]).sum(axis=1)
        total += w("preference") * np.where(asked > 0, got / np.maximum(asked, 1), 1.0)
    else:
        total += w("preference")
    if needs.previous_offer is not None and w("continuity"):
        total += w("continuity") * (needs.previous_offer[need_rows] == offer_rows)
    return total


def max_score(policy: Policy) -> float:
    """Upper bound of a score (every term is at most 1)."""
    return sum(max(policy.weight(n), 0.0) for n in TERM_NAMES)


def solver_costs(score: np.ndarray, distance_km: np.ndarray, objective: str, policy: Policy) -> np.ndarray:
    """Non-negative int64 arc costs; the solver minimises their sum.

    Among solutions serving the same number of needs, adding one constant to
    every arc shifts every total equally, so ``max_score - score`` is as good
    as ``-score`` and keeps costs non-negative and small.
    """
    if objective == "distance":
        return np.rint(distance_km.astype(np.float64) * DISTANCE_SCALE).astype(np.int64)
    if objective == "score":
        top = max_score(policy)
        return np.rint((top - score) * SCORE_SCALE).astype(np.int64)
    raise ValueError(f"unknown objective {objective!r} (score or distance)")
