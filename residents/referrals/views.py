"""Pages for referrers, and for officers acting for a caller (assisted digital).

A referrer's needs for the people they refer are posted on the residents' own
question pages (`residents:need_new_for`, then the need's usual pages); these
pages are the rest: asking to be a referrer, the list of people referred and
their requests' progress, a new referred resident with their consent, the
one-time code to claim the account, and the person's data. Anyone else's
resident is not found (404), whoever asks (ADR 0021).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.permissions import session_passed_two_factor
from platform_core.privacy import personal_data_export
from platform_core.throttles import client_ident, hit

from ..models import ClaimCode, Referral, Resident, is_placeholder_email
from ..selectors import need_list_for_resident, resident_get_managed_by
from . import forms, selectors, services


def _officer_two_factor(request: HttpRequest) -> None:
    if request.user.is_officer and not session_passed_two_factor(request):
        raise PermissionDenied("Sign in with two-factor authentication first.")


def acting_page(view: Callable) -> Callable:
    """Signed in; an officer only after two-factor (these pages show residents' details)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _officer_two_factor(request)
        return view(request, *args, **kwargs)

    return wrapper


def _resident_or_404(request: HttpRequest, pk: int) -> Resident:
    resident = resident_get_managed_by(user=request.user, pk=pk)
    if resident is None:
        raise Http404("No such resident.")
    if request.user.is_officer:
        access = services.assisted_access_for(officer=request.user, resident=resident)
        purpose_set(request, f"Assisted digital for resident {resident.pk}: {access.reason if access else ''}")
    else:
        purpose_set(request, f"Referrer acting for resident {resident.pk}")
    return resident


@acting_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """The people you referred (or, for an officer, the callers you are helping) and their requests."""
    residents = selectors.referred_resident_list_for(user=request.user)
    page = Paginator(residents, 20).get_page(request.GET.get("page"))
    if request.user.is_officer:
        purpose_set(request, "Assisted digital: the residents this officer is acting for")
    return render(
        request,
        "referrals/dashboard.html",
        {
            "page": page,
            "referrer_roles": list(selectors.referrer_list_for(user=request.user)),
            "approved": request.user.is_officer or selectors.is_approved_referrer(user=request.user),
        },
    )


@acting_page
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    if request.user.is_officer or request.user.is_staff:
        raise PermissionDenied(services.OFFICERS_USE_THE_PHONE_LINE)
    form = forms.ReferrerApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referrer_apply(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent. The council will tell you its decision."))
            return redirect("referrals:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "referrals/apply.html", {"form": form}, status=status)


@acting_page
@never_cache
@require_http_methods(["GET", "POST"])
def resident_new(request: HttpRequest) -> HttpResponse:
    officer = request.user.is_officer
    if not officer and not selectors.is_approved_referrer(user=request.user):
        raise PermissionDenied(_("Only an approved referrer can refer residents."))
    form = forms.ReferredResidentForm(request.POST if request.method == "POST" else None, officer=officer)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.referred_resident_create(by=request.user, request=request, **form.service_arguments())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The resident was saved with their consent. You can now ask for help for them.")
            )
            return redirect("referrals:resident_detail", pk=resident.pk)
    status = 400 if form.is_bound and form.errors else 200
    if request.user.is_officer:
        purpose_set(request, "Assisted digital: creating a resident for a caller")
    return render(request, "referrals/resident_new.html", {"form": form, "officer": officer}, status=status)


@acting_page
@never_cache
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    referral = Referral.objects.filter(resident=resident).select_related("referrer").first()
    return render(
        request,
        "referrals/resident_detail.html",
        {
            "resident": resident,
            "referral": referral,
            "unclaimed": referral is not None and is_placeholder_email(resident.user.email),
            "needs": need_list_for_resident(user=request.user, resident=resident),
            "consents": selectors.consent_list_for(resident=resident),
        },
    )


@acting_page
@never_cache
@require_http_methods(["GET", "POST"])
def claim_code(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    form = forms.ClaimCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_code_issue(by=request.user, resident=resident, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("We sent the code. It works once, for 3 days."))
            return redirect("referrals:resident_detail", pk=resident.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "referrals/claim_code.html", {"form": form, "resident": resident}, status=status)


@acting_page
@never_cache
def resident_data(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the resident, as the JSON they would download themself."""
    resident = _resident_or_404(request, pk)
    data = personal_data_export(user=resident.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="convene-resident-{resident.pk}.json"'
    return response


@acting_page
@never_cache
@require_http_methods(["GET", "POST"])
def resident_erase(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    form = forms.EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referred_resident_erase(by=request.user, resident=resident, request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Their details were erased and their requests cancelled."))
            return redirect("referrals:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "referrals/resident_erase.html", {"form": form, "resident": resident}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """A referred resident takes over their account with the code they were sent.
    Open to anyone; every attempt counts against the caller's address."""
    form = forms.ClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait = hit(scope="sign-in", ident=f"claim:{client_ident(request)}")
        if wait is not None:
            form.is_valid()
            form.add_error(None, _("Too many tries. Wait a few minutes and try again."))
            return render(request, "referrals/claim.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                services.claim_code_redeem(request=request, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return render(request, "referrals/claimed.html", {"email": form.cleaned_data["email"]})
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "referrals/claim.html", {"form": form, "channels": ClaimCode.Channel}, status=status)
