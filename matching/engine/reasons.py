"""Why a batch left a need unmatched: the first reason that blocks it (issue 9).

Pure numpy/SciPy, no Django. Computed after a solve, for the unmatched needs
only, over the same instance, in this order (the first that applies wins):

1. ``NO_OFFER``       no offer lists this kind of help;
2. ``NOT_CLEARED``    offers list it, but none is cleared for its safeguarding tier;
3. ``TOO_FAR``        none of the cleared ones reaches the need (its radius and the
                      council's furthest distance);
4. ``NO_SHARED_TIME`` some reach it, but none shares a time of the week;
5. ``ALL_BUSY``       some could, but every one is full (capacity left, less what
                      this batch gave other needs);
6. ``EXCLUDED``       the only ones free are excluded for this need (the resident's
                      exclusions, their own provider, a pair proposed before).

When an offer passes every test the need lost it to others in this batch, which
is ``ALL_BUSY`` too. "Cheaply": one KD-tree per category over the cleared
offers and the ``k`` nearest of them within the council's furthest distance, as
the candidate generation does (an offer beyond the ``k`` nearest is not looked
at; with k=32 that misses only needs surrounded by more than 32 closer offers
that all fail, where "too far" or "busy" is still the truthful gist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum

import numpy as np
from scipy.spatial import cKDTree

from .candidates import exclusion_keys, haversine_km, provider_exclusion_keys, slots_compatible, xyz_km
from .types import (
    Key,
    NeedArrays,
    NeedInput,
    OfferArrays,
    OfferInput,
    Policy,
    category_codes,
    needs_to_arrays,
    offers_to_arrays,
    provider_code_map,
    tag_vocabulary,
)


class Reason(IntEnum):
    """Ordered: a smaller value blocks earlier."""

    NO_OFFER = 1
    NOT_CLEARED = 2
    TOO_FAR = 3
    NO_SHARED_TIME = 4
    ALL_BUSY = 5
    EXCLUDED = 6


#: The names stored and shown (the Django side turns them into words).
REASON_NAMES: dict[Reason, str] = {
    Reason.NO_OFFER: "no_offer",
    Reason.NOT_CLEARED: "not_cleared",
    Reason.TOO_FAR: "too_far",
    Reason.NO_SHARED_TIME: "no_shared_time",
    Reason.ALL_BUSY: "all_busy",
    Reason.EXCLUDED: "excluded",
}

DEFAULT_REASON_K = 32


def unmatched_reasons_arrays(
    needs: NeedArrays,
    offers: OfferArrays,
    policy: Policy,
    need_rows: np.ndarray,
    *,
    listed_categories: np.ndarray | None = None,
    used: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
    k: int = DEFAULT_REASON_K,
) -> np.ndarray:
    """The first blocking :class:`Reason` (int8) of each need row in ``need_rows``.

    ``offers.serve_offer``/``serve_category`` are the cleared (offer, category)
    pairs, as the solver saw them; ``listed_categories`` the category codes any
    offer lists before clearance (``None``: the cleared ones). ``offers.capacity``
    is the capacity left before the batch and ``used`` what the batch's
    assignments took per offer row. ``excluded`` holds sorted
    :func:`~matching.engine.candidates.exclusion_keys` of barred pairs; the
    needs' ``excluded_providers`` are added here.
    """
    rows = np.asarray(need_rows, dtype=np.int64)
    out = np.zeros(rows.shape[0], dtype=np.int8)
    if rows.size == 0:
        return out
    n_off = len(offers)
    cats = needs.category[rows]
    served = np.unique(offers.serve_category)
    listed = served if listed_categories is None else np.union1d(np.unique(listed_categories), served)
    out[~np.isin(cats, listed)] = Reason.NO_OFFER
    out[(out == 0) & ~np.isin(cats, served)] = Reason.NOT_CLEARED
    todo = np.flatnonzero(out == 0)
    if todo.size == 0:
        return out

    free = offers.capacity.astype(np.int64) - (0 if used is None else used.astype(np.int64))
    barred = excluded
    by_provider = provider_exclusion_keys(needs, offers)
    if by_provider is not None:
        barred = by_provider if barred is None else np.union1d(barred, by_provider)
    max_km = float(policy.max_distance_km)
    # A chord is shorter than its arc: bounding by the arc length keeps every offer within reach.
    bound = max_km * 1.0001
    order = np.argsort(cats[todo], kind="stable")
    todo = todo[order]
    todo_cats = cats[todo]
    starts = np.flatnonzero(np.r_[True, todo_cats[1:] != todo_cats[:-1]])
    ends = np.r_[starts[1:], todo.size]
    serve_sorted = np.argsort(offers.serve_category, kind="stable")
    serve_cats = offers.serve_category[serve_sorted]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        code = todo_cats[a]
        lo, hi = np.searchsorted(serve_cats, code, "left"), np.searchsorted(serve_cats, code, "right")
        offer_rows = offers.serve_offer[serve_sorted[lo:hi]].astype(np.int64)
        idx = todo[a:b]
        need_rows_here = rows[idx]
        tree = cKDTree(xyz_km(offers.lat[offer_rows], offers.lon[offer_rows]))
        kk = min(k, offer_rows.size)
        _, near = tree.query(
            xyz_km(needs.lat[need_rows_here], needs.lon[need_rows_here]), k=kk, distance_upper_bound=bound
        )
        near = near.reshape(idx.size, kk)
        valid = near < offer_rows.size
        o = offer_rows[np.where(valid, near, 0)]
        d = haversine_km(
            needs.lat[need_rows_here][:, None], needs.lon[need_rows_here][:, None], offers.lat[o], offers.lon[o]
        )
        reach = valid & (d <= offers.radius_km[o]) & (d <= max_km)
        timely = reach & slots_compatible(needs.slots[need_rows_here][:, None], offers.slots[o])
        open_ = timely & (free[o] > 0)
        allowed = open_
        if barred is not None and barred.size:
            keys = exclusion_keys(np.repeat(need_rows_here, kk).reshape(idx.size, kk), o, n_off)
            pos = np.searchsorted(barred, keys)
            hit = (pos < barred.size) & (barred[np.minimum(pos, barred.size - 1)] == keys)
            allowed = open_ & ~hit
        reason = np.full(idx.size, Reason.ALL_BUSY, dtype=np.int8)
        reason[~allowed.any(axis=1)] = Reason.EXCLUDED
        reason[~open_.any(axis=1)] = Reason.ALL_BUSY
        reason[~timely.any(axis=1)] = Reason.NO_SHARED_TIME
        reason[~reach.any(axis=1)] = Reason.TOO_FAR
        out[idx] = reason
    return out


def unmatched_reasons(
    needs: Sequence[NeedInput],
    offers: Sequence[OfferInput],
    policy: Policy,
    *,
    matched_need_ids: Iterable[Key] = (),
    used_by_offer: Mapping[Key, int] | None = None,
    excluded: Iterable[tuple[Key, Key]] = (),
    k: int = DEFAULT_REASON_K,
) -> dict[Key, str]:
    """The dataclass form for a council batch: need id -> reason name, for every need
    not in ``matched_need_ids``.

    ``offers`` are every offer in the market, full and uncleared ones too (their
    ``categories`` as listed; clearance is applied here as the solver does), with
    ``capacity`` left before the batch; ``used_by_offer`` is what the batch gave.
    ``excluded`` holds (need id, offer id) pairs never to propose.
    """
    matched = set(matched_need_ids)
    todo = [i for i, x in enumerate(needs) if x.id not in matched]
    if not todo:
        return {}
    if not offers:
        return {needs[i].id: REASON_NAMES[Reason.NO_OFFER] for i in todo}
    codes = category_codes(needs, offers)
    vocab = tag_vocabulary(needs)
    offer_row = {o.id: j for j, o in enumerate(offers)}
    providers = provider_code_map(o.provider for o in offers)
    na = needs_to_arrays(needs, codes, vocab, offer_row, providers)
    oa = offers_to_arrays(offers, codes, vocab, policy)
    listed = np.array(sorted({codes[c] for o in offers for c in o.categories}), dtype=np.int32)
    used = np.zeros(len(offers), dtype=np.int64)
    for offer_id, n in (used_by_offer or {}).items():
        if offer_id in offer_row:
            used[offer_row[offer_id]] = n
    need_row = {x.id: i for i, x in enumerate(needs)}
    pairs = [(need_row[a], offer_row[b]) for a, b in excluded if a in need_row and b in offer_row]
    keys = None
    if pairs:
        arr = np.asarray(pairs, dtype=np.int64)
        keys = np.unique(exclusion_keys(arr[:, 0], arr[:, 1], len(offers)))
    found = unmatched_reasons_arrays(
        na, oa, policy, np.asarray(todo, dtype=np.int64), listed_categories=listed, used=used, excluded=keys, k=k
    )
    return {needs[i].id: REASON_NAMES[Reason(int(r))] for i, r in zip(todo, found.tolist(), strict=True)}


__all__ = ["DEFAULT_REASON_K", "REASON_NAMES", "Reason", "unmatched_reasons", "unmatched_reasons_arrays"]
