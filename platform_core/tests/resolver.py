"""Every URL the project serves, read from the URL resolver, so a test that
walks a door (the console, the console API) covers a page added later
without anyone having to list it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(?P<conv>[^:>]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "/api/v1/console/concerns/<int:pk>/"
    name: str  # namespaced, e.g. "marketplace_api:console_concern_detail"
    pattern: URLPattern

    @property
    def arguments(self) -> list[str]:
        return [m.group("name") for m in _CONVERTER.finditer(self.template)]

    def url(self, **values) -> str:
        """The route with its arguments filled in (missing ones: 1 for numbers, "x" for text)."""

        def value(match: re.Match) -> str:
            name, conv = match.group("name"), match.group("conv") or "str"
            return str(values.get(name, 1 if conv == "int" else "x"))

        return _CONVERTER.sub(value, self.template)


def routes(resolver: URLResolver | None = None, prefix: str = "/", namespace: str = "") -> list[Route]:
    """Every route-style (not regex) URL pattern under `resolver`, with its full template."""
    found: list[Route] = []
    for entry in (resolver or get_resolver()).url_patterns:
        piece = str(entry.pattern)
        if piece.startswith("^"):  # regex patterns (the admin's) are walked through the admin registry instead
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            found += routes(entry, prefix + piece, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            found.append(Route(template=prefix + piece, name=name, pattern=entry))
    return found


def routes_under(*prefixes: str) -> list[Route]:
    return [r for r in routes() if r.template.startswith(prefixes)]
