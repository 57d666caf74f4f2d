"""Input and output types of the matching engine.

Two shapes of input are supported on purpose:

* dataclasses (:class:`NeedInput`, :class:`OfferInput`) for the Django path,
  where a council batch has hundreds to thousands of rows and readability wins;
* column arrays (:class:`NeedArrays`, :class:`OfferArrays`) for the hot path
  and the benchmark, where building a million Python objects would cost more
  than the whole solve.

Dataclasses are converted to arrays once (:func:`needs_to_arrays`,
:func:`offers_to_arrays`); every algorithm works on arrays only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Slots are day-part numbers packed into one 64-bit mask per row, so a pair's
#: "shared slot" test is a single AND. 7 days x 9 day-parts fit.
MAX_SLOT = 63

#: Default weights of the score terms (points per unit of each term, every term
#: is in [0, 1]). Councils override them in :class:`Policy`; see docs/matching.md.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "distance": 3.0,
    "urgency": 2.0,
    "waited": 2.0,
    "rating": 1.0,
    "cost": 1.0,
    "preference": 1.0,
    "continuity": 1.0,
    "spread": 0.5,
}


@dataclass(frozen=True, slots=True)
class NeedInput:
    """One open need, as the matching engine sees it.

    ``urgency`` is in [0, 1] (0 routine, 1 critical). ``slots`` are day-part
    numbers 0..63 when the resident says when help is possible; ``None`` or an
    empty set means "any time". ``preferences`` are free tags (e.g. a language)
    the resident would like the helper to have. ``previous_offer_id`` is the
    offer that helped this resident last time, for continuity.
    """

    id: int
    lat: float
    lon: float
    category: str
    urgency: float = 0.0
    waited_hours: float = 0.0
    slots: frozenset[int] | None = None
    preferences: frozenset[str] = frozenset()
    previous_offer_id: int | None = None


@dataclass(frozen=True, slots=True)
class OfferInput:
    """One offer with capacity left.

    ``capacity`` is what is left now (the Django side subtracts live matches).
    ``load`` is the work the offer already holds, used by the fair-spread term.
    Safeguarding: a category whose tier in ``Policy.safeguarding_tiers`` is
    above 0 is served only if ``clearance_tier`` reaches it or the category is
    listed in ``cleared_categories``. ``rating`` is 0..5 (``None`` = unrated).
    """

    id: int
    lat: float
    lon: float
    radius_km: float
    categories: frozenset[str]
    capacity: int = 1
    rating: float | None = None
    slots: frozenset[int] | None = None
    price: float = 0.0
    tags: frozenset[str] = frozenset()
    load: int = 0
    clearance_tier: int = 0
    cleared_categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Policy:
    """A council's matching policy: weights and limits are policy, not code.

    ``weights`` overrides :data:`DEFAULT_WEIGHTS` key by key.
    ``waited_saturation_hours``: waiting longer than this earns no extra points
    (one week by default), so the term is bounded. ``price_scale``: a price
    of this much halves the cost term. ``spread_load_scale``: an offer already
    holding this much work gets half the spread term. ``safeguarding_tiers``:
    category -> minimum provider clearance tier (missing = 0, no clearance).
    """

    max_distance_km: float = 10.0
    weights: Mapping[str, float] = field(default_factory=dict)
    waited_saturation_hours: float = 168.0
    price_scale: float = 10.0
    unrated_rating: float = 3.5
    spread_load_scale: float = 3.0
    safeguarding_tiers: Mapping[str, int] = field(default_factory=dict)

    def weight(self, name: str) -> float:
        """Weight of one score term, falling back to the documented default."""
        return float(self.weights.get(name, DEFAULT_WEIGHTS[name]))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Policy:
        """Build from the instance JSON ``policy`` object (unknown keys ignored)."""
        known = set(cls.__dataclass_fields__)
        kwargs = {k: v for k, v in data.items() if k in known}
        return cls(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One proposed match and why.

    ``terms`` holds the weighted contribution of every score term, so
    ``sum(terms.values()) == score`` (up to float rounding) and the Django side
    can explain a proposal ("2.1 km away, available Tuesday mornings, rated
    4.8"); ``shared_slots`` lists the day-part slots both sides gave.
    """

    need_id: int
    offer_id: int
    distance_km: float
    score: float
    terms: dict[str, float]
    shared_slots: tuple[int, ...] = ()


@dataclass(slots=True)
class MatchResult:
    """Result of one run. ``assignments`` is filled for the dataclass API;
    the array API fills ``need_index``/``offer_index`` (row numbers into the
    input arrays) and leaves ``assignments`` empty to stay cheap at 1M rows."""

    assignments: list[Assignment]
    matched: int
    objective: float
    seconds: float
    candidate_pairs: int
    examined_pairs: int
    shards: int
    solver: str
    objective_kind: str
    need_index: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    offer_index: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    distance_km: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    score: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class NeedArrays:
    """Needs as columns (row i is one need).

    ``category`` holds integer codes; ``slots`` is a bit mask (0 = any time);
    ``prefs`` is an (n, words) uint64 bit matrix over a tag vocabulary shared
    with :attr:`OfferArrays.tags`, or ``None`` when nobody has preferences;
    ``previous_offer`` is an offer *row* or -1.
    """

    id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    category: np.ndarray
    urgency: np.ndarray
    waited_hours: np.ndarray
    slots: np.ndarray
    prefs: np.ndarray | None = None
    previous_offer: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.id.shape[0])

    def take(self, rows: np.ndarray) -> NeedArrays:
        """Subset of rows (used by shards)."""
        return NeedArrays(
            id=self.id[rows],
            lat=self.lat[rows],
            lon=self.lon[rows],
            category=self.category[rows],
            urgency=self.urgency[rows],
            waited_hours=self.waited_hours[rows],
            slots=self.slots[rows],
            prefs=None if self.prefs is None else self.prefs[rows],
            previous_offer=None if self.previous_offer is None else self.previous_offer[rows],
        )


@dataclass(slots=True)
class OfferArrays:
    """Offers as columns (row j is one offer).

    ``serve_offer``/``serve_category`` list every (offer row, category code)
    the offer may serve *after* safeguarding clearance was applied, so an offer
    that is not cleared for a category simply never becomes its candidate.
    """

    id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    radius_km: np.ndarray
    capacity: np.ndarray
    rating: np.ndarray
    price: np.ndarray
    slots: np.ndarray
    load: np.ndarray
    serve_offer: np.ndarray
    serve_category: np.ndarray
    tags: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.id.shape[0])


def slots_to_mask(slots: Iterable[int] | None) -> int:
    """Pack day-part slot numbers into a bit mask; empty/None means any time."""
    mask = 0
    for s in slots or ():
        s = int(s)
        if not 0 <= s <= MAX_SLOT:
            raise ValueError(f"slot {s} outside 0..{MAX_SLOT}")
        mask |= 1 << s
    return mask


def mask_to_slots(mask: int) -> tuple[int, ...]:
    """Inverse of :func:`slots_to_mask`."""
    mask = int(mask)
    return tuple(i for i in range(MAX_SLOT + 1) if mask >> i & 1)


def _tag_matrix(rows: Sequence[Iterable[str]], vocab: Mapping[str, int], words: int) -> np.ndarray:
    out = np.zeros((len(rows), words), dtype=np.uint64)
    for r, tags in enumerate(rows):
        for t in tags:
            b = vocab.get(t)
            if b is not None:
                out[r, b // 64] |= np.uint64(1 << (b % 64))
    return out


def category_codes(needs: Sequence[NeedInput], offers: Sequence[OfferInput]) -> dict[str, int]:
    """A stable category -> code map for one batch (sorted, so runs repeat)."""
    names: set[str] = {n.category for n in needs}
    for o in offers:
        names.update(o.categories)
    return {name: i for i, name in enumerate(sorted(names))}


def needs_to_arrays(
    needs: Sequence[NeedInput],
    codes: Mapping[str, int],
    tag_vocab: Mapping[str, int],
    offer_row: Mapping[int, int],
) -> NeedArrays:
    """Convert dataclasses to columns (Django-sized batches only)."""
    n = len(needs)
    words = max(1, (len(tag_vocab) + 63) // 64)
    prev = np.array(
        [offer_row.get(x.previous_offer_id, -1) if x.previous_offer_id is not None else -1 for x in needs],
        dtype=np.int64,
    )
    return NeedArrays(
        id=np.array([x.id for x in needs], dtype=np.int64).reshape(n),
        lat=np.array([x.lat for x in needs], dtype=np.float64).reshape(n),
        lon=np.array([x.lon for x in needs], dtype=np.float64).reshape(n),
        category=np.array([codes[x.category] for x in needs], dtype=np.int32).reshape(n),
        urgency=np.array([x.urgency for x in needs], dtype=np.float32).reshape(n),
        waited_hours=np.array([x.waited_hours for x in needs], dtype=np.float32).reshape(n),
        slots=np.array([slots_to_mask(x.slots) for x in needs], dtype=np.uint64).reshape(n),
        prefs=_tag_matrix([x.preferences for x in needs], tag_vocab, words) if tag_vocab else None,
        previous_offer=prev if (prev >= 0).any() else None,
    )


def offer_serves(offer: OfferInput, category: str, policy: Policy) -> bool:
    """Whether an offer may serve a category, safeguarding included."""
    if category not in offer.categories:
        return False
    tier = int(policy.safeguarding_tiers.get(category, 0))
    return tier <= 0 or offer.clearance_tier >= tier or category in offer.cleared_categories


def offers_to_arrays(
    offers: Sequence[OfferInput],
    codes: Mapping[str, int],
    tag_vocab: Mapping[str, int],
    policy: Policy,
) -> OfferArrays:
    """Convert dataclasses to columns, applying safeguarding clearance."""
    m = len(offers)
    words = max(1, (len(tag_vocab) + 63) // 64)
    serve_offer: list[int] = []
    serve_category: list[int] = []
    for j, o in enumerate(offers):
        for c in sorted(o.categories):
            if offer_serves(o, c, policy):
                serve_offer.append(j)
                serve_category.append(codes[c])
    return OfferArrays(
        id=np.array([o.id for o in offers], dtype=np.int64).reshape(m),
        lat=np.array([o.lat for o in offers], dtype=np.float64).reshape(m),
        lon=np.array([o.lon for o in offers], dtype=np.float64).reshape(m),
        radius_km=np.array([o.radius_km for o in offers], dtype=np.float32).reshape(m),
        capacity=np.array([max(0, o.capacity) for o in offers], dtype=np.int32).reshape(m),
        rating=np.array(
            [policy.unrated_rating if o.rating is None else o.rating for o in offers], dtype=np.float32
        ).reshape(m),
        price=np.array([o.price for o in offers], dtype=np.float32).reshape(m),
        slots=np.array([slots_to_mask(o.slots) for o in offers], dtype=np.uint64).reshape(m),
        load=np.array([o.load for o in offers], dtype=np.int32).reshape(m),
        serve_offer=np.array(serve_offer, dtype=np.int32),
        serve_category=np.array(serve_category, dtype=np.int32),
        tags=_tag_matrix([o.tags for o in offers], tag_vocab, words) if tag_vocab else None,
    )


def tag_vocabulary(needs: Sequence[NeedInput]) -> dict[str, int]:
    """Only tags some need asks for matter; offer tags nobody asks for are dropped."""
    tags: set[str] = set()
    for x in needs:
        tags.update(x.preferences)
    return {t: i for i, t in enumerate(sorted(tags))}
