"""The console's home page and the audit log (officers with two-factor only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.exports import csv_response
from platform_core.permissions import officer_required

from ..forms import (
    AuditFilterForm,
)
from ..selectors import console as selectors


@officer_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/console.html", {"counts": selectors.console_counts(officer=request.user)})


@officer_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_list(officer=request.user, **{k: v for k, v in filters.items() if v})
    if request.GET.get("export") == "csv":
        return csv_response(
            "audit-log",
            ["When", "Actor", "Action", "Object type", "Object id", "Reason", "IP address", "Data"],
            (
                [
                    e.created_at.isoformat(),
                    selectors.audit_actor_label(e),
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.reason,
                    e.ip_address or "",
                    e.data,
                ]
                for e in events.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.actor_label = selectors.audit_actor_label(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "marketplace/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})
