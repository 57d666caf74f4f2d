"""What pages and API views do with a selector's answer, and where they may send a person back to.

Selectors return the object or None, whether the row does not exist or the
user may not see it; the view turns None into a 404, so nobody learns that a
row they may not see exists (docs/decisions/0006-officer-console.md). DRF turns
Http404 into its own 404 response, so the API uses the same helper.
"""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

T = TypeVar("T")


def found_or_404(obj: T | None, message: str = "Not found.") -> T:
    if obj is None:
        raise Http404(message)
    return obj


def local_next(request: HttpRequest, value: str, default: str) -> str:
    """`value` (a "next" field or parameter) if it is a path on this site, else `default`.

    Anything else is refused quietly: another site's address (an open redirect),
    or text that is no address at all ("-1", "twelve"), which `redirect()` would
    try to reverse as a view name and answer with a 500.
    """
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default
