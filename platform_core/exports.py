"""CSV downloads, streamed row by row: the one way every app exports a table
(the console's analytics, a provider's visits, a volunteer's hours)."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value):
        return value


def _safe(cell):
    # A cell starting with = + - @ would be run as a formula by a spreadsheet.
    return "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell


def csv_response(filename: str, headers: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A CSV download, streamed row by row."""
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_safe(c) for c in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
