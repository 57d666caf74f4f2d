"""How every console selector is scoped: to the acting officer's council, and
to nothing at all for anyone who is not an officer."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from platform_core.models import User

M = TypeVar("M", bound=Model)


def council_id_of(officer: User) -> int | None:
    """The council an officer works for; None for anyone else (who then sees nothing)."""
    if not (officer.is_authenticated and officer.is_officer):
        return None
    return officer.council_id


def in_council(qs: QuerySet[M], officer: User, field: str = "council_id") -> QuerySet[M]:
    council_id = council_id_of(officer)
    return qs.none() if council_id is None else qs.filter(**{field: council_id})
