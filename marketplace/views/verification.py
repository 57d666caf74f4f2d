"""The verification queue: evidence to check, and the officer's decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required
from providers import services as provider_services

from ..forms import (
    ReasonForm,
)
from ..selectors import verification as selectors
from ..services import verification


@officer_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    waiting = selectors.evidence_list_waiting(officer=request.user)
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    expiring = list(selectors.evidence_list_expiring(officer=request.user)[:100])
    return render(request, "marketplace/verification_queue.html", {"page": page, "expiring": expiring})


@officer_required
@require_http_methods(["GET", "POST"])
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = found_or_404(selectors.evidence_get(officer=request.user, pk=pk))
    # The page names the member who sent the evidence: the case is the reason (ADR 0015).
    purpose_set(request, f"Reviewing evidence {evidence.pk} from provider {evidence.provider_id}")
    form = ReasonForm(label="Reason for rejecting", help_text="The provider will see this.")
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                provider_services.evidence_accept(evidence=evidence, officer=request.user, request=request)
                messages.success(request, f"Accepted the {evidence.get_kind_display()} of {evidence.provider}.")
                return redirect("marketplace:verification_queue")
            form = ReasonForm(request.POST, label="Reason for rejecting", help_text="The provider will see this.")
            if form.is_valid():
                provider_services.evidence_reject(
                    evidence=evidence, officer=request.user, reason=form.cleaned_data["reason"], request=request
                )
                messages.success(request, f"Rejected the {evidence.get_kind_display()} of {evidence.provider}.")
                return redirect("marketplace:verification_queue")
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/evidence_detail.html",
        {"evidence": evidence, "checks": verification.evidence_checks(evidence=evidence), "form": form},
        status=400 if form.errors else 200,
    )
