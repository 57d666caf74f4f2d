"""Safeguarding concerns: the officers' queue and case pages, and the pages where
a party to a match raises a concern and sees those they raised (under /concerns/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matching import selectors as match_selectors
from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.pagination import page_of
from platform_core.permissions import officer_required

from ..forms import (
    CloseForm,
    ConcernRaiseForm,
    EscalateForm,
    NoteForm,
    PauseForm,
    TriageForm,
)
from ..selectors import safeguarding as selectors
from ..services import safeguarding


@officer_required
@never_cache
def concern_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = page_of(selectors.concern_list_for_officer(officer=request.user, status=status), request, per_page=50)
    return render(request, "marketplace/concern_queue.html", {"concerns": page, "page": page, "status": status})


CONCERN_FORMS = {
    "triage": TriageForm,
    "note": NoteForm,
    "pause": PauseForm,
    "escalate": EscalateForm,
    "close": CloseForm,
}


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concern = found_or_404(selectors.concern_get_for_officer(officer=request.user, pk=pk))
    # The case page shows who raised it: the case is the reason (ADR 0015).
    purpose_set(request, f"Working safeguarding concern {concern.pk}")
    forms = {key: cls(prefix=key) for key, cls in CONCERN_FORMS.items()}
    forms["escalate"].initial = {"escalated_to": concern.council.safeguarding_email}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in CONCERN_FORMS:
            form = CONCERN_FORMS[action](request.POST, prefix=action)
            forms[action] = form
            if form.is_valid():
                data, officer = form.cleaned_data, request.user
                try:
                    if action == "triage":
                        safeguarding.concern_triage(
                            concern=concern, officer=officer, risk=data["risk"], note=data["note"], request=request
                        )
                    elif action == "note":
                        safeguarding.concern_record_action(
                            concern=concern, officer=officer, note=data["note"], request=request
                        )
                    elif action == "pause":
                        n = safeguarding.concern_pause_provider(
                            concern=concern,
                            officer=officer,
                            reason_for_provider=data["reason_for_provider"],
                            request=request,
                        )
                        messages.success(request, f"Provider paused; {n} match(es) withdrawn.")
                    elif action == "escalate":
                        safeguarding.concern_escalate(
                            concern=concern,
                            officer=officer,
                            escalated_to=data["escalated_to"],
                            reference=data["reference"],
                            note=data["note"],
                            request=request,
                        )
                    elif action == "close":
                        safeguarding.concern_close(
                            concern=concern, officer=officer, outcome=data["outcome"], request=request
                        )
                    return redirect("marketplace:concern_detail", pk=concern.pk)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
    refused = any(form.is_bound and form.errors for form in forms.values())
    return render(
        request,
        "marketplace/concern_detail.html",
        {"concern": concern, "actions": concern.actions.select_related("officer"), "forms": forms},
        status=400 if refused else 200,
    )


@login_required
@never_cache
def my_concerns(request: HttpRequest) -> HttpResponse:
    return render(
        request, "marketplace/my_concerns.html", {"concerns": selectors.concern_list_for_user(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_raise(request: HttpRequest, match_id: int) -> HttpResponse:
    match = found_or_404(match_selectors.match_get_for_user(user=request.user, pk=match_id))
    form = ConcernRaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            safeguarding.concern_raise(
                user=request.user, match=match, description=form.cleaned_data["description"], request=request
            )
            return render(request, "marketplace/concern_raised.html", {"match": match})
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request, "marketplace/concern_raise.html", {"form": form, "match": match}, status=400 if form.errors else 200
    )
