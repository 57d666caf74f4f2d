"""The market position statement: dated, printable HTML and one CSV."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from platform_core.permissions import officer_required

from ..forms import PeriodForm
from ..presentation import csv_response
from ..presentation_statement import statement
from ..selectors.analytics import Filters
from ..selectors.statement import statement_figures


@officer_required
def market_statement(request: HttpRequest) -> HttpResponse:
    council = request.user.council
    form = PeriodForm(request.GET or None)
    today = timezone.localdate()
    filters = Filters(date_from=today - timedelta(days=364), date_to=today)  # a year by default
    if form.is_bound and form.is_valid():
        filters.date_from = form.cleaned_data["date_from"] or filters.date_from
        filters.date_to = form.cleaned_data["date_to"] or filters.date_to
    if filters.date_to - filters.date_from > timedelta(days=3 * 366):
        filters.date_from = filters.date_to - timedelta(days=3 * 366)
    document = statement(council_name=council.name, figures=statement_figures(council=council, filters=filters))
    if request.GET.get("export") == "csv":
        return csv_response(
            f"market-position-statement-{council.slug}-{filters.date_from}-{filters.date_to}",
            ["Section", "Row", "Column", "Value"],
            document.csv_rows(),
        )
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "marketplace/statement.html",
        {"statement": document, "form": form, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
