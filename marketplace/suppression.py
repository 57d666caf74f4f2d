"""Small counts are never shown: counts of 1 to 4 are suppressed, and so is
any other figure from which one could be worked out by adding or subtracting
the figures shown beside it (secondary suppression). ADR 0017.

Figures are held as a cube: every axis has its members and an `ALL` member
that is their total (cells and the council; categories and all categories;
expired and still waiting and both). Every "line" of the cube — the members
along one axis with the other coordinates fixed, plus their total — must hide
either none or at least two of its figures; where it hides exactly one, the
smallest other non-zero figure of the line is hidden too, until no line
changes (a worklist in a fixed order: the same figures always hide the same
cells). Every page, table and CSV shows a slice of one suppressed cube, so
looking at the same figures from another page (all categories against one
category, a cell against the council) reveals nothing either.

Pure Python, no Django: the presentation calls it on what the selectors read.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
ALL = "__all__"
HIDDEN = "Not shown"
"""What a hidden figure reads as, on the page and in CSV (whether it was small or hidden with one)."""

Key = tuple[Hashable, ...]


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


@dataclass
class SuppressedCube:
    values: dict[Key, int]
    hidden: set[Key]

    def get(self, *key: Hashable) -> int | None:
        """The figure, or None where it is not shown."""
        if key in self.hidden:
            return None
        return self.values.get(key, 0)

    def shown(self, *key: Hashable) -> int | str:
        value = self.get(*key)
        return HIDDEN if value is None else value


def suppress_cube(axes: Sequence[Sequence[Hashable]], counts: Mapping[Key, int]) -> SuppressedCube:
    """Build the cube over `axes` (members only; `ALL` is added to each) from
    counts keyed by one member per axis, with every total, and hide what must
    be hidden."""
    axes = [list(a) for a in axes]
    full_axes = [[*a, ALL] for a in axes]
    values: dict[Key, int] = {}
    for key, n in counts.items():
        if not n:
            continue
        # Add the count to its own key and to every total it is part of.
        for mask in itertools.product((False, True), repeat=len(axes)):
            k = tuple(ALL if total else part for part, total in zip(key, mask, strict=True))
            values[k] = values.get(k, 0) + n
    hidden = {k for k, v in values.items() if is_small(v)}
    lines: list[list[Key]] = []
    lines_of: dict[Key, list[int]] = {}
    for axis in range(len(axes)):
        others = [full_axes[i] for i in range(len(axes)) if i != axis]
        for fixed in itertools.product(*others):
            line = [(*fixed[:axis], member, *fixed[axis:]) for member in full_axes[axis]]
            line = [k for k in line if values.get(k, 0)]  # zeros are shown and never hidden
            if len(line) > 1:
                for k in line:
                    lines_of.setdefault(k, []).append(len(lines))
                lines.append(line)
    # A worklist of the lines that hold a hidden figure; hiding another adds its lines.
    # Taken in a fixed order (a heap of line numbers), so the same figures always
    # hide the same cells: two loads of a page must not hide different ones.
    hidden_in = [sum(1 for k in line if k in hidden) for line in lines]
    todo = [n for n, count in enumerate(hidden_in) if count == 1]  # already in order
    while todo:
        n = heapq.heappop(todo)
        if hidden_in[n] != 1:
            continue
        chosen = min((k for k in lines[n] if k not in hidden), key=lambda k: (values[k], str(k)))
        hidden.add(chosen)
        for m in lines_of.get(chosen, []):
            hidden_in[m] += 1
            if hidden_in[m] == 1:
                heapq.heappush(todo, m)
    return SuppressedCube(values=values, hidden=hidden)


def shown_value(value: int) -> int | str:
    """A single figure with no totals beside it (primary suppression only)."""
    return HIDDEN if is_small(value) else value
