"""Moderation: the queue, an officer's decision, the council's word list, and the
"report this" page any signed-in person may use (under /concerns/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.permissions import officer_required

from ..forms import (
    BlockedWordForm,
    OptionalReasonForm,
    ReasonForm,
    ReportForm,
)
from ..models import TargetType
from ..selectors import moderation as selectors
from ..services import moderation


@officer_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """The queue. The automatic check runs every five minutes; an officer who
    cannot wait asks for it now with the page's button (a POST: GET never writes)."""
    if request.method == "POST":
        found = moderation.moderation_scan(council=request.user.council, officer=request.user)
        messages.success(request, f"Checked the needs and offers changed since the last check: {found} new flag(s).")
        return redirect("marketplace:moderation_queue")
    items = selectors.moderation_queue(officer=request.user)
    scanned_at = selectors.moderation_scanned_at(officer=request.user)
    return render(request, "marketplace/moderation_queue.html", {"items": items, "scanned_at": scanned_at})


MODERATION_ACTIONS = {
    "hide": (moderation.moderation_hide, ReasonForm, "Hidden."),
    "restore": (moderation.moderation_restore, OptionalReasonForm, "Published."),
    "request_changes": (moderation.moderation_request_changes, ReasonForm, "Asked the author for changes."),
    "dismiss": (moderation.moderation_dismiss, OptionalReasonForm, "Flags dismissed."),
}


@officer_required
@require_http_methods(["GET", "POST"])
def moderation_detail(request: HttpRequest, target_type: str, pk: int) -> HttpResponse:
    target = found_or_404(selectors.moderation_target_get(officer=request.user, target_type=target_type, pk=pk))
    form = ReasonForm(label="Reason the author will see")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in MODERATION_ACTIONS:
            service, form_class, done = MODERATION_ACTIONS[action]
            form = form_class(request.POST, label="Reason the author will see")
            if form.is_valid():
                try:
                    service(target=target, officer=request.user, reason=form.cleaned_data["reason"], request=request)
                    messages.success(request, done)
                    return redirect("marketplace:moderation_queue")
                except ValidationError as exc:
                    apply_service_errors(form, exc)
    history = selectors.moderation_history(officer=request.user, target_type=target_type, pk=pk)
    return render(
        request,
        "marketplace/moderation_detail.html",
        {"target": target, "target_type": target_type, "form": form, **history},
        status=400 if form.errors else 200,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def blocked_words(request: HttpRequest) -> HttpResponse:
    form = BlockedWordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.blocked_word_add(officer=request.user, word=form.cleaned_data["word"], request=request)
            messages.success(request, "Added to the list. Needs and offers will be checked against it.")
            return redirect("marketplace:blocked_words")
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "marketplace/blocked_words.html",
        {"form": form, "words": selectors.blocked_word_list(officer=request.user)},
        status=400 if form.errors else 200,
    )


@officer_required
@require_POST
def blocked_word_delete(request: HttpRequest, pk: int) -> HttpResponse:
    word = found_or_404(selectors.blocked_word_get(officer=request.user, pk=pk))
    moderation.blocked_word_remove(officer=request.user, blocked=word, request=request)
    messages.success(request, "Removed from the list.")
    return redirect("marketplace:blocked_words")


# --- "Report this", for anyone signed in (/concerns/report/) ---------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    if target_type not in TargetType.values:
        return HttpResponse(status=404)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report_create(
                reporter=request.user, target_type=target_type, target_id=target_id, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Thank you. The council will look at your report."))
            return redirect(reverse("home"))
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "marketplace/report_form.html", {"form": form, "target_type": target_type})
