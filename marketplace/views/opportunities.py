"""Opportunities for providers: the demand a provider (or someone thinking of
becoming one, without signing in) could meet near its base."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.http import found_or_404
from providers.selectors import provider_get_for_user

from ..forms import OpportunitiesForm
from ..presentation_opportunities import opportunities
from ..selectors import opportunities as selectors


def opportunities_public(request: HttpRequest) -> HttpResponse:
    """Anyone: the demand near a postcode, or in a council."""
    councils = list(selectors.council_list_with_districts())
    form = OpportunitiesForm(request.GET or None, councils=councils)
    result = None
    if form.is_bound and form.is_valid():
        if form.place is not None:
            place = form.place
            figures = selectors.opportunity_figures(
                council=place.council, base=(place.point.latitude, place.point.longitude)
            )
        else:
            council = found_or_404(selectors.council_by_slug(slug=form.cleaned_data["council"]), "No such council.")
            figures = selectors.opportunity_figures(council=council)
        result = opportunities(figures)
    return render(
        request,
        "marketplace/opportunities.html",
        {"form": form, "result": result, "provider": None},
        status=400 if form.errors else 200,
    )


@login_required
def opportunities_for_provider(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's members: the demand near its base, and which of it its clearance already covers."""
    provider = found_or_404(provider_get_for_user(user=request.user, pk=pk), "No such provider.")
    figures = selectors.opportunity_figures(council=provider.council, base=(provider.latitude, provider.longitude))
    return render(
        request,
        "marketplace/opportunities.html",
        {"form": None, "result": opportunities(figures, clearance=provider.clearance), "provider": provider},
    )
