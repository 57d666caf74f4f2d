"""The officer console (under /console/, officers with two-factor only) and the
two pages any party may use: raise a safeguarding concern, report something."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matching import selectors as match_selectors
from platform_core.forms import apply_service_errors
from platform_core.http import found_or_404
from platform_core.models import CouncilDistrict
from platform_core.permissions import officer_required
from providers import services as provider_services

from . import analytics, selectors
from .forms import (
    AnalyticsFilterForm,
    AuditFilterForm,
    BlockedWordForm,
    CategoryForm,
    CloseForm,
    ConcernRaiseForm,
    EscalateForm,
    MarketRuleForm,
    NoteForm,
    OptionalReasonForm,
    PauseForm,
    ReasonForm,
    ReportForm,
    TriageForm,
)
from .models import TargetType
from .services import moderation, people, safeguarding, verification
from .services import regulation as rules


class _Csv:
    def write(self, value):
        return value


def _csv_response(filename: str, headers: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Csv())

    def stream():
        yield writer.writerow(headers)
        for row in rows:
            # A cell starting with = + - @ would be run as a formula by a spreadsheet.
            yield writer.writerow(["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- Home -------------------------------------------------------------------------------------


@officer_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/console.html", {"counts": selectors.console_counts(officer=request.user)})


# --- Verification ---------------------------------------------------------------------------------


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
    )


# --- Moderation -------------------------------------------------------------------------------------


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
    )


@officer_required
@require_POST
def blocked_word_delete(request: HttpRequest, pk: int) -> HttpResponse:
    word = found_or_404(selectors.blocked_word_get(officer=request.user, pk=pk))
    moderation.blocked_word_remove(officer=request.user, blocked=word, request=request)
    messages.success(request, "Removed from the list.")
    return redirect("marketplace:blocked_words")


# --- Safeguarding -------------------------------------------------------------------------------------


@officer_required
@never_cache
def concern_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    concerns = selectors.concern_list_for_officer(officer=request.user, status=status)
    return render(request, "marketplace/concern_queue.html", {"concerns": concerns, "status": status})


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
    return render(
        request,
        "marketplace/concern_detail.html",
        {"concern": concern, "actions": concern.actions.select_related("officer"), "forms": forms},
    )


# --- Providers and people -------------------------------------------------------------------------------


@officer_required
def provider_search(request: HttpRequest) -> HttpResponse:
    q, status = request.GET.get("q", ""), request.GET.get("status", "")
    page = Paginator(selectors.provider_search(officer=request.user, q=q, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "marketplace/provider_search.html", {"page": page, "q": q, "status": status})


@officer_required
@require_http_methods(["GET", "POST"])
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = found_or_404(selectors.provider_get(officer=request.user, pk=pk))
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
    )


@officer_required
def resident_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    residents = list(selectors.resident_search(officer=request.user, q=q)[:50])
    return render(request, "marketplace/resident_search.html", {"residents": residents, "q": q})


@officer_required
@never_cache
@require_http_methods(["GET", "POST"])
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Personal data is shown only in the response to a POST giving a reason,
    and every such response writes an AuditEvent first."""
    resident = found_or_404(selectors.resident_get(officer=request.user, pk=pk))
    form = ReasonForm(
        label="Why do you need to see this resident's details?",
        help_text="Your reason is recorded in the audit log with your name.",
    )
    if request.method == "POST":
        form = ReasonForm(request.POST, label=form.fields["reason"].label, help_text=form.fields["reason"].help_text)
        if form.is_valid():
            try:
                people.resident_personal_data_view(
                    resident=resident, officer=request.user, reason=form.cleaned_data["reason"], request=request
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                needs = selectors.resident_needs(officer=request.user, resident=resident)
                return render(request, "marketplace/resident_detail.html", {"resident": resident, "needs": needs})
    form.fields["reason"].page_heading = True  # one question: its label is the page's h1
    return render(request, "marketplace/resident_reason.html", {"resident": resident, "form": form})


# --- Regulation ------------------------------------------------------------------------------------------


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
    return render(request, "marketplace/category_form.html", {"form": form, "category": category, "preview": preview})


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
    return render(request, "marketplace/category_form.html", {"form": form, "category": None, "preview": None})


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
        else:
            try:
                rules.market_rule_update(
                    rule=rule,
                    officer=request.user,
                    max_distance_km=data["max_distance_km"],
                    response_deadline_hours=data["response_deadline_hours"],
                    max_open_proposals_volunteer=data["max_open_proposals_volunteer"],
                    weights=form.weights,
                    request=request,
                )
                messages.success(request, "Market rules saved. They apply from the next matching run.")
                return redirect("marketplace:regulation")
            except ValidationError as exc:
                apply_service_errors(form, exc)
    return render(request, "marketplace/market_rule_form.html", {"form": form, "preview": preview})


# --- Analytics ---------------------------------------------------------------------------------------------


@officer_required
def analytics_dashboard(request: HttpRequest) -> HttpResponse:
    council = request.user.council
    categories = list(selectors.category_list(officer=request.user))
    districts = list(CouncilDistrict.objects.filter(council=council).values_list("outcode", flat=True))
    form = AnalyticsFilterForm(request.GET or None, categories=categories, districts=districts)
    filters = analytics.Filters.default()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters.date_from = data["date_from"] or filters.date_from
        filters.date_to = data["date_to"] or filters.date_to
        filters.category_id = data["category"]
        filters.district = data["district"] or ""
    # An invalid filter keeps the defaults; the template shows the form's errors.
    if filters.date_to - filters.date_from > timedelta(days=3 * 366):
        filters.date_from = filters.date_to - timedelta(days=3 * 366)
    board = analytics.dashboard(council=council, filters=filters)
    export = request.GET.get("export")
    if export:
        table = board.table(export)
        if table is not None:
            return _csv_response(f"{table.key}-{filters.date_from}-{filters.date_to}", table.headers, table.rows)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "marketplace/analytics.html",
        {"board": board, "form": form, "query": query.urlencode(), "tiles": board.tiles},
    )


# --- Audit log ----------------------------------------------------------------------------------------------


@officer_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_list(officer=request.user, **{k: v for k, v in filters.items() if v})
    if request.GET.get("export") == "csv":
        return _csv_response(
            "audit-log",
            ["When", "Actor", "Action", "Object type", "Object id", "Reason", "IP address", "Data"],
            (
                [
                    e.created_at.isoformat(),
                    e.actor_email,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.reason,
                    e.ip_address or "",
                    e.data,
                ]
                for e in events.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "marketplace/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


# --- For the parties to a match (not officers): /concerns/ ----------------------------------------------------


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
    return render(request, "marketplace/concern_raise.html", {"form": form, "match": match})


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
            messages.success(request, "Thank you. The council will look at your report.")
            return redirect(reverse("home"))
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "marketplace/report_form.html", {"form": form, "target_type": target_type})
