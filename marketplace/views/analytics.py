"""The market analytics dashboard and its CSV exports."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.exports import csv_response
from platform_core.permissions import officer_required

from ..forms import (
    AnalyticsFilterForm,
)
from ..presentation import dashboard_live
from ..selectors import analytics as selectors
from ..selectors import regulation as regulation_selectors
from ..selectors.analytics import Filters


@officer_required
def analytics_dashboard(request: HttpRequest) -> HttpResponse:
    council = request.user.council
    categories = list(regulation_selectors.category_list(officer=request.user))
    districts = selectors.district_list(officer=request.user)
    form = AnalyticsFilterForm(request.GET or None, categories=categories, districts=districts)
    filters = Filters.default()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters.date_from = data["date_from"] or filters.date_from
        filters.date_to = data["date_to"] or filters.date_to
        filters.category_id = data["category"]
        filters.district = data["district"] or ""
    # An invalid filter keeps the defaults; the template shows the form's errors.
    if filters.date_to - filters.date_from > timedelta(days=3 * 366):
        filters.date_from = filters.date_to - timedelta(days=3 * 366)
    board = dashboard_live(council=council, filters=filters)
    export = request.GET.get("export")
    if export:
        table = board.table(export)
        if table is not None:
            return csv_response(f"{table.key}-{filters.date_from}-{filters.date_to}", table.headers, table.rows)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "marketplace/analytics.html",
        {"board": board, "form": form, "query": query.urlencode(), "tiles": board.tiles},
        status=400 if form.errors else 200,  # a filter out of range: say so, with a 400
    )
