"""Candidate pairs from a spatial index, never an all-pairs scan.

One KD-tree per category (``scipy.spatial.cKDTree``) over 3-D points on the
sphere (unit vectors scaled to km), so Euclidean chord distance is monotone in
great-circle distance and needs no projection, and a tree never holds offers
of other categories (5-8x cheaper than one tree plus a filter, see NOTES.md).

For each need we keep its ``k`` nearest *feasible* offers: the tree is asked
for a few more than ``k``, infeasible ones (radius, slots, exclusions) are
dropped, and only needs that found fewer than ``k`` while the query was
saturated ask again with a doubled ``k``. ``examined`` counts every
(need, offer) distance the trees returned, so tests can assert the work stays
O(k) per need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .types import NeedArrays, OfferArrays, Policy

EARTH_RADIUS_KM = 6371.0088


@dataclass(slots=True)
class Candidates:
    """Sparse candidate graph: arc ``a`` joins need row ``need[a]`` and offer
    row ``offer[a]`` at great-circle ``distance_km[a]``."""

    need: np.ndarray
    offer: np.ndarray
    distance_km: np.ndarray
    examined: int
    #: 0 for a need's nearest feasible offer, 1 for the next, ... (lets a
    #: solver use only the nearest few arcs of a need in some pass)
    rank: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.need.shape[0])

    @classmethod
    def empty(cls) -> Candidates:
        return cls(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32), 0, np.empty(0, np.int16))

    def take(self, mask: np.ndarray) -> Candidates:
        rank = None if self.rank is None else self.rank[mask]
        return Candidates(self.need[mask], self.offer[mask], self.distance_km[mask], self.examined, rank)


def xyz_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on a sphere of Earth's radius; chord length ~ great-circle km."""
    la = np.radians(lat)
    lo = np.radians(lon)
    c = np.cos(la)
    out = np.empty((la.shape[0], 3), dtype=np.float64)
    out[:, 0] = c * np.cos(lo)
    out[:, 1] = c * np.sin(lo)
    out[:, 2] = np.sin(la)
    out *= EARTH_RADIUS_KM
    return out


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Exact great-circle distance from a chord length (both in km)."""
    x = np.minimum(np.asarray(chord, dtype=np.float64) / (2 * EARTH_RADIUS_KM), 1.0)
    return 2 * EARTH_RADIUS_KM * np.arcsin(x)


def km_to_chord(km: float) -> float:
    return float(2 * EARTH_RADIUS_KM * np.sin(min(km / (2 * EARTH_RADIUS_KM), np.pi / 2)))


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance; used by the single-need path and by checks."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def morton_codes(lat: np.ndarray, lon: np.ndarray, bits: int = 16) -> np.ndarray:
    """Z-order codes of points in their bounding box (for locality only)."""
    if lat.size == 0:
        return np.zeros(0, dtype=np.uint64)
    scale = float((1 << bits) - 1)

    def quantise(v: np.ndarray) -> np.ndarray:
        lo, span = float(v.min()), float(np.ptp(v)) or 1.0
        return ((v - lo) / span * scale).astype(np.uint64)

    x, y = quantise(lon), quantise(lat)
    code = np.zeros(lat.shape, dtype=np.uint64)
    one = np.uint64(1)
    for b in range(bits):
        ub = np.uint64(b)
        code |= ((x >> ub) & one) << np.uint64(2 * b)
        code |= ((y >> ub) & one) << np.uint64(2 * b + 1)
    return code


def slots_compatible(need_slots: np.ndarray, offer_slots: np.ndarray) -> np.ndarray:
    """A shared slot is required only when both sides gave slots (mask 0 = any)."""
    zero = np.uint64(0)
    return (need_slots == zero) | (offer_slots == zero) | ((need_slots & offer_slots) != zero)


def exclusion_keys(need_rows: np.ndarray, offer_rows: np.ndarray, n_offers: int) -> np.ndarray:
    """Encode (need row, offer row) as one int64 so exclusions are a sorted search."""
    return need_rows.astype(np.int64) * np.int64(n_offers) + offer_rows.astype(np.int64)


def provider_exclusion_keys(needs: NeedArrays, offers: OfferArrays) -> np.ndarray | None:
    """Every (need row, offer row) pair barred by the need's excluded providers,
    as sorted :func:`exclusion_keys` (the offers of each excluded provider).

    Expanding provider exclusions into pair keys lets every part of the engine
    (candidates, the previous-helper arc, the certificate's radius queries)
    honour them through the one pair-exclusion test. A resident excludes a
    handful of providers with a handful of offers each, so this stays small.
    """
    excl, prov = needs.excluded_providers, offers.provider
    if excl is None or prov is None or excl.size == 0:
        return None
    rows = np.flatnonzero(prov >= 0)
    order = np.argsort(prov[rows], kind="stable")
    rows, codes = rows[order], prov[rows][order]
    lo = np.searchsorted(codes, excl[:, 1], side="left")
    count = np.searchsorted(codes, excl[:, 1], side="right") - lo
    total = int(count.sum())
    if total == 0:
        return None
    first = np.repeat(np.cumsum(count) - count, count)
    within = np.arange(total, dtype=np.int64) - first
    offer_rows = rows[np.repeat(lo, count) + within]
    return np.unique(exclusion_keys(np.repeat(excl[:, 0], count), offer_rows, len(offers)))


def merge_exclusions(needs: NeedArrays, offers: OfferArrays, excluded: np.ndarray | None) -> np.ndarray | None:
    """Sorted pair keys of ``excluded`` plus the pairs the needs' excluded
    providers bar (idempotent: merging twice changes nothing)."""
    extra = provider_exclusion_keys(needs, offers)
    if extra is None:
        return excluded
    if excluded is None or excluded.size == 0:
        return extra
    return np.union1d(excluded, extra)


def _is_excluded(keys: np.ndarray, excluded: np.ndarray | None) -> np.ndarray:
    if excluded is None or excluded.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    pos = np.searchsorted(excluded, keys)
    pos = np.minimum(pos, excluded.size - 1)
    return excluded[pos] == keys


def _offers_by_category(offers: OfferArrays, offer_mask: np.ndarray | None) -> dict[int, np.ndarray]:
    so, sc = offers.serve_offer, offers.serve_category
    if offer_mask is not None:
        keep = offer_mask[so]
        so, sc = so[keep], sc[keep]
    # by category, then along a space-filling curve: a tree built on
    # spatially sorted points reads its leaves from contiguous memory
    order = np.lexsort((morton_codes(offers.lat[so], offers.lon[so]), sc))
    so, sc = so[order], sc[order]
    if sc.size == 0:
        return {}
    cats, starts = np.unique(sc, return_index=True)
    ends = np.append(starts[1:], sc.size)
    return {int(c): so[s:e] for c, s, e in zip(cats, starts, ends, strict=True)}


def build_candidates(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    *,
    k: int = 16,
    excluded: np.ndarray | None = None,
    need_rows: np.ndarray | None = None,
    offer_mask: np.ndarray | None = None,
    workers: int = 1,
    need_xyz: np.ndarray | None = None,
    offer_xyz: np.ndarray | None = None,
) -> Candidates:
    """The k nearest feasible offers of every need (or of ``need_rows``).

    ``excluded`` is a *sorted* array of :func:`exclusion_keys`. ``offer_mask``
    restricts the offers (a shard's own offers, or offers with capacity left).
    Feasible means: serves the category (clearance already applied), within
    the offer's radius and the council's maximum distance, a shared slot when
    both gave slots, capacity > 0, not an excluded pair, and not an offer of a
    provider the need excludes.
    """
    excluded = merge_exclusions(needs, offers, excluded)
    if need_rows is None:
        need_rows = np.arange(len(needs), dtype=np.int64)
    has_cap = offers.capacity > 0
    offer_mask = has_cap if offer_mask is None else (offer_mask & has_cap)
    if need_rows.size == 0 or not offer_mask.any():
        return Candidates.empty()
    nx = need_xyz if need_xyz is not None else None
    ox = offer_xyz if offer_xyz is not None else xyz_km(offers.lat, offers.lon)
    max_km = float(policy.max_distance_km)
    m_total = len(offers)
    by_cat = _offers_by_category(offers, offer_mask)
    cats = needs.category[need_rows]
    # Query in space-filling-curve order: neighbouring queries walk the same
    # tree nodes, so the KD-tree stays in cache (3x faster at 1M needs).
    order = np.lexsort((morton_codes(needs.lat[need_rows], needs.lon[need_rows]), cats))
    rows_sorted = need_rows[order]
    ucats, starts = np.unique(cats[order], return_index=True)
    ends = np.append(starts[1:], rows_sorted.size)

    out_n: list[np.ndarray] = []
    out_o: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    out_r: list[np.ndarray] = []
    examined = 0
    for c, s, e in zip(ucats, starts, ends, strict=True):
        pool = by_cat.get(int(c))
        if pool is None or pool.size == 0:
            continue
        tree = cKDTree(ox[pool], balanced_tree=False, compact_nodes=False)
        # nothing beyond the largest radius in the pool can be feasible
        reach = min(max_km, float(offers.radius_km[pool].max()))
        bound = km_to_chord(reach) * (1 + 1e-9) + 1e-9
        pending = rows_sorted[s:e]
        # a few spare neighbours: most nearest offers are feasible, and rows
        # that come up short ask again with twice as many
        kq = int(min(pool.size, k + 4))
        # compare chords, not great-circle km: monotone, and no arcsin on
        # every neighbour returned
        pool_chord = (2 * EARTH_RADIUS_KM) * np.sin(
            np.minimum(offers.radius_km[pool].astype(np.float64), max_km) / (2 * EARTH_RADIUS_KM)
        )
        while pending.size:
            pts = nx[pending] if nx is not None else xyz_km(needs.lat[pending], needs.lon[pending])
            d, ix = tree.query(pts, k=kq, distance_upper_bound=bound, workers=workers)
            if kq == 1:
                d, ix = d[:, None], ix[:, None]
            valid = ix < pool.size
            examined += int(valid.sum())
            ixc = np.where(valid, ix, 0)
            off = pool[ixc]
            feas = valid & (d <= pool_chord[ixc] * (1 + 1e-12))
            feas &= slots_compatible(needs.slots[pending][:, None], offers.slots[off])
            if excluded is not None and excluded.size:
                feas &= ~_is_excluded(exclusion_keys(pending[:, None], off, m_total), excluded)
            cnt = np.cumsum(feas, axis=1, dtype=np.int32)
            keep = feas & (cnt <= k)
            # A row is finished unless it found < k feasible offers while every
            # returned neighbour was real (more may lie within max distance).
            again = valid[:, -1] & (cnt[:, -1] < k) & (kq < pool.size)
            done = ~again
            kd = keep & done[:, None]
            r, col = np.nonzero(kd)
            out_n.append(pending[r].astype(np.int32))
            out_o.append(off[r, col].astype(np.int32))
            out_d.append(chord_to_km(d[r, col]).astype(np.float32))
            out_r.append((cnt[r, col] - 1).astype(np.int16))
            pending = pending[again]
            kq = int(min(pool.size, kq * 2))
    if needs.previous_offer is not None:
        extra = _continuity_arcs(needs, offers, policy, need_rows, offer_mask, excluded, out_n, out_o)
        if extra is not None:
            out_n.append(extra[0])
            out_o.append(extra[1])
            out_d.append(extra[2])
            out_r.append(np.zeros(extra[0].size, dtype=np.int16))
            examined += int(extra[0].size)
    if not out_n:
        empty = Candidates.empty()
        empty.examined = examined
        return empty
    return Candidates(
        np.concatenate(out_n), np.concatenate(out_o), np.concatenate(out_d), examined, np.concatenate(out_r)
    )


def _continuity_arcs(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    offer_mask: np.ndarray,
    excluded: np.ndarray | None,
    out_n: list[np.ndarray],
    out_o: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The need's previous offer is always a candidate when feasible, even if
    it is not among the k nearest, so the continuity term can count."""
    assert needs.previous_offer is not None
    rows = need_rows[needs.previous_offer[need_rows] >= 0]
    if rows.size == 0:
        return None
    prev = needs.previous_offer[rows]
    m = len(offers)
    if out_n:
        have = np.unique(exclusion_keys(np.concatenate(out_n), np.concatenate(out_o), m))
        rows = rows[~_is_excluded(exclusion_keys(rows, prev, m), have)]
        prev = needs.previous_offer[rows]
    serves = np.unique(exclusion_keys(offers.serve_offer, offers.serve_category, 1 << 20))
    ok = offer_mask[prev] & _is_excluded(exclusion_keys(prev, needs.category[rows], 1 << 20), serves)
    d = haversine_km(needs.lat[rows], needs.lon[rows], offers.lat[prev], offers.lon[prev])
    ok &= (d <= offers.radius_km[prev]) & (d <= policy.max_distance_km)
    ok &= slots_compatible(needs.slots[rows], offers.slots[prev])
    if excluded is not None and excluded.size:
        ok &= ~_is_excluded(exclusion_keys(rows, prev, m), excluded)
    if not ok.any():
        return None
    return rows[ok].astype(np.int32), prev[ok].astype(np.int32), d[ok].astype(np.float32)


def all_feasible_pairs(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    *,
    excluded: np.ndarray | None = None,
) -> Candidates:
    """Every feasible pair (a radius query, not k-nearest).

    This is the *unpruned* reference used to measure what keeping only the k
    nearest costs; it is far too large for production batches.
    """
    excluded = merge_exclusions(needs, offers, excluded)
    max_km = float(policy.max_distance_km)
    bound = km_to_chord(min(max_km, float(offers.radius_km.max(initial=0.0))))
    nx = xyz_km(needs.lat, needs.lon)
    ox = xyz_km(offers.lat, offers.lon)
    by_cat = _offers_by_category(offers, offers.capacity > 0)
    out_n, out_o, out_d = [], [], []
    examined = 0
    for c, pool in by_cat.items():
        rows = np.flatnonzero(needs.category == c)
        if rows.size == 0:
            continue
        t_n = cKDTree(nx[rows])
        t_o = cKDTree(ox[pool])
        sdm = t_n.sparse_distance_matrix(t_o, bound, output_type="ndarray")
        examined += int(sdm.shape[0])
        ni = rows[sdm["i"]]
        oi = pool[sdm["j"]]
        gc = chord_to_km(sdm["v"])
        feas = (gc <= offers.radius_km[oi]) & (gc <= max_km)
        feas &= slots_compatible(needs.slots[ni], offers.slots[oi])
        if excluded is not None and excluded.size:
            feas &= ~_is_excluded(exclusion_keys(ni, oi, len(offers)), excluded)
        out_n.append(ni[feas].astype(np.int32))
        out_o.append(oi[feas].astype(np.int32))
        out_d.append(gc[feas].astype(np.float32))
    if not out_n:
        return Candidates.empty()
    return Candidates(np.concatenate(out_n), np.concatenate(out_o), np.concatenate(out_d), examined)
