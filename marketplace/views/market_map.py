"""Where help is missing: the hexagon map of unmet needs and supply, its table and CSV."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.exports import csv_response
from platform_core.permissions import officer_required

from ..forms import MarketMapForm
from ..presentation_map import HEADERS, SHOW_CHOICES, market_map
from ..selectors import regulation as regulation_selectors
from ..selectors.market_map import Period, map_figures


@officer_required
def market_map_page(request: HttpRequest) -> HttpResponse:
    categories = list(regulation_selectors.category_list(officer=request.user))
    form = MarketMapForm(request.GET or None, categories=categories, show_choices=SHOW_CHOICES)
    period = Period.default()
    category_id, show = None, "unmet"
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        period.date_from = data["date_from"] or period.date_from
        period.date_to = data["date_to"] or period.date_to
        category_id = data["category"]
        show = data["show"] or show
    # An invalid filter keeps the defaults; the template shows the form's errors.
    if period.date_to - period.date_from > timedelta(days=3 * 366):
        period.date_from = period.date_to - timedelta(days=3 * 366)
    hexmap = market_map(map_figures(council=request.user.council, period=period), category_id=category_id, show=show)
    if request.GET.get("export") == "cells":
        return csv_response(f"unmet-needs-by-cell-{period.date_from}-{period.date_to}", HEADERS, hexmap.csv_rows())
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "marketplace/market_map.html",
        {"map": hexmap, "form": form, "headers": HEADERS, "query": query.urlencode(), "period": period},
        status=400 if form.errors else 200,
    )
