"""Synthetic instances and the benchmark's JSON instance format.

The generator is what every figure in docs/performance.md was measured on: a
uniform square region, offers = needs / 3 with capacity 1-5 (so total
capacity ~ demand and the solver's choices matter), eight categories, offers
serving one or two of them, radii 1-3 km, half the needs and 70% of the
offers giving day-part slots, and one safeguarded category. It is seeded, so
an instance is reproducible from its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .types import (
    MAX_SLOT,
    Key,
    NeedArrays,
    OfferArrays,
    Policy,
    id_array,
    mask_to_slots,
    provider_code_map,
    provider_column,
    provider_exclusions,
    slots_to_mask,
    tag_matrix,
)

CATEGORIES: tuple[str, ...] = (
    "befriending",
    "childcare",
    "diy",
    "gardening",
    "meals",
    "shopping",
    "tech-help",
    "transport",
)
#: Seven days x three day-parts (morning, afternoon, evening).
DAY_PARTS = 21
CENTRE = (51.41, -0.30)  # Kingston upon Thames; only the scale matters.


@dataclass(slots=True)
class Instance:
    """A batch in array form, plus the names behind the integer codes."""

    needs: NeedArrays
    offers: OfferArrays
    policy: Policy
    categories: tuple[str, ...]
    tags: tuple[str, ...] = ()
    #: Offers' clearance tiers, kept only so the JSON records what produced the
    #: effective ``serve_*`` pairs (the arrays hold cleared categories only).
    offer_clearance: np.ndarray | None = None
    #: Sorted exclusion keys (need row * offers + offer row), from ``excluded``.
    excluded: np.ndarray | None = None
    #: The provider key behind each code of ``OfferArrays.provider``.
    providers: tuple[Key, ...] = ()


def _random_masks(rng: np.random.Generator, n: int, share: float, p_bit: float) -> np.ndarray:
    bits = rng.random((n, DAY_PARTS)) < p_bit
    # at least one slot for those who give slots
    bits[np.arange(n), rng.integers(0, DAY_PARTS, n)] = True
    weights = np.left_shift(np.uint64(1), np.arange(DAY_PARTS, dtype=np.uint64))
    masks = (bits.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
    masks[rng.random(n) >= share] = 0
    return masks


def _positions(rng: np.random.Generator, n: int, region_km: float) -> tuple[np.ndarray, np.ndarray]:
    x = (rng.random(n) - 0.5) * region_km
    y = (rng.random(n) - 0.5) * region_km
    lat = CENTRE[0] + y / 111.32
    lon = CENTRE[1] + x / (111.32 * np.cos(np.radians(CENTRE[0])))
    return lat, lon


def generate_instance(n_needs: int, n_offers: int, region_km: float = 20.0, seed: int = 0) -> Instance:
    """A reproducible uniform instance (see module docstring for the shape)."""
    rng = np.random.default_rng(seed)
    n_cat = len(CATEGORIES)
    nlat, nlon = _positions(rng, n_needs, region_km)
    needs = NeedArrays(
        id=np.arange(1, n_needs + 1, dtype=np.int64),
        lat=nlat,
        lon=nlon,
        category=rng.integers(0, n_cat, n_needs).astype(np.int32),
        urgency=(rng.integers(0, 5, n_needs) / 4).astype(np.float32),
        waited_hours=rng.uniform(0, 336, n_needs).astype(np.float32),
        slots=_random_masks(rng, n_needs, 0.5, 0.2),
    )
    olat, olon = _positions(rng, n_offers, region_km)
    first = rng.integers(0, n_cat, n_offers)
    second = (first + rng.integers(1, n_cat, n_offers)) % n_cat
    two = rng.random(n_offers) < 0.35
    serve_offer = np.concatenate([np.arange(n_offers), np.flatnonzero(two)])
    serve_category = np.concatenate([first, second[two]])
    clearance = rng.integers(0, 3, n_offers)
    tiers = {"childcare": 2}
    tier_of_code = np.array([tiers.get(c, 0) for c in CATEGORIES])
    cleared = tier_of_code[serve_category] <= clearance[serve_offer]
    order = np.argsort(serve_offer[cleared], kind="stable")
    price = np.where(rng.random(n_offers) < 0.8, 0.0, rng.integers(5, 31, n_offers)).astype(np.float32)
    offers = OfferArrays(
        id=np.arange(1, n_offers + 1, dtype=np.int64),
        lat=olat,
        lon=olon,
        radius_km=rng.uniform(1.0, 3.0, n_offers).astype(np.float32),
        capacity=rng.integers(1, 6, n_offers).astype(np.int32),
        rating=np.round(rng.uniform(3.0, 5.0, n_offers), 1).astype(np.float32),
        price=price,
        slots=_random_masks(rng, n_offers, 0.7, 0.35),
        load=np.zeros(n_offers, dtype=np.int32),
        serve_offer=serve_offer[cleared][order].astype(np.int32),
        serve_category=serve_category[cleared][order].astype(np.int32),
    )
    policy = Policy(max_distance_km=10.0, safeguarding_tiers=tiers)
    return Instance(
        needs=needs,
        offers=offers,
        policy=policy,
        categories=CATEGORIES,
        offer_clearance=clearance.astype(np.int32),
    )


#: Twelve kinds of help for the clustered instances; their popularity is
#: uneven (a Zipf-like share), so some categories are scarce in some towns.
CLUSTERED_CATEGORIES: tuple[str, ...] = (
    "shopping",
    "transport",
    "befriending",
    "meals",
    "gardening",
    "prescriptions",
    "tech-help",
    "cleaning",
    "diy",
    "dog-walking",
    "personal-care",
    "childcare",
)
#: Needs per town on average in clustered instances, and the borough they live
#: in: 20k needs ~ six towns in a 25 km square (issue 12's instance); larger
#: instances keep that density over a larger area (a county, a metropolis).
NEEDS_PER_TOWN = 3_500
BOROUGH_KM = 25.0
BOROUGH_NEEDS = 20_000


def _km_to_latlon(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = CENTRE[0] + y / 111.32
    lon = CENTRE[1] + x / (111.32 * np.cos(np.radians(CENTRE[0])))
    return lat, lon


def _clustered_points(
    rng: np.random.Generator,
    n: int,
    towns_xy: np.ndarray,
    weights: np.ndarray,
    sigma_km: np.ndarray,
    rural_share: float,
    region_km: float,
) -> tuple[np.ndarray, np.ndarray]:
    town = rng.choice(towns_xy.shape[0], size=n, p=weights / weights.sum())
    x = towns_xy[town, 0] + rng.normal(0.0, 1.0, n) * sigma_km[town]
    y = towns_xy[town, 1] + rng.normal(0.0, 1.0, n) * sigma_km[town]
    rural = rng.random(n) < rural_share
    x[rural] = (rng.random(int(rural.sum())) - 0.5) * region_km
    y[rural] = (rng.random(int(rural.sum())) - 0.5) * region_km
    return _km_to_latlon(x, y)


def generate_clustered_instance(
    n_needs: int, n_offers: int | None = None, seed: int = 0, region_km: float | None = None
) -> Instance:
    """A reproducible borough-like instance (issue 12): towns of different
    sizes plus a thin rural background, where town centres' demand often
    exceeds the supply near them.

    About one town per :data:`NEEDS_PER_TOWN` needs (at least six), with
    lognormal sizes, spread 0.5-3 km by size, in a square that keeps a
    borough's density (:data:`BOROUGH_KM` km for :data:`BOROUGH_NEEDS`
    needs, never under 20 km); 12% of needs and 20% of offers live in the
    rural background. Offers (``n_needs / 3`` by default) follow the towns
    with their own noisy weights and a wider spread, so some towns are short
    of help. Radii 1.5-8 km (most under 4), a 7.5 km maximum distance; half
    of both sides give day-part slots; 12 categories of uneven (Zipf-like)
    popularity, offers serving 1-3; capacities 1-5; personal care and
    childcare need clearance. ``region_km`` overrides the square's side
    (tests pack a few dozen needs into a few km to make them compete).
    """
    rng = np.random.default_rng(seed)
    m = max(1, n_needs // 3) if n_offers is None else n_offers
    region = max(20.0, BOROUGH_KM * float(np.sqrt(max(n_needs, 1) / BOROUGH_NEEDS)))
    if region_km is not None:
        region = float(region_km)
    n_towns = max(6, round(n_needs / NEEDS_PER_TOWN))
    towns_xy = (rng.random((n_towns, 2)) - 0.5) * region * 0.85
    size = rng.lognormal(0.0, 0.9, n_towns)
    people = size / size.sum() * n_needs
    sigma = np.clip(1.5 * np.sqrt(people / 1000.0), 1.0, 5.0)
    nlat, nlon = _clustered_points(rng, n_needs, towns_xy, size, sigma, 0.12, region)
    offer_weight = size * rng.lognormal(0.0, 0.35, n_towns)
    olat, olon = _clustered_points(rng, m, towns_xy, offer_weight, sigma * 1.4, 0.20, region)

    cats = CLUSTERED_CATEGORIES
    n_cat = len(cats)
    need_pop = 1.0 / np.arange(1, n_cat + 1) ** 1.1
    need_pop /= need_pop.sum()
    offer_pop = need_pop * rng.lognormal(0.0, 0.5, n_cat)
    offer_pop /= offer_pop.sum()
    first = rng.choice(n_cat, size=m, p=offer_pop)
    extra = rng.integers(0, 3, m)  # 0-2 more categories
    serve_offer = [np.arange(m)]
    serve_category = [first]
    for step in (1, 2):
        more = np.flatnonzero(extra >= step)
        serve_offer.append(more)
        serve_category.append(rng.choice(n_cat, size=more.size, p=offer_pop))
    so = np.concatenate(serve_offer)
    sc = np.concatenate(serve_category)
    pairs = np.unique(so.astype(np.int64) * n_cat + sc)  # an offer lists a category once
    so, sc = pairs // n_cat, pairs % n_cat
    tiers = {"personal-care": 2, "childcare": 2}
    tier_of_code = np.array([tiers.get(c, 0) for c in cats])
    clearance = rng.integers(0, 3, m)
    cleared = tier_of_code[sc] <= clearance[so]

    needs = NeedArrays(
        id=np.arange(1, n_needs + 1, dtype=np.int64),
        lat=nlat,
        lon=nlon,
        category=rng.choice(n_cat, size=n_needs, p=need_pop).astype(np.int32),
        urgency=(rng.integers(0, 5, n_needs) / 4).astype(np.float32),
        waited_hours=rng.uniform(0, 336, n_needs).astype(np.float32),
        slots=_random_masks(rng, n_needs, 0.5, 0.2),
    )
    price = np.where(rng.random(m) < 0.8, 0.0, rng.integers(5, 31, m)).astype(np.float32)
    offers = OfferArrays(
        id=np.arange(1, m + 1, dtype=np.int64),
        lat=olat,
        lon=olon,
        radius_km=(1.5 + 6.5 * rng.beta(1.2, 2.5, m)).astype(np.float32),
        capacity=rng.integers(1, 6, m).astype(np.int32),
        rating=np.round(rng.uniform(3.0, 5.0, m), 1).astype(np.float32),
        price=price,
        slots=_random_masks(rng, m, 0.5, 0.35),
        load=np.zeros(m, dtype=np.int32),
        serve_offer=so[cleared].astype(np.int32),
        serve_category=sc[cleared].astype(np.int32),
    )
    policy = Policy(max_distance_km=7.5, safeguarding_tiers=tiers)
    return Instance(
        needs=needs, offers=offers, policy=policy, categories=cats, offer_clearance=clearance.astype(np.int32)
    )


SHAPES = ("uniform", "clustered")


def generate(shape: str, n_needs: int, n_offers: int | None = None, seed: int = 0) -> Instance:
    """One of the benchmark's instance shapes by name (uniform: a 20 km square)."""
    if shape == "uniform":
        return generate_instance(n_needs, max(1, n_needs // 3) if n_offers is None else n_offers, 20.0, seed)
    if shape == "clustered":
        return generate_clustered_instance(n_needs, n_offers, seed)
    raise ValueError(f"unknown shape {shape!r} ({' or '.join(SHAPES)})")


def instance_to_json(inst: Instance) -> dict[str, Any]:
    """The benchmark's instance format (see docs/matching.md)."""
    n, o = inst.needs, inst.offers
    cats = inst.categories
    needs_out: list[dict[str, Any]] = []
    need_ids = n.id.tolist()
    offer_ids = o.id.tolist()
    excluded_by_need: dict[int, list[Key]] = {}
    if n.excluded_providers is not None:
        for i, p in n.excluded_providers.tolist():
            excluded_by_need.setdefault(i, []).append(inst.providers[p])
    for i in range(len(n)):
        row: dict[str, Any] = {
            "id": need_ids[i],
            "lat": round(float(n.lat[i]), 6),
            "lon": round(float(n.lon[i]), 6),
            "category": cats[int(n.category[i])],
            "urgency": float(n.urgency[i]),
            "waited_hours": round(float(n.waited_hours[i]), 2),
        }
        s = int(n.slots[i])
        if s:
            row["slots"] = list(mask_to_slots(s))
        if i in excluded_by_need:
            row["excluded_providers"] = excluded_by_need[i]
        needs_out.append(row)
    served: list[list[str]] = [[] for _ in range(len(o))]
    for j, c in zip(o.serve_offer.tolist(), o.serve_category.tolist(), strict=True):
        served[j].append(cats[c])
    clearance = inst.offer_clearance
    offers_out: list[dict[str, Any]] = []
    for j in range(len(o)):
        row = {
            "id": offer_ids[j],
            "lat": round(float(o.lat[j]), 6),
            "lon": round(float(o.lon[j]), 6),
            "radius_km": round(float(o.radius_km[j]), 3),
            "categories": served[j],
            "capacity": int(o.capacity[j]),
            "rating": round(float(o.rating[j]), 1),
        }
        if float(o.price[j]):
            row["price"] = float(o.price[j])
        if clearance is not None:
            row["clearance_tier"] = int(clearance[j])
        if o.provider is not None and o.provider[j] >= 0:
            row["provider"] = inst.providers[int(o.provider[j])]
        s = int(o.slots[j])
        if s:
            row["slots"] = list(mask_to_slots(s))
        offers_out.append(row)
    p = inst.policy
    policy: dict[str, Any] = {"max_distance_km": p.max_distance_km}
    if p.safeguarding_tiers:
        policy["safeguarding_tiers"] = dict(p.safeguarding_tiers)
    if p.weights:
        policy["weights"] = dict(p.weights)
    return {"needs": needs_out, "offers": offers_out, "policy": policy}


def instance_from_json(data: Mapping[str, Any]) -> Instance:
    """Parse the instance format column by column (no per-row objects kept).

    Ids are any JSON scalars (integers, strings such as UUIDs), kept as
    given. Categories may be strings or integers. Optional keys: need
    ``slots``, ``preferences``, ``previous_offer``, ``excluded_providers``;
    offer ``slots``, ``price``, ``tags``, ``load``, ``clearance_tier``,
    ``cleared_categories``, ``provider``; policy keys as in :class:`Policy`;
    top-level ``excluded``: [[need id, offer id], ...].
    """
    policy = Policy.from_dict(data.get("policy", {}))
    needs = data["needs"]
    offers = data["offers"]
    names: set[str] = {str(x["category"]) for x in needs}
    for o in offers:
        names.update(str(c) for c in o["categories"])
    cats = tuple(sorted(names))
    code = {c: i for i, c in enumerate(cats)}
    vocab_set: set[str] = set()
    for x in needs:
        vocab_set.update(x.get("preferences") or ())
    vocab = {t: i for i, t in enumerate(sorted(vocab_set))}
    offer_ids = id_array([o["id"] for o in offers], "offer id")
    need_ids = id_array([x["id"] for x in needs], "need id")
    offer_row = {key: j for j, key in enumerate(offer_ids.tolist())}
    prev = np.array(
        [-1 if x.get("previous_offer") is None else offer_row.get(x["previous_offer"], -1) for x in needs],
        dtype=np.int64,
    ).reshape(len(needs))
    providers = provider_code_map(o.get("provider") for o in offers)
    n = len(needs)
    na = NeedArrays(
        id=need_ids,
        lat=np.array([x["lat"] for x in needs], dtype=np.float64).reshape(n),
        lon=np.array([x["lon"] for x in needs], dtype=np.float64).reshape(n),
        category=np.array([code[str(x["category"])] for x in needs], dtype=np.int32).reshape(n),
        urgency=np.array([x.get("urgency", 0.0) for x in needs], dtype=np.float32).reshape(n),
        waited_hours=np.array([x.get("waited_hours", 0.0) for x in needs], dtype=np.float32).reshape(n),
        slots=np.array([slots_to_mask(x.get("slots")) for x in needs], dtype=np.uint64).reshape(n),
        prefs=tag_matrix([x.get("preferences") or () for x in needs], vocab) if vocab else None,
        previous_offer=prev if (prev >= 0).any() else None,
        excluded_providers=provider_exclusions([x.get("excluded_providers") or () for x in needs], providers),
    )
    tiers = {str(k): int(v) for k, v in policy.safeguarding_tiers.items()}
    serve_offer: list[int] = []
    serve_category: list[int] = []
    for j, o in enumerate(offers):
        tier_o = int(o.get("clearance_tier", 0))
        cleared = {str(c) for c in o.get("cleared_categories") or ()}
        for c in sorted({str(c) for c in o["categories"]}):
            t = tiers.get(c, 0)
            if t <= 0 or tier_o >= t or c in cleared:
                serve_offer.append(j)
                serve_category.append(code[c])
    m = len(offers)
    oa = OfferArrays(
        id=offer_ids,
        lat=np.array([o["lat"] for o in offers], dtype=np.float64).reshape(m),
        lon=np.array([o["lon"] for o in offers], dtype=np.float64).reshape(m),
        radius_km=np.array([o["radius_km"] for o in offers], dtype=np.float32).reshape(m),
        capacity=np.array([max(0, int(o.get("capacity", 1))) for o in offers], dtype=np.int32).reshape(m),
        rating=np.array(
            [policy.unrated_rating if o.get("rating") is None else o["rating"] for o in offers],
            dtype=np.float32,
        ).reshape(m),
        price=np.array([o.get("price", 0.0) for o in offers], dtype=np.float32).reshape(m),
        slots=np.array([slots_to_mask(o.get("slots")) for o in offers], dtype=np.uint64).reshape(m),
        load=np.array([o.get("load", 0) for o in offers], dtype=np.int32).reshape(m),
        serve_offer=np.array(serve_offer, dtype=np.int32),
        serve_category=np.array(serve_category, dtype=np.int32),
        tags=tag_matrix([o.get("tags") or () for o in offers], vocab) if vocab else None,
        provider=provider_column([o.get("provider") for o in offers], providers),
    )
    need_row = {key: i for i, key in enumerate(need_ids.tolist())}
    keys = [need_row[a] * m + offer_row[b] for a, b in data.get("excluded") or () if a in need_row and b in offer_row]
    return Instance(
        needs=na,
        offers=oa,
        policy=policy,
        categories=cats,
        tags=tuple(vocab),
        excluded=np.unique(np.array(keys, dtype=np.int64)) if keys else None,
        providers=tuple(providers),
    )


__all__ = [
    "CATEGORIES",
    "CLUSTERED_CATEGORIES",
    "DAY_PARTS",
    "MAX_SLOT",
    "SHAPES",
    "Instance",
    "generate",
    "generate_clustered_instance",
    "generate_instance",
    "instance_from_json",
    "instance_to_json",
]
