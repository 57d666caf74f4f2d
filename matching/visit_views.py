"""Pages of ongoing help: an arrangement's visits, recording and disputing one,
pausing and ending, a provider's visits and the CSV exports.

Parse the form, call one selector and one service, render. A visit or an
arrangement of someone else's match is 404, whoever asks.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matching import selectors
from matching.models import Arrangement, Visit
from matching.permissions import is_provider_side, is_resident_side
from matching.selectors import visits as visit_selectors
from matching.services import visits as visit_services
from matching.visit_forms import DisputeForm, EndForm, PauseForm, RecordForm
from platform_core.availability import slots_describe
from platform_core.disclosure import purpose_set
from platform_core.exports import csv_response
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.pagination import window_of


def _arrangement_or_404(request: HttpRequest, pk: int) -> Arrangement:
    arrangement = found_or_404(
        visit_selectors.arrangement_get_for_user(user=request.user, match_pk=pk), "No such visits."
    )
    purpose = selectors.assisting_purpose(user=request.user, match=arrangement.match)
    if purpose is not None:
        purpose_set(request, purpose)
    return arrangement


def _visit_or_404(request: HttpRequest, pk: int) -> Visit:
    return found_or_404(visit_selectors.visit_get_for_user(user=request.user, pk=pk), "No such visit.")


def _pattern(arrangement: Arrangement) -> str:
    times = slots_describe(arrangement.slots)
    if arrangement.every_weeks == 1:
        return _("Every week: %(times)s") % {"times": times}
    return _("Every %(n)s weeks: %(times)s") % {"n": arrangement.every_weeks, "times": times}


@login_required
def arrangement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = _arrangement_or_404(request, pk)
    match = arrangement.match
    # A history list: paged without counting it (platform_core.pagination).
    page = window_of(visit_selectors.visit_list_for_match(match=match, user=request.user), request)
    return render(
        request,
        "matching/visits.html",
        {
            "arrangement": arrangement,
            "match": match,
            "need": match.need,
            "page": page,
            "pattern": _pattern(arrangement),
            "is_provider": is_provider_side(match=match, user=request.user),
            "is_resident": is_resident_side(match=match, user=request.user),
            "now": timezone.now(),
            "running": arrangement.ended_on is None and match.status == match.Status.CONFIRMED,
        },
    )


def _form_page(request: HttpRequest, template: str, context: dict, form) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {**context, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    if not is_provider_side(match=visit.match, user=request.user):
        raise PermissionDenied(_("Only the provider records a visit."))
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit_services.visit_record(
                visit=visit,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                minutes=form.cleaned_data["minutes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("matching:visits", pk=visit.match_id)
    return _form_page(request, "matching/visit_record.html", {"visit": visit, "match": visit.match}, form)


@login_required
@require_http_methods(["GET", "POST"])
def visit_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    if not is_resident_side(match=visit.match, user=request.user):
        raise PermissionDenied(_("Only the resident can say a visit did not happen."))
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit_services.visit_dispute(visit=visit, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you. We have told the provider, and the council can see it."))
            return redirect("matching:visits", pk=visit.match_id)
    return _form_page(request, "matching/visit_dispute.html", {"visit": visit, "match": visit.match}, form)


def _arrangement_change(
    request: HttpRequest, pk: int, *, form_class, service, template: str, done: str
) -> HttpResponse:
    """Pause or end: the form's dates and reason go to the service; the page again, with a 400, if refused."""
    arrangement = _arrangement_or_404(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(arrangement=arrangement, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("matching:visits", pk=pk)
    return _form_page(request, template, {"arrangement": arrangement, "match": arrangement.match}, form)


@login_required
@require_http_methods(["GET", "POST"])
def arrangement_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _arrangement_change(
        request,
        pk,
        form_class=PauseForm,
        service=visit_services.arrangement_pause,
        template="matching/visits_pause.html",
        done=_("The visits are paused. We have told the other side."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def arrangement_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _arrangement_change(
        request,
        pk,
        form_class=EndForm,
        service=visit_services.arrangement_end,
        template="matching/visits_end.html",
        done=_("The visits will end. We have told the other side."),
    )


@login_required
def provider_visits(request: HttpRequest) -> HttpResponse:
    """Every visit on the user's providers' offers, with the exports."""
    visits = visit_selectors.visit_list_for_provider_user(user=request.user).order_by("-starts_at", "-id")
    page = window_of(visits, request)  # the latest first; history is paged without a count
    return render(
        request,
        "matching/provider_visits.html",
        {"page": page, "is_member": bool(selectors.provider_ids_for_user(user=request.user)), "now": timezone.now()},
    )


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


@login_required
def provider_visits_export(request: HttpRequest) -> HttpResponse:
    """The provider's visits as CSV (no resident's name, address or contact details)."""
    visits = visit_selectors.visit_list_for_provider_user(user=request.user)
    headers = [
        "Visit",
        "Request",
        "Category",
        "District",
        "Provider",
        "Starts",
        "Ends",
        "Status",
        "Minutes spent",
        "Reason",
        "Resident says it did not happen",
    ]
    rows = (
        [
            v.pk,
            v.match.need.reference,
            v.match.need.category.name if v.match.need.category_id else "",
            v.match.need.district,
            v.match.offer.provider.name,
            _local(v.starts_at),
            _local(v.ends_at),
            v.get_status_display(),
            v.minutes_spent if v.minutes_spent is not None else "",
            v.reason,
            "yes" if v.is_disputed else "no",
        ]
        for v in visits.iterator(chunk_size=500)
    )
    return csv_response(f"visits-{timezone.localdate():%Y-%m-%d}", headers, rows)


@login_required
def volunteer_hours_export(request: HttpRequest) -> HttpResponse:
    """A volunteer's hours: every visit done, with the time recorded."""
    visits = visit_selectors.volunteer_hours_for_user(user=request.user)
    headers = [
        "Date",
        "Starts",
        "Category",
        "Request",
        "Provider",
        "Minutes",
        "Hours",
        "Resident says it did not happen",
    ]
    rows = (
        [
            f"{timezone.localtime(v.starts_at):%Y-%m-%d}",
            f"{timezone.localtime(v.starts_at):%H:%M}",
            v.match.need.category.name if v.match.need.category_id else "",
            v.match.need.reference,
            v.match.offer.provider.name,
            v.minutes_spent if v.minutes_spent is not None else "",
            f"{v.minutes_spent / 60:.2f}" if v.minutes_spent is not None else "",
            "yes" if v.is_disputed else "no",
        ]
        for v in visits.iterator(chunk_size=500)
    )
    return csv_response(f"volunteer-hours-{timezone.localdate():%Y-%m-%d}", headers, rows)
