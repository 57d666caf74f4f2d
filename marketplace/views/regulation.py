"""Regulation: categories, price caps and the market rules, each previewed before it is saved."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required
from platform_core.selectors import council_for_request
from platform_core.services import council_languages_update

from ..forms import (
    CategoryForm,
    CouncilLanguagesForm,
    MarketRuleForm,
)
from ..presentation_whatif import comparison
from ..selectors import regulation as selectors
from ..selectors import whatif as whatif_selectors
from ..services import regulation as rules


@officer_required
def regulation(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "marketplace/regulation.html",
        {
            "categories": selectors.category_list(officer=request.user),
            "rule": found_or_404(selectors.market_rule_get(officer=request.user)),
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def languages_edit(request: HttpRequest) -> HttpResponse:
    """Whether the council's service is offered in Welsh as well as English."""
    council = found_or_404(council_for_request(request))
    # An unticked box posts nothing: bind on POST, not on a non-empty POST.
    form = CouncilLanguagesForm(
        request.POST if request.method == "POST" else None, initial={"welsh_enabled": council.welsh_enabled}
    )
    if request.method == "POST" and form.is_valid():
        council_languages_update(
            council=council, officer=request.user, welsh_enabled=form.cleaned_data["welsh_enabled"], request=request
        )
        messages.success(request, "Languages saved.")
        return redirect("marketplace:regulation")
    return render(request, "marketplace/languages_form.html", {"form": form}, status=400 if form.errors else 200)


@officer_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = found_or_404(selectors.category_get(officer=request.user, pk=pk))
    form = CategoryForm(request.POST or None, initial=CategoryForm.initial_for(category))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "confirm" not in request.POST:
            preview = rules.category_change_preview(
                category=category, price_cap_pence=form.price_cap_pence, safeguarding_tier=data["safeguarding_tier"]
            )
            whatif = whatif_selectors.category_change_whatif(
                officer=request.user,
                category=category,
                safeguarding_tier=data["safeguarding_tier"],
                price_cap_pence=form.price_cap_pence,
            )
            preview["whatif"] = comparison(whatif) if whatif else None
        else:
            try:
                _, hidden = rules.category_update(
                    category=category,
                    officer=request.user,
                    name=data["name"],
                    description=data["description"],
                    safeguarding_tier=data["safeguarding_tier"],
                    price_cap_pence=form.price_cap_pence,
                    is_active=data["is_active"],
                    request=request,
                )
                messages.success(request, f"Saved. {hidden} offer(s) hidden for pricing above the cap.")
                return redirect("marketplace:regulation")
            except ValidationError as exc:
                apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/category_form.html",
        {"form": form, "category": category, "preview": preview},
        status=400 if form.errors else 200,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rules.category_create(
                officer=request.user,
                name=data["name"],
                description=data["description"],
                safeguarding_tier=data["safeguarding_tier"],
                price_cap_pence=form.price_cap_pence,
                request=request,
            )
            messages.success(request, "Category added.")
            return redirect("marketplace:regulation")
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/category_form.html",
        {"form": form, "category": None, "preview": None},
        status=400 if form.errors else 200,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def market_rule_edit(request: HttpRequest) -> HttpResponse:
    rule = found_or_404(selectors.market_rule_get(officer=request.user))
    form = MarketRuleForm(request.POST or None, initial=MarketRuleForm.initial_for(rule))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "confirm" not in request.POST:
            preview = rules.market_rule_change_preview(
                rule=rule,
                max_distance_km=data["max_distance_km"],
                max_open_proposals_volunteer=data["max_open_proposals_volunteer"],
            )
            proposed = rules.market_rule_proposed(
                rule=rule,
                max_distance_km=data["max_distance_km"],
                response_deadline_hours=data["response_deadline_hours"],
                max_open_proposals_volunteer=data["max_open_proposals_volunteer"],
                weights=form.weights,
            )
            whatif = whatif_selectors.rule_change_whatif(officer=request.user, proposed=proposed)
            preview["whatif"] = comparison(whatif) if whatif else None
        else:
            try:
                rules.market_rule_update(
                    rule=rule,
                    officer=request.user,
                    max_distance_km=data["max_distance_km"],
                    response_deadline_hours=data["response_deadline_hours"],
                    max_open_proposals_volunteer=data["max_open_proposals_volunteer"],
                    weights=form.weights,
                    missed_visits_alert_after=data["missed_visits_alert_after"],
                    visit_notice_days=data["visit_notice_days"],
                    urgent_unmatched_alert_hours=data.get("urgent_unmatched_alert_hours"),
                    request=request,
                )
                messages.success(request, "Market rules saved. They apply from the next matching run.")
                return redirect("marketplace:regulation")
            except ValidationError as exc:
                apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/market_rule_form.html",
        {"form": form, "preview": preview},
        status=400 if form.errors else 200,
    )
