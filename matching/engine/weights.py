"""The default weights of the score terms: one source for the engine and the
council's rules.

Pure data with no import at all, so ``platform_core.models`` (the default of
``MarketRule.weights``) can read it without loading numpy, SciPy or OR-Tools
and without the engine depending on anything of ours (the one import that runs
up the layers, named in ``.importlinter``). A council's stored weights start
as a copy of these; the engine falls back to them for any term a council's
rules leave out. ``platform_core/tests/test_weights.py`` keeps the two equal and
docs/matching.md quoting them.

Points per unit of each term (every term is in [0, 1]; see
:mod:`matching.engine.score`). With a 10 km maximum distance, ``distance``
1.0 makes 1 km worth 0.1 points, so continuity (0.5) is worth 5 km and a
star of rating (0.1) 1 km.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "distance": 1.0,
        "urgency": 1.0,
        "waited": 1.0,
        "rating": 0.5,
        "cost": 0.5,
        "preference": 0.5,
        "continuity": 0.5,
        "spread": 0.25,
    }
)

__all__ = ["DEFAULT_WEIGHTS"]
