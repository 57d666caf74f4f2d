"""The resident's pages: profile, the "post a need" question pages, my needs.

Views parse a form, call one service or selector and render. A draft need is
saved at every question page, so a timed-out session or a logout loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from platform_core.disclosure import purpose_set
from platform_core.forms import apply_service_errors
from platform_core.http import local_next
from platform_core.pagination import window_of
from platform_core.permissions import session_passed_two_factor
from platform_core.spoken_languages import language_name

from . import forms as need_forms
from .models import Need, Resident
from .selectors import (
    need_draft_latest_for,
    need_get_for,
    need_list_for,
    resident_for_user,
    resident_get_managed_by,
)
from .services import need_cancel, need_draft_create, need_post, need_update, resident_save

CHANGE_RETURNS_TO_CHECK = "check"


def _residents_only(view: Callable, *, refuse: type[Exception]) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.can_be_resident:
            raise refuse(_("These pages are for residents."))
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view: Callable) -> Callable:
    """Signed in as a resident: anonymous users go to sign in, other roles get 403."""
    return _residents_only(view, refuse=PermissionDenied)


def _with_profile(view: Callable) -> Callable:
    """A resident without a profile is sent to create one, then brought back here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resident = resident_for_user(user=request.user)
        if resident is None:
            return redirect(f"{reverse('residents:profile')}?next={request.path}")
        request.resident = resident
        return view(request, *args, **kwargs)

    return wrapper


def profile_required(view: Callable) -> Callable:
    """A resident's own page (not about one need): other roles get 403."""
    return _residents_only(_with_profile(view), refuse=PermissionDenied)


def need_page(view: Callable) -> Callable:
    """A page about one need: someone else's need is not found, whoever asks
    (another resident, a provider, an officer), so its reference leaks nothing.
    The resident's referrer, or an officer assisting them on the phone line
    (after two-factor), finds it like the resident does (ADR 0021)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.is_officer and not session_passed_two_factor(request):
            # Without the second factor an officer acts for nobody: not found, like anyone's need.
            raise Http404(_("No such request."))
        return view(request, *args, **kwargs)

    return wrapper


def _own_need(request: HttpRequest, reference: str) -> Need:
    need = need_get_for(user=request.user, reference=reference)
    if need is None:
        raise Http404(_("No such request."))
    _acting_context(request, need.resident)
    return need


def _acting_context(request: HttpRequest, resident: Resident) -> None:
    """When someone acts for the resident: where "back" goes, whose request it is,
    and (for an officer) why they see it (ADR 0015)."""
    request.acting_for = None
    request.home_url = reverse("residents:dashboard")
    if resident.user_id != request.user.pk:
        request.acting_for = resident
        request.home_url = reverse("referrals:resident_detail", kwargs={"pk": resident.pk})
        if request.user.is_officer:
            from .referrals.services import assisted_access_for

            access = assisted_access_for(officer=request.user, resident=resident)
            purpose_set(request, f"Assisted digital for resident {resident.pk}: {access.reason if access else ''}")


# --- Dashboard and profile -----------------------------------------------------


@resident_required
def dashboard(request: HttpRequest) -> HttpResponse:
    resident = resident_for_user(user=request.user)
    # A page of needs without counting them all (the count grew with the resident's history).
    page = window_of(need_list_for(user=request.user), request, per_page=20, by_ids=False)
    draft = need_draft_latest_for(user=request.user)
    return render(
        request,
        "residents/dashboard.html",
        {"resident": resident, "page": page, "draft": draft, "draft_url": _resume_url(draft) if draft else ""},
    )


@resident_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    resident = resident_for_user(user=request.user)
    next_url = local_next(request, request.POST.get("next") or request.GET.get("next") or "", "")
    if request.method == "POST":
        form = need_forms.ProfileForm(request.POST)
        if form.is_valid():
            try:
                resident_save(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect(next_url or "residents:dashboard")
    else:
        form = need_forms.ProfileForm(initial=need_forms.ProfileForm.initial_for(user=request.user, resident=resident))
    return render(
        request,
        "residents/profile.html",
        {"form": form, "resident": resident, "next": next_url, "creating": resident is None},
        status=400 if form.errors else 200,
    )


# --- Post a need: one question per page ------------------------------------------

STEPS = ["category", "what", "when", "times", "repeat", "where", "preferences"]
# Questions only some needs are asked: how often and until when, for weekly needs.
WEEKLY_ONLY = {"repeat"}
STEP_OF_FIELD = {
    "category": "category",
    "title": "what",
    "description": "what",
    "timing": "when",
    "urgency": "when",
    "window_start": "times",
    "window_end": "times",
    "weekly_slots": "times",
    "repeat_every_weeks": "repeat",
    "ends_on": "repeat",
    "visit_count": "repeat",
    "use_home_address": "where",
    "postcode": "where",
    "preferences": "preferences",
    "language": "preferences",
    "accessibility": "preferences",
}
STEP_TITLES = {
    "category": _("What kind of help do you need?"),
    "what": _("What help do you need?"),
    "when": _("When do you need help?"),
    "times": _("When can help come?"),
    "repeat": _("How often should help come?"),
    "where": _("Where do you need help?"),
    "preferences": _("Anything the helper should know"),
}


def _steps_for(need: Need | None) -> list[str]:
    """The questions this need is asked, in order: a one-off need skips how often and until when."""
    if need is not None and need.timing == Need.Timing.WEEKLY:
        return STEPS
    return [s for s in STEPS if s not in WEEKLY_ONLY]


def _pattern_answered(need: Need) -> bool:
    return need.ends_on is not None or need.visit_count is not None


def _step_url(need: Need, step: str, *, change: bool = False) -> str:
    url = reverse(f"residents:need_{step}", kwargs={"reference": need.reference})
    return f"{url}?change={CHANGE_RETURNS_TO_CHECK}" if change else url


def _resume_url(need: Need) -> str:
    """Where a resident continues a draft: the first question not yet answered."""
    if need.category_id is None:
        return _step_url(need, "category")
    if not need.title or not need.description:
        return _step_url(need, "what")
    if not need.window_start and not need.weekly_slots:
        return _step_url(need, "when")
    if need.timing == Need.Timing.WEEKLY and not _pattern_answered(need):
        return _step_url(need, "repeat")
    return reverse("residents:need_check", kwargs={"reference": need.reference})


def _step_form(step: str, request: HttpRequest, need: Need | None, resident: Resident) -> forms.Form:
    data = request.POST if request.method == "POST" else None
    if step == "category":
        initial = {"category": need.category_id} if need else {}
        return need_forms.CategoryForm(data, initial=initial, council=resident.council)
    assert need is not None
    if step == "what":
        return need_forms.WhatForm(data, initial={"title": need.title, "description": need.description})
    if step == "when":
        # GOV.UK radios start unselected: show the model's defaults only once
        # the resident has answered (a time window or weekly slots exist).
        answered = bool(need.window_start or need.weekly_slots)
        initial = {"timing": need.timing, "urgency": need.urgency} if answered else {}
        return need_forms.WhenForm(data, initial=initial)
    if step == "times":
        if need.timing == Need.Timing.WEEKLY:
            return need_forms.WeeklyTimesForm(data, initial={"weekly_slots": need.weekly_slots})
        return need_forms.OneOffTimesForm(data, initial=need_forms.OneOffTimesForm.initial_for(need))
    if step == "repeat":
        initial = need_forms.RepeatForm.initial_for(need) if _pattern_answered(need) else {}
        return need_forms.RepeatForm(data, initial=initial)
    if step == "where":
        return need_forms.WhereForm(data, initial=need_forms.WhereForm.initial_for(need), resident=resident)
    if step == "preferences":
        initial = {
            "preferences": need.preferences,
            "language": language_name(need.language),
            "accessibility": need.accessibility,
        }
        return need_forms.PreferencesForm(data, initial=initial)
    raise Http404


def _step_fields(step: str, form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    if step == "times" and isinstance(form, need_forms.OneOffTimesForm):
        start, end = form.window()
        return {"window_start": start, "window_end": end}
    if step == "where":
        return {"use_home_address": data["where"] == form.HOME, "postcode": data["postcode"]}
    if step == "repeat":
        return form.pattern()
    return dict(data)


def _step(request: HttpRequest, step: str, reference: str | None = None) -> HttpResponse:
    need = _own_need(request, reference) if reference else None
    resident: Resident = need.resident if need is not None else request.resident
    if need is None:
        _acting_context(request, resident)
    if need is not None and not need.is_editable:
        return redirect("residents:need_detail", reference=need.reference)
    change = request.GET.get("change") == CHANGE_RETURNS_TO_CHECK and need is not None
    if step not in _steps_for(need):
        # A one-off need is not asked how often: on to the next question.
        return redirect(_step_url(need, "where", change=change))
    form = _step_form(step, request, need, resident)
    if request.method == "POST" and form.is_valid():
        fields = _step_fields(step, form)
        try:
            if need is None:
                need = need_draft_create(resident=resident, by=request.user, **fields)
            else:
                old_timing = need.timing
                need = need_update(need=need, by=request.user, **fields)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if need.status == Need.Status.OPEN:
                return redirect("residents:need_detail", reference=need.reference)
            steps = _steps_for(need)
            if change:
                if step == "when" and need.timing != old_timing:
                    return redirect(_step_url(need, "times", change=True))
                if step == "times" and need.timing == Need.Timing.WEEKLY and not _pattern_answered(need):
                    return redirect(_step_url(need, "repeat", change=True))
                return redirect("residents:need_check", reference=need.reference)
            return redirect(_step_url(need, steps[steps.index(step) + 1]) if step != steps[-1] else _check_url(need))

    if need is not None and need.status == Need.Status.OPEN:
        back_url = reverse("residents:need_detail", kwargs={"reference": need.reference})
    elif change:
        back_url = _check_url(need)
    elif step == STEPS[0]:
        back_url = request.home_url
    else:
        steps = _steps_for(need)
        back_url = _step_url(need, steps[steps.index(step) - 1])
    return render(
        request,
        f"residents/need_step_{step}.html",
        {
            "form": form,
            "need": need,
            "back_url": back_url,
            "step_title": STEP_TITLES[step],
            "resident": resident,
            "acting_for": request.acting_for,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


def _check_url(need: Need) -> str:
    return reverse("residents:need_check", kwargs={"reference": need.reference})


def _step_view(step: str, *, new: bool = False, for_resident: bool = False) -> Callable:
    if for_resident:

        @need_page
        @require_http_methods(["GET", "POST"])
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            # Someone acting for a resident (their referrer, an officer on the phone
            # line) starts a request on the same pages; anyone else's resident is not found.
            own = resident_for_user(user=request.user)
            if own is not None and own.pk == pk:
                return redirect("residents:need_new")
            resident = resident_get_managed_by(user=request.user, pk=pk)
            if resident is None:
                raise Http404(_("No such resident."))
            request.resident = resident
            return _step(request, step)

        view.__name__ = "need_new_for"
        return view
    if new:

        @profile_required
        @require_http_methods(["GET", "POST"])
        def view(request: HttpRequest) -> HttpResponse:
            return _step(request, step)

    else:

        @need_page
        @require_http_methods(["GET", "POST"])
        def view(request: HttpRequest, reference: str) -> HttpResponse:
            return _step(request, step, reference)

    view.__name__ = f"need_{step}" if not new else "need_new"
    return view


need_new = _step_view("category", new=True)
need_new_for = _step_view("category", for_resident=True)
need_category = _step_view("category")
need_what = _step_view("what")
need_when = _step_view("when")
need_times = _step_view("times")
need_repeat = _step_view("repeat")
need_where = _step_view("where")
need_preferences = _step_view("preferences")


@need_page
@require_http_methods(["GET", "POST"])
def need_check(request: HttpRequest, reference: str) -> HttpResponse:
    need = _own_need(request, reference)
    if need.status != Need.Status.DRAFT:
        return redirect("residents:need_detail", reference=need.reference)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            need_post(need=need, by=request.user)
        except ValidationError as exc:
            items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            for field, messages in items:
                step = STEP_OF_FIELD.get(field, "category")
                errors.extend((message, _step_url(need, step, change=True)) for message in messages)
        else:
            return redirect("residents:need_confirmation", reference=need.reference)
    return render(
        request,
        "residents/need_check.html",
        {
            "need": need,
            "errors": errors,
            "change_urls": {step: _step_url(need, step, change=True) for step in STEPS},
            "back_url": _step_url(need, STEPS[-1]),
            "acting_for": request.acting_for,
        },
    )


@need_page
def need_confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    need = _own_need(request, reference)
    if need.status == Need.Status.DRAFT:
        return redirect("residents:need_check", reference=need.reference)
    return render(
        request,
        "residents/need_confirmation.html",
        {"need": need, "home_url": request.home_url, "acting_for": request.acting_for},
    )


# --- My needs ----------------------------------------------------------------------


@need_page
def need_detail(request: HttpRequest, reference: str) -> HttpResponse:
    need = _own_need(request, reference)
    change_urls = {step: _step_url(need, step) for step in STEPS} if need.status == Need.Status.OPEN else {}
    return render(
        request,
        "residents/need_detail.html",
        {
            "need": need,
            "change_urls": change_urls,
            "resume_url": _resume_url(need) if need.status == "draft" else "",
            "home_url": request.home_url,
            "acting_for": request.acting_for,
        },
    )


@need_page
@require_http_methods(["GET", "POST"])
def need_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    need = _own_need(request, reference)
    if not need.is_cancellable:
        return redirect("residents:need_detail", reference=need.reference)
    form = need_forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need_cancel(need=need, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("residents:need_detail", reference=need.reference)
    return render(
        request, "residents/need_cancel.html", {"need": need, "form": form}, status=400 if form.errors else 200
    )
