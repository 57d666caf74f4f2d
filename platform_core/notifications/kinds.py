"""The one registry of notification kinds: everything Convene can send a person.

A kind says who it is for (its audience, which picks the contact preference
that applies), the words (a gettext-marked text with named placeholders), and
how to fill them from the objects the sender passes. Senders never write free
text: `notify(kind=MATCH_ACCEPTED, user=..., match=match)`. So the words are in
one place per kind, translatable, and a test can render every kind there is
(platform_core/tests/test_notification_privacy.py) and check that none carries
an address or a contact detail.

Each app registers its kinds in its own `notifications.py`, imported by its
AppConfig.ready(); `kind_list()` is complete once Django has set up.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise


class Audience(models.TextChoices):
    """Whose preference applies: a person may be a resident and a provider member at once."""

    RESIDENT = "resident", "Resident"
    PROVIDER = "provider", "Provider member"
    OFFICER = "officer", "Council officer"
    # Someone who referred residents (residents.Referrer): their account's choice applies.
    REFERRER = "referrer", "Referrer"


@dataclass(frozen=True)
class Kind:
    """One kind of notification.

    `text` is a lazily translated string with %(name)s placeholders; `context`
    is a function taking the sender's objects as keyword-only arguments and
    returning the placeholders' values. Keep those values to what the recipient
    may see before a match is confirmed: names of providers and categories,
    need references, districts, dates. Never an address, a postcode, a phone
    number, an e-mail address or anything a person typed about themselves.
    """

    code: str
    audience: str
    text: Promise | str
    context: Callable[..., dict[str, Any]] = field(default=lambda: {})
    description: str = ""
    # A one-time secret (a code to claim an account): once its deliveries have
    # left, the stored message is replaced by `text_sent`, so no table keeps it.
    secret: bool = False
    text_sent: Promise | str = ""

    @property
    def params(self) -> tuple[str, ...]:
        """The objects a sender must pass (the context function's keyword-only arguments)."""
        signature = inspect.signature(self.context)
        return tuple(
            name for name, p in signature.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        )

    def render(self, **objects: Any) -> str:
        """The message in the active language (call inside translation.override)."""
        return str(self.text) % self.context(**objects)


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the registry (at import of an app's notifications module)."""
    existing = _registry.get(kind.code)
    if existing is not None and existing is not kind:
        raise ValueError(f"Notification kind {kind.code!r} is registered twice.")
    _registry[kind.code] = kind
    return kind


def kind_get(code: str) -> Kind | None:
    return _registry.get(code)


def kind_list() -> list[Kind]:
    return sorted(_registry.values(), key=lambda k: k.code)
