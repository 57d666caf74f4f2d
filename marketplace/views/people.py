"""Providers and residents of the council: search, a provider's page (suspend,
reinstate), and a resident's details behind a recorded reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matching.selectors import exclusion_list_for_officer
from matching.services.exclusions import exclusion_add_by_officer
from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required
from providers import services as provider_services

from ..forms import (
    ReasonForm,
    ResidentExclusionForm,
    ResidentSearchForm,
)
from ..selectors import people as selectors
from ..services import people


@officer_required
def provider_search(request: HttpRequest) -> HttpResponse:
    q, status = request.GET.get("q", ""), request.GET.get("status", "")
    page = Paginator(selectors.provider_search(officer=request.user, q=q, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "marketplace/provider_search.html", {"page": page, "q": q, "status": status})


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = found_or_404(selectors.provider_get(officer=request.user, pk=pk))
    # The page lists the provider's members: the case is the reason (ADR 0015).
    purpose_set(request, f"Regulating provider {provider.pk} ({provider.name})")
    form = ReasonForm(label="Reason for suspending", help_text="The provider will see this.")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reinstate":
                provider_services.provider_reinstate(provider=provider, officer=request.user, request=request)
                messages.success(request, f"{provider} is back in the market.")
                return redirect("marketplace:provider_detail", pk=provider.pk)
            form = ReasonForm(request.POST, label="Reason for suspending", help_text="The provider will see this.")
            if form.is_valid():
                n = people.provider_pause(
                    provider=provider, officer=request.user, reason=form.cleaned_data["reason"], request=request
                )
                messages.success(request, f"{provider} is suspended; {n} open proposal(s) withdrawn.")
                return redirect("marketplace:provider_detail", pk=provider.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/provider_detail.html",
        {"provider": provider, "form": form, **selectors.provider_detail(officer=request.user, provider=provider)},
        status=400 if form.errors else 200,
    )


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def resident_search(request: HttpRequest) -> HttpResponse:
    """Results (names) are only in the response to a POST that gives a reason;
    each resident listed gets an AuditEvent with it (ADR 0015)."""
    form = ResidentSearchForm(request.POST or None)
    residents = None
    if request.method == "POST" and form.is_valid():
        try:
            reason = people.resident_view_reason(officer=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            purpose_set(request, f"Resident search: {reason}")
            residents = list(selectors.resident_search(officer=request.user, q=form.cleaned_data["q"])[:50])
    return render(
        request,
        "marketplace/resident_search.html",
        {"form": form, "residents": residents},
        status=400 if form.errors else 200,
    )


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Personal data is shown only in the response to a POST giving a reason,
    and every such response writes an AuditEvent before it leaves (ADR 0015)."""
    resident = found_or_404(selectors.resident_get(officer=request.user, pk=pk))
    form = ReasonForm(
        label="Why do you need to see this resident's details?",
        help_text="Your reason is recorded in the audit log with your name.",
    )
    if request.method == "POST":
        form = ReasonForm(request.POST, label=form.fields["reason"].label, help_text=form.fields["reason"].help_text)
        if form.is_valid():
            try:
                reason = people.resident_view_reason(
                    resident=resident, officer=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                purpose_set(request, reason)
                needs = selectors.resident_needs(officer=request.user, resident=resident)
                # Their exclusions are shown in this same audited response (ADR 0015; issue 9).
                excluded = exclusion_list_for_officer(officer=request.user, resident_id=resident.pk)
                return render(
                    request,
                    "marketplace/resident_detail.html",
                    {"resident": resident, "needs": needs, "exclusions": excluded},
                )
    form.fields["reason"].page_heading = True  # one question: its label is the page's h1
    return render(
        request,
        "marketplace/resident_reason.html",
        {"resident": resident, "form": form},
        status=400 if form.errors else 200,
    )


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def resident_exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep a provider away from a resident on their behalf, with a reason (audited).
    The page names the resident by account number only: it shows no personal data."""
    resident = found_or_404(selectors.resident_get(officer=request.user, pk=pk))
    providers = selectors.providers_for_exclusion(officer=request.user)
    form = ResidentExclusionForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            exclusion_add_by_officer(
                officer=request.user,
                resident=resident,
                provider=form.cleaned_data["provider"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['provider'].name} will not be matched with this resident.")
            return redirect("marketplace:resident_search")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "marketplace/resident_exclusion_add.html", {"resident_id": resident.pk, "form": form}, status=status
    )
