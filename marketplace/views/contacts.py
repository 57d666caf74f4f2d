"""Letters to post and contacts that could not be reached: counts first, the
list (addresses, numbers) only in the answer to a POST giving a reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required

from ..forms import ReasonForm
from ..selectors import contacts as selectors
from ..services import contacts as services

LABEL = "Why do you need to see these contact details?"
HELP = "Your reason is recorded in the audit log with your name."


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def contact_problems(request: HttpRequest) -> HttpResponse:
    counts = selectors.contact_problem_counts(officer=request.user)
    form = ReasonForm(request.POST or None, label=LABEL, help_text=HELP)
    if request.method == "POST" and form.is_valid():
        # The lists name residents and members: each one shown is audited with this reason (ADR 0015).
        purpose_set(request, f"Contact problems: {form.cleaned_data['reason']}")
        try:
            if request.POST.get("delivery"):
                delivery = found_or_404(
                    selectors.contact_delivery_get(officer=request.user, pk=_int(request.POST["delivery"]))
                )
                services.contact_delivery_handle(delivery=delivery, officer=request.user, request=request)
                messages.success(request, "Done: it is off the list.")
                counts = selectors.contact_problem_counts(officer=request.user)
            services.contacts_personal_data_view(
                officer=request.user, reason=form.cleaned_data["reason"], data=counts, request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            lists = selectors.contact_problem_lists(officer=request.user)
            return render(
                request,
                "marketplace/contact_problems.html",
                {"reason": form.cleaned_data["reason"], "counts": counts, **lists},
            )
    form.fields["reason"].page_heading = True
    return render(
        request,
        "marketplace/contact_problems_reason.html",
        {"form": form, "counts": counts},
        status=400 if form.errors else 200,
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
