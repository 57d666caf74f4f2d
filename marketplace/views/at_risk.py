"""Needs at risk (issue 9): the worklist, and an officer's proposal by hand."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matching.services.risks import match_propose_by_officer
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required

from ..selectors import at_risk as selectors


class AtRiskFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All kinds of help", label="Kind of help"
    )
    district = forms.CharField(label="Postcode district", max_length=4, required=False, help_text="For example, KT1")

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class ManualProposalForm(forms.Form):
    offer = forms.ModelChoiceField(
        queryset=None,
        label="Which offer should we propose?",
        empty_label="Choose an offer",
        error_messages={"required": "Choose an offer", "invalid_choice": "Choose an offer from the list"},
    )
    reason = forms.CharField(
        label="Why are you proposing it?",
        help_text="Recorded with your name in the audit log. The provider sees an ordinary proposal.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={"required": "Give the reason for this proposal"},
    )

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers
        self.fields["offer"].label_from_instance = lambda o: f"{o.provider.name}: {o.title} ({o.district})"


@officer_required
def needs_at_risk(request: HttpRequest) -> HttpResponse:
    categories = selectors.categories_for_filter(officer=request.user)
    form = AtRiskFilterForm(request.GET or None, categories=categories)
    category_id, district = None, ""
    if form.is_valid():
        category = form.cleaned_data.get("category")
        category_id = category.pk if category else None
        district = (form.cleaned_data.get("district") or "").strip()
    rows = selectors.needs_at_risk(officer=request.user, category_id=category_id, district=district)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in (("category", category_id or ""), ("district", district)) if v)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "now": timezone.now(),
        "unmet": selectors.unmet_by_reason(officer=request.user, now=timezone.now()),
    }
    return render(request, "marketplace/needs_at_risk.html", context)


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def need_propose(request: HttpRequest, pk: int) -> HttpResponse:
    need = found_or_404(selectors.need_for_proposal(officer=request.user, need_id=pk))
    risk = getattr(need, "risk", None)
    form = ManualProposalForm(
        request.POST or None, offers=selectors.offers_for_proposal(officer=request.user, need=need)
    )
    if request.method == "POST" and form.is_valid():
        try:
            match_propose_by_officer(
                officer=request.user, need=need, offer=form.cleaned_data["offer"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{need.reference} was proposed to {form.cleaned_data['offer'].provider.name}.")
            return redirect("marketplace:needs_at_risk")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "marketplace/need_propose.html", {"risk": risk, "need": need, "form": form}, status=status)
