"""The first reason a batch leaves a need unmatched (issue 9, item 3), in the pure engine."""

from __future__ import annotations

import pytest

from matching.engine import NeedInput, OfferInput, Policy
from matching.engine.reasons import unmatched_reasons

HERE = (51.4077, -0.3059)
POLICY = Policy(max_distance_km=10, safeguarding_tiers={"care": 2})


def need(**kw) -> NeedInput:
    base = {"id": 1, "lat": HERE[0], "lon": HERE[1], "category": "shopping"}
    return NeedInput(**{**base, **kw})


def offer(**kw) -> OfferInput:
    base = {"id": 10, "lat": HERE[0] + 0.01, "lon": HERE[1], "radius_km": 5, "categories": frozenset({"shopping"})}
    return OfferInput(**{**base, **kw})


@pytest.mark.parametrize(
    ("the_need", "offers", "kwargs", "reason"),
    [
        (need(), [], {}, "no_offer"),
        (need(category="gardening"), [offer()], {}, "no_offer"),
        (need(category="care"), [offer(categories=frozenset({"care"}), clearance_tier=1)], {}, "not_cleared"),
        (need(), [offer(lat=HERE[0] + 0.2)], {}, "too_far"),
        (need(), [offer(radius_km=0.5)], {}, "too_far"),
        (need(slots=frozenset({1})), [offer(slots=frozenset({2}))], {}, "no_shared_time"),
        (need(), [offer(capacity=0)], {}, "all_busy"),
        (need(), [offer(capacity=1)], {"used_by_offer": {10: 1}}, "all_busy"),
        (need(excluded_providers=frozenset({"p"})), [offer(provider="p")], {}, "excluded"),
        (need(), [offer()], {"excluded": {(1, 10)}}, "excluded"),
        (need(), [offer()], {}, "all_busy"),  # feasible, yet unmatched: another need took it
    ],
)
def test_each_reason(the_need, offers, kwargs, reason):
    assert unmatched_reasons([the_need], offers, POLICY, **kwargs) == {1: reason}


def test_the_first_blocking_reason_wins():
    # Too far beats no shared time: the near offer has no shared time only if it were in reach.
    far_and_timeless = [offer(lat=HERE[0] + 0.2, slots=frozenset({2}))]
    assert unmatched_reasons([need(slots=frozenset({1}))], far_and_timeless, POLICY) == {1: "too_far"}
    # Busy beats excluded: one offer full, the only free one excluded... is excluded.
    mixed = [offer(id=10, capacity=0), offer(id=11, provider="p")]
    assert unmatched_reasons([need(excluded_providers=frozenset({"p"}))], mixed, POLICY) == {1: "excluded"}
    assert unmatched_reasons([need()], [offer(capacity=0, provider="p")], POLICY) == {1: "all_busy"}


def test_matched_needs_get_no_reason():
    assert unmatched_reasons([need(), need(id=2)], [offer()], POLICY, matched_need_ids={1}) == {2: "all_busy"}
