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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

import numpy as np

# Default weights of the score terms (points per unit of each term): one
# source, shared with the council's rules (``MarketRule.weights``).
from .weights import DEFAULT_WEIGHTS

#: An id or a provider key: any hashable scalar (an int, a string, a UUID), kept
#: and returned exactly as given; the engine only ever compares keys for equality.
Key: TypeAlias = Hashable

#: Slots are day-part numbers packed into one 64-bit mask per row, so a pair's
#: "shared slot" test is a single AND. 7 days x 9 day-parts fit.
MAX_SLOT = 63


@dataclass(frozen=True, slots=True)
class NeedInput:
    """One open need, as the matching engine sees it.

    ``urgency`` is in [0, 1] (0 routine, 1 critical). ``slots`` are day-part
    numbers 0..63 when the resident says when help is possible; ``None`` or an
    empty set means "any time". ``preferences`` are free tags (e.g. a language)
    the resident would like the helper to have. ``previous_offer_id`` is the
    offer that helped this resident last time, for continuity.
    ``excluded_providers`` are provider keys (see :attr:`OfferInput.provider`)
    this need must never be matched with: a resident's "never again", and
    the providers the resident belongs to (never their own offer). A hard
    constraint, like an excluded (need, offer) pair.
    """

    id: Key
    lat: float
    lon: float
    category: str
    urgency: float = 0.0
    waited_hours: float = 0.0
    slots: frozenset[int] | None = None
    preferences: frozenset[str] = frozenset()
    previous_offer_id: Key | None = None
    excluded_providers: frozenset[Key] = frozenset()


@dataclass(frozen=True, slots=True)
class OfferInput:
    """One offer with capacity left.

    ``capacity`` is what is left now (the Django side subtracts live matches).
    ``load`` is the work the offer already holds, used by the fair-spread term.
    Safeguarding: a category whose tier in ``Policy.safeguarding_tiers`` is
    above 0 is served only if ``clearance_tier`` reaches it or the category is
    listed in ``cleared_categories``. ``rating`` is 0..5 (``None`` = unrated).
    ``provider`` is who runs the offer (any hashable key, optional): a need
    whose ``excluded_providers`` holds it never gets this offer.
    """

    id: Key
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
    provider: Key | None = None


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

    need_id: Key
    offer_id: Key
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
    #: True when the certificate held: no augmenting path exists in the full
    #: feasible graph, so ``matched`` is the exact maximum; False when the
    #: check gave up; None when it did not run (greedy, or ``certify=False``).
    certified: bool | None = None
    #: Feasible pairs beyond the k nearest that the certificate added.
    grown_pairs: int = 0


@dataclass(slots=True)
class NeedArrays:
    """Needs as columns (row i is one need).

    ``category`` holds integer codes; ``slots`` is a bit mask (0 = any time);
    ``prefs`` is an (n, words) uint64 bit matrix over a tag vocabulary shared
    with :attr:`OfferArrays.tags`, or ``None`` when nobody has preferences;
    ``previous_offer`` is an offer *row* or -1. ``id`` is int64 when every id
    is an integer, else an object array holding the ids as given.
    ``excluded_providers`` is an (e, 2) int64 array of (need row, provider
    code) pairs, codes as in :attr:`OfferArrays.provider`, or ``None``.
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
    excluded_providers: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.id.shape[0])

    def take(self, rows: np.ndarray) -> NeedArrays:
        """Subset of rows, in the order given (exclusions renumbered)."""
        excl = self.excluded_providers
        if excl is not None:
            new_row = np.full(len(self), -1, dtype=np.int64)
            new_row[rows] = np.arange(rows.shape[0])
            kept = excl[new_row[excl[:, 0]] >= 0]
            excl = np.column_stack([new_row[kept[:, 0]], kept[:, 1]]) if kept.size else None
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
            excluded_providers=excl,
        )


@dataclass(slots=True)
class OfferArrays:
    """Offers as columns (row j is one offer).

    ``serve_offer``/``serve_category`` list every (offer row, category code)
    the offer may serve *after* safeguarding clearance was applied, so an offer
    that is not cleared for a category simply never becomes its candidate.
    ``provider`` holds an int64 provider code per row (-1 = none given), or
    is ``None`` when no offer names its provider.
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
    provider: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.id.shape[0])


def id_array(ids: Sequence[Key], what: str = "id") -> np.ndarray:
    """Ids as a column: int64 when all are integers, else the ids as given
    (an object array), so strings and UUIDs come back unchanged.

    Raises ``ValueError`` on a missing (``None``) or repeated id: rows are
    found by id, and two rows with one id would be one row.
    """
    n = len(ids)
    if all(type(x) is int for x in ids):
        out = np.array(ids, dtype=np.int64).reshape(n)
        if np.unique(out).size != n:
            raise ValueError(f"every {what} must be unique")
        return out
    out = np.empty(n, dtype=object)
    for r, x in enumerate(ids):
        if x is None or isinstance(x, list | dict):
            raise ValueError(f"{what} {x!r} is not a scalar id")
        out[r] = cast(Any, x)  # an object array holds any key
    if len(set(ids)) != n:
        raise ValueError(f"every {what} must be unique")
    return out


def provider_code_map(providers: Iterable[Key | None]) -> dict[Key, int]:
    """Provider key -> integer code, in order of first appearance (so runs repeat)."""
    codes: dict[Key, int] = {}
    for p in providers:
        if p is not None:
            codes.setdefault(p, len(codes))
    return codes


def provider_column(providers: Sequence[Key | None], codes: Mapping[Key, int]) -> np.ndarray | None:
    """Each offer row's provider code (-1 = none), or None when no offer names one."""
    if not codes:
        return None
    return np.array([-1 if p is None else codes[p] for p in providers], dtype=np.int64).reshape(len(providers))


def provider_exclusions(excluded: Sequence[Iterable[Key]], codes: Mapping[Key, int]) -> np.ndarray | None:
    """(need row, provider code) pairs; providers without an offer here cannot
    matter and are dropped. ``excluded[i]`` holds need row i's provider keys."""
    pairs = [(i, codes[p]) for i, keys in enumerate(excluded) for p in keys if p in codes]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2) if pairs else None


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


def tag_matrix(rows: Sequence[Iterable[str]], vocab: Mapping[str, int]) -> np.ndarray:
    """Tags as an (n, words) uint64 bit matrix over ``vocab`` (unknown tags dropped)."""
    words = max(1, (len(vocab) + 63) // 64)
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
    offer_row: Mapping[Key, int],
    provider_code: Mapping[Key, int] | None = None,
) -> NeedArrays:
    """Convert dataclasses to columns (Django-sized batches only)."""
    n = len(needs)
    prev = np.array(
        [offer_row.get(x.previous_offer_id, -1) if x.previous_offer_id is not None else -1 for x in needs],
        dtype=np.int64,
    )
    return NeedArrays(
        id=id_array([x.id for x in needs], "need id"),
        lat=np.array([x.lat for x in needs], dtype=np.float64).reshape(n),
        lon=np.array([x.lon for x in needs], dtype=np.float64).reshape(n),
        category=np.array([codes[x.category] for x in needs], dtype=np.int32).reshape(n),
        urgency=np.array([x.urgency for x in needs], dtype=np.float32).reshape(n),
        waited_hours=np.array([x.waited_hours for x in needs], dtype=np.float32).reshape(n),
        slots=np.array([slots_to_mask(x.slots) for x in needs], dtype=np.uint64).reshape(n),
        prefs=tag_matrix([x.preferences for x in needs], tag_vocab) if tag_vocab else None,
        previous_offer=prev if (prev >= 0).any() else None,
        excluded_providers=provider_exclusions([x.excluded_providers for x in needs], provider_code or {}),
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
    serve_offer: list[int] = []
    serve_category: list[int] = []
    for j, o in enumerate(offers):
        for c in sorted(o.categories):
            if offer_serves(o, c, policy):
                serve_offer.append(j)
                serve_category.append(codes[c])
    providers = [o.provider for o in offers]
    return OfferArrays(
        id=id_array([o.id for o in offers], "offer id"),
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
        tags=tag_matrix([o.tags for o in offers], tag_vocab) if tag_vocab else None,
        provider=provider_column(providers, provider_code_map(providers)),
    )


def tag_vocabulary(needs: Sequence[NeedInput]) -> dict[str, int]:
    """Only tags some need asks for matter; offer tags nobody asks for are dropped."""
    tags: set[str] = set()
    for x in needs:
        tags.update(x.preferences)
    return {t: i for i, t in enumerate(sorted(tags))}
