"""Public ids of the feed: stable UUIDs that hide nothing and resolve without a table."""

from __future__ import annotations

import uuid
from functools import lru_cache

# Never change: every published id is derived from it.
NAMESPACE = uuid.UUID("5b0c3a4e-8f57-4d5e-9a53-0c1e2f6b7d21")
_PK_BITS = 48
_PK_MASK = (1 << _PK_BITS) - 1


@lru_cache(maxsize=65536)
def oruk_id(kind: str, pk: int, *extra: object) -> str:
    """A stable UUID for a row: uuid5 of (kind, pk, extra), with the pk in its
    last 48 bits so an id can be turned back into a pk without a lookup table.
    The rest of the UUID is a hash, so a guessed id does not resolve."""
    name = ":".join([kind, str(pk), *map(str, extra)])
    base = uuid.uuid5(NAMESPACE, name).int
    return str(uuid.UUID(int=(base & ~_PK_MASK) | (pk & _PK_MASK)))


def pk_from_id(kind: str, value: str) -> int | None:
    """The pk behind an id made by oruk_id(kind, pk), or None if it is not one."""
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        return None
    pk = parsed.int & _PK_MASK
    if pk == 0 or oruk_id(kind, pk) != str(parsed):
        return None
    return pk
