"""Pages of lists that grow with a person's or a council's history (issue 11).

One home for paging, so every list (matches, offers, needs, evidence, members,
notifications, console queues, and the lists other pages add) pages the same way:

- `page_of(queryset, request)` — Django's `Paginator`, exact "Page 2 of 7".
  For lists bounded by what is *current* (a queue, a person's open requests),
  where the `COUNT(*)` is small and indexed.
- `window_of(queryset, request)` — a page read without counting the whole list:
  it fetches `per_page + 1` rows, and the extra row only says "there is a next
  page". For history (a provider's 20,000 past matches), where a count would
  cost more than the page. Templates show "Page 3" without "of N".
- `keyset_page(queryset, order=..., after=...)` — keyset (cursor) paging for the
  feed and the API's long lists, where OFFSET grows with the page number: the
  next page starts after the last row's sort key, so page 500 costs what page 1
  does when an index matches the order.

All three give templates the same face (`object_list`, `number`, `has_next`,
`has_previous`, `next_page_number`, `previous_page_number`), so one include
(`templates/includes/pagination.html`) draws every pager.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

PER_PAGE = 25
# A page number past this is a crawler or a typo: the person gets the last one we serve.
MAX_PAGE = 10_000


def page_number(request: HttpRequest, param: str = "page") -> int:
    """The page asked for: a whole number from 1; anything else is page 1 (a page list never 400s)."""
    raw = request.GET.get(param, "")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_of(
    queryset: QuerySet | Sequence, request: HttpRequest, *, per_page: int = PER_PAGE, param: str = "page"
) -> Page:
    """One page with an exact count (two queries: the count and the rows)."""
    return Paginator(queryset, per_page).get_page(page_number(request, param))


@dataclass
class Window:
    """One page of a list whose length was not counted."""

    object_list: list
    number: int
    per_page: int
    more: bool
    param: str = "page"
    # Templates test `page.paginator` to decide whether to say "of N".
    paginator: None = None

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return bool(self.object_list)


def ids_first(queryset: QuerySet, start: int, stop: int) -> list:
    """The rows `start:stop` of `queryset`, chosen on its own table before any join.

    `select_related` joins every candidate row before PostgreSQL can sort and cut
    the page (it cannot know the joins keep the row count): for a provider with
    20,000 past matches that is 20,000 joined rows for a page of 25. Here the
    page's ids are read first from the list's own table and indexes, then only
    those rows are read with their joins: two small queries instead of one large
    one. (As one statement, `pk IN (SELECT ... LIMIT n)`, PostgreSQL 15 still
    joined every row first: measured, docs/performance.md.)
    """
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    rows = queryset.model._default_manager.filter(pk__in=ids)
    rows.query.select_related = queryset.query.select_related
    by_id = {row.pk: row for row in rows.prefetch_related(*queryset._prefetch_related_lookups)}
    return [by_id[pk] for pk in ids if pk in by_id]


def window(queryset: QuerySet, *, number: int = 1, per_page: int = PER_PAGE, by_ids: bool = True) -> Window:
    """Rows of page `number` without a count: the page's ids then its rows
    (`ids_first`), or with `by_ids=False` the rows in one query, for a list whose
    joins are few and small (a resident's needs with their category)."""
    start = (number - 1) * per_page
    stop = start + per_page + 1
    rows = ids_first(queryset, start, stop) if by_ids else list(queryset[start:stop])
    if not rows and number > 1:
        # Past the end (an old link): the first page rather than an empty one.
        return window(queryset, number=1, per_page=per_page, by_ids=by_ids)
    return Window(object_list=rows[:per_page], number=number, per_page=per_page, more=len(rows) > per_page)


def window_of(
    queryset: QuerySet, request: HttpRequest, *, per_page: int = PER_PAGE, param: str = "page", by_ids: bool = True
) -> Window:
    page = window(queryset, number=page_number(request, param), per_page=per_page, by_ids=by_ids)
    page.param = param
    return page


# --- Keyset (cursor) paging --------------------------------------------------------------------------


class BadCursor(ValidationError):
    """A cursor this service did not write (hostile input: a 400 with a clear message)."""


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str | None
    order: tuple[str, ...] = field(default=())

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _field_name(term: str) -> str:
    return term.lstrip("-")


def encode_cursor(row: Any, order: Sequence[str]) -> str:
    values = []
    for term in order:
        value = getattr(row, _field_name(term))
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, queryset: QuerySet, order: Sequence[str]) -> list[Any]:
    """The sort key a cursor carries, each value checked against its model field."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("The cursor is not one this service gave out: start again from the first page") from None
    if not isinstance(values, list) or len(values) != len(order):
        raise BadCursor("The cursor is not one this service gave out: start again from the first page")
    model = queryset.model
    parsed = []
    for term, value in zip(order, values, strict=True):
        model_field = model._meta.get_field(_field_name(term))
        try:
            parsed.append(model_field.to_python(value))
        except ValidationError:
            raise BadCursor("The cursor is not one this service gave out: start again from the first page") from None
        if parsed[-1] is None:
            raise BadCursor("The cursor is not one this service gave out: start again from the first page")
    return parsed


def _after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ...

    Written out term by term (not a row comparison) so mixed directions work. The
    first term's bound is repeated on its own (`a >= x`, implied by the rest) so
    PostgreSQL starts its index scan at the cursor instead of filtering every row
    before it: page 500 then costs what page 1 does.
    """
    condition = Q()
    equal = Q()
    for term, value in zip(order, values, strict=True):
        name = _field_name(term)
        step = Q(**{f"{name}__lt" if term.startswith("-") else f"{name}__gt": value})
        condition |= equal & step
        equal &= Q(**{name: value})
    first = order[0]
    bound = Q(**{f"{_field_name(first)}__lte" if first.startswith("-") else f"{_field_name(first)}__gte": values[0]})
    return bound & condition


def keyset_page(
    queryset: QuerySet, *, order: Sequence[str], after: str | None = None, size: int = PER_PAGE
) -> KeysetPage:
    """Up to `size` rows after the cursor `after`, in `order` (whose last term must be unique, e.g. "id").

    `size + 1` ids first (the extra one only says a next page exists), then those
    rows with their joins (`ids_first`): page 500 costs what page 1 does.
    """
    order = tuple(order)
    qs = queryset.order_by(*order)
    if after:
        qs = qs.filter(_after(order, decode_cursor(after, queryset, order)))
    rows = ids_first(qs, 0, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        object_list=rows, next_cursor=encode_cursor(rows[-1], order) if more and rows else None, order=order
    )
