"""Referrers and the phone line in the console: requests to be a referrer
(approve or refuse, audited), and an officer starting to act for a caller
(assisted digital, with a reason recorded on everything that follows, ADR 0021)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required
from residents.models import Referrer
from residents.referrals import forms as referral_forms
from residents.referrals import selectors as referral_selectors
from residents.referrals import services as referral_services

from ..forms import ReasonForm
from ..selectors import people as people_selectors


@officer_required
def referrer_queue(request: HttpRequest) -> HttpResponse:
    """Requests to refer residents to this council, oldest first; decided ones below."""
    purpose_set(request, "Deciding requests to be a referrer")
    pending = referral_selectors.referrer_list_for_officer(officer=request.user)
    approved = referral_selectors.referrer_list_for_officer(officer=request.user, status=Referrer.Status.APPROVED)
    return render(
        request,
        "marketplace/referrer_queue.html",
        {"pending": list(pending[:100]), "approved": list(approved[:100])},
    )


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def referrer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referrer = found_or_404(referral_selectors.referrer_get_for_officer(officer=request.user, pk=pk))
    purpose_set(request, f"Deciding the request of referrer {referrer.pk} ({referrer.organisation})")
    if request.method == "POST" and referrer.status == Referrer.Status.APPROVED:
        return _withdraw(request, referrer)
    form = referral_forms.DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_services.referrer_decide(
                referrer=referrer,
                officer=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Decision recorded for {referrer.organisation}.")
            return redirect("marketplace:referrer_queue")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "marketplace/referrer_detail.html", {"referrer": referrer, "form": form}, status=status)


def _withdraw(request: HttpRequest, referrer: Referrer) -> HttpResponse:
    """End an approval, with a reason (the referrer is told)."""
    form = ReasonForm(request.POST, label="Why are you withdrawing the approval?")
    if form.is_valid():
        try:
            referral_services.referrer_withdraw(
                referrer=referrer, officer=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Approval withdrawn for {referrer.organisation}.")
            return redirect("marketplace:referrer_queue")
    decision = referral_forms.DecisionForm()
    return render(
        request,
        "marketplace/referrer_detail.html",
        {"referrer": referrer, "form": decision, "withdraw_form": form},
        status=400,
    )


@officer_required
@require_POST
def resident_assist(request: HttpRequest, pk: int) -> HttpResponse:
    """Start acting for a resident who called (assisted digital): the reason is
    recorded now and on every page and change made for them in the next hours."""
    resident = found_or_404(people_selectors.resident_get(officer=request.user, pk=pk))
    form = ReasonForm(request.POST, label="Why are you acting for this resident?")
    if form.is_valid():
        try:
            referral_services.assist_start(
                officer=request.user, resident=resident, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("referrals:resident_detail", pk=resident.pk)
    form.fields["reason"].page_heading = True
    return render(request, "marketplace/resident_assist.html", {"resident": resident, "form": form}, status=400)
