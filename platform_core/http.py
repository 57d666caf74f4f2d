"""What pages and API views do with a selector's answer.

Selectors return the object or None, whether the row does not exist or the
user may not see it; the view turns None into a 404, so nobody learns that a
row they may not see exists (docs/decisions/0006-officer-console.md). DRF turns
Http404 into its own 404 response, so the API uses the same helper.
"""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def found_or_404(obj: T | None, message: str = "Not found.") -> T:
    if obj is None:
        raise Http404(message)
    return obj
