"""Match pages: parse the form, call one service or selector, render.

Every action is a POST with CSRF; a rule broken in a service (a deadline
passed, an offer filled meanwhile) comes back as the page's error summary.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from matching import selectors, services
from matching.forms import AcceptForm, CancelForm, DeclineForm, MessageForm, ReviewForm
from matching.models import Exclusion, Match
from matching.notifications import checks_words, clock, helper_sentence
from matching.permissions import is_provider_side, is_resident_side
from matching.services import exclusions
from platform_core.availability import slots_describe
from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.pagination import window_of
from providers.selectors import Attendance


def _match_or_404(request: HttpRequest, pk: int) -> Match:
    # officers=True: an officer reaches this door only after the second factor (middleware).
    match = found_or_404(selectors.match_get_for_user(user=request.user, pk=pk, officers=True), _("No such match."))
    purpose = selectors.assisting_purpose(user=request.user, match=match)
    if purpose is not None:
        purpose_set(request, purpose)
    return match


def _sides(match: Match, user) -> tuple[bool, bool]:
    return (
        is_provider_side(match=match, user=user),
        is_resident_side(match=match, user=user),
    )


def _when(need) -> str:
    """When help is wanted, in the page's language."""
    if need.timing == need.Timing.WEEKLY:
        return _("Every week: %(times)s") % {"times": slots_describe(need.weekly_slots or [])}
    if need.window_start and need.window_end:
        start, end = timezone.localtime(need.window_start), timezone.localtime(need.window_end)
        return _("%(day)s, %(start)s to %(end)s") % {
            "day": date_format(start, "j F Y"),
            "start": clock(start),
            "end": clock(end),
        }
    return str(_("Any time"))


SIDES = ("provider", "resident")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Current matches first, each side in one query and paged; the history of a
    side is one click away (`?past=provider` or `?past=resident`), paged without a
    count, so a provider with 20,000 past matches gets this page as fast as one with 2."""
    user = request.user
    # Cached on the user: the header asks the same (one query each per request).
    has_side = {"provider": user.is_provider_member, "resident": user.has_resident_profile}
    lists = {
        "provider": selectors.match_list_for_provider_user,
        "resident": selectors.match_list_for_resident_user,
    }
    past = request.GET.get("past", "")
    if past in SIDES and has_side[past]:
        page = window_of(selectors.match_list_past(matches=lists[past](user=user)), request)
        return render(request, "matching/past.html", {"side": past, "page": page})
    S = Match.Status
    sides = {}
    for side in SIDES:
        if not has_side[side]:
            continue
        page = window_of(selectors.match_list_current(matches=lists[side](user=user)), request, param=f"{side}_page")
        rows = page.object_list
        if side == "provider":
            groups = {
                "to_answer": [m for m in rows if m.status == S.PROPOSED],
                "waiting": [m for m in rows if m.status == S.ACCEPTED],
                "confirmed": [m for m in rows if m.status == S.CONFIRMED],
            }
        else:
            groups = {
                "to_confirm": [m for m in rows if m.status == S.ACCEPTED],
                "waiting": [m for m in rows if m.status == S.PROPOSED],
                "confirmed": [m for m in rows if m.status == S.CONFIRMED],
            }
        sides[side] = {"page": page, **groups}
    context = {
        "provider": sides.get("provider"),
        "resident": sides.get("resident"),
        "has_provider_side": "provider" in sides,
        "has_resident_side": "resident" in sides,
    }
    return render(request, "matching/dashboard.html", context)


def _detail(request: HttpRequest, match: Match, *, status: int = 200, **overrides) -> HttpResponse:
    is_provider, is_resident = _sides(match, request.user)
    context = {
        "match": match,
        "need": match.need,
        "provider": match.offer.provider,
        "is_provider": is_provider,
        "is_resident": is_resident,
        "contact": selectors.match_contact_details_for(match=match, user=request.user),
        "thread": list(selectors.message_list_for_match(match=match, user=request.user)),
        "message_form": MessageForm(),
        "review_form": ReviewForm(),
        "can_review": is_resident and match.status == Match.Status.COMPLETED and not hasattr(match, "review"),
        "form": None,
        "when": _when(match.need),
        "helper": selectors.match_helper_for(match=match, user=request.user),
    }
    attendance = _attendance(match, request.user) if is_provider else None
    if attendance is not None:
        context["attendance"] = attendance
        context["accept_form"] = AcceptForm(members=attendance.cleared)
    context.update(overrides)
    if context.get("helper") is not None:
        context["helper_words"] = helper_sentence(context["helper"])
        context["helper_checks"] = checks_words(context["helper"].checks)
    return render(request, "matching/detail.html", context, status=status)


@login_required
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _match_or_404(request, pk))


def _simple_action(request: HttpRequest, pk: int, service, done: Promise | str) -> HttpResponse:
    match = _match_or_404(request, pk)
    try:
        service(match=match, user=request.user)
    except ValidationError as exc:
        form = forms.Form(data={})
        form.full_clean()
        apply_service_errors(form, exc)
        match.refresh_from_db()
        return _detail(request, match, status=400, form=form)
    messages.success(request, done)
    return redirect("matching:detail", pk=match.pk)


@login_required
@require_POST
def match_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept, naming who will visit when the help needs it (the radios on the match page)."""
    match = _match_or_404(request, pk)
    attendance = _attendance(match, request.user)
    form = AcceptForm(request.POST, members=attendance.cleared if attendance else ())
    if form.is_valid():
        try:
            services.match_accept(
                match=match, user=request.user, attending_member_id=form.cleaned_data["attending_member"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("You accepted. We have asked the resident to confirm."))
            return redirect("matching:detail", pk=match.pk)
    match.refresh_from_db()
    return _detail(request, match, status=400, form=form, accept_form=form)


def _attendance(match: Match, user) -> Attendance | None:
    """Whom the provider may name when accepting this proposal (None when not theirs to answer)."""
    if match.status != Match.Status.PROPOSED or not is_provider_side(match=match, user=user):
        return None
    return selectors.match_attendance(match=match)


@login_required
@require_POST
def match_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.match_confirm, _("Confirmed. You can now message your helper."))


@login_required
@require_POST
def match_mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request, pk, services.match_mark_done, _("Marked as done. We have asked the resident to confirm.")
    )


@login_required
@require_POST
def match_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.match_complete, _("Thank you. This request is complete."))


@login_required
@require_http_methods(["GET", "POST"])
def match_decline(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    is_provider, is_resident = _sides(match, request.user)
    form = DeclineForm(request.POST or None, resident=is_resident and not is_provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.match_decline(match=match, user=request.user, reason=form.reason_text())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("You declined. We will look for someone else."))
            return redirect("matching:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "matching/decline.html", {"match": match, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def match_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    is_provider, is_resident = _sides(match, request.user)
    resident_only = is_resident and not is_provider
    form = CancelForm(request.POST or None, resident=resident_only)
    if request.method == "POST" and form.is_valid():
        still_needed = form.cleaned_data.get("still_needed")
        try:
            services.match_cancel(
                match=match,
                user=request.user,
                reason=form.cleaned_data["reason"],
                need_still_wanted=True if still_needed is None or still_needed == "" else bool(still_needed),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The match is cancelled."))
            return redirect("matching:dashboard")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "matching/cancel.html", {"match": match, "form": form}, status=status)


@login_required
@require_POST
def message_send(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_send(match=match, user=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(reverse("matching:detail", args=[match.pk]) + "#messages")
    return _detail(request, match, status=400, form=form, message_form=form)


@login_required
@require_POST
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_or_404(request, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_create(
                match=match, user=request.user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
            if form.cleaned_data.get("exclude"):
                exclusions.exclusion_add(match=match, user=request.user, source=Exclusion.Source.REVIEW)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("matching:detail", pk=match.pk)
    return _detail(request, match, status=400, form=form, review_form=form)


# --- "Do not match me with this provider again" (issue 9) ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    """From one of their matches, the resident asks never to be matched with its provider again."""
    match = _match_or_404(request, pk)
    if not is_resident_side(match=match, user=request.user):
        raise Http404(_("No such match."))
    if request.method == "POST":
        exclusions.exclusion_add(match=match, user=request.user, source=Exclusion.Source.MATCH)
        messages.success(
            request,
            _("We will not match you with %(provider)s again.") % {"provider": match.offer.provider.name},
        )
        return redirect("matching:exclusions")
    return render(request, "matching/exclusion_add.html", {"match": match, "provider": match.offer.provider})


@login_required
def exclusion_list(request: HttpRequest) -> HttpResponse:
    """The providers the resident asked never to be matched with again, each with a way back."""
    rows = list(selectors.exclusion_list_for_resident_user(user=request.user))
    return render(request, "matching/exclusions.html", {"exclusions": rows})


@login_required
@require_POST
def exclusion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    exclusion = found_or_404(selectors.exclusion_get_for_user(user=request.user, pk=pk), _("No such exclusion."))
    exclusions.exclusion_remove(exclusion=exclusion, user=request.user)
    messages.success(request, _("%(provider)s may be matched with you again.") % {"provider": exclusion.provider.name})
    return redirect("matching:exclusions")
