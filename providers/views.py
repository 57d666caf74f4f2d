"""The provider's pages: parse the form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from platform_core.availability import slots_describe
from platform_core.forms import apply_service_errors
from platform_core.pagination import page_of, window_of
from platform_core.phones import phone_display
from providers import selectors, services
from providers.forms import (
    EvidenceForm,
    InvitationForm,
    OfferForm,
    ProviderProfileForm,
    ProviderRegisterForm,
)
from providers.models import PERSON_EVIDENCE, Offer, Provider, VerificationEvidence
from providers.permissions import is_owner


def _provider_or_404(request: HttpRequest, pk: int) -> Provider:
    provider = selectors.provider_get_for_user(user=request.user, pk=pk)
    if provider is None:
        raise Http404("No provider here.")
    return provider


def _offer_or_404(request: HttpRequest, pk: int) -> Offer:
    offer = selectors.offer_get_for_user(user=request.user, pk=pk)
    if offer is None:
        raise Http404("No offer here.")
    return offer


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My offers: those in play first, a page at a time; closed ones one click away (`?show=closed`)."""
    providers = list(selectors.provider_list_for_user(user=request.user).select_related("council"))
    past = request.GET.get("show") == "closed"
    offers = (
        window_of(selectors.offer_list_current_for_user(user=request.user, past=past), request) if providers else None
    )
    return render(request, "providers/dashboard.html", {"providers": providers, "offers": offers, "past": past})


@login_required
def provider_register(request: HttpRequest) -> HttpResponse:
    form = ProviderRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_register(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{provider.name} is registered. Next, send the council your evidence.")
            return redirect("providers:verification", pk=provider.pk)
    return render(request, "providers/provider_register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = _provider_or_404(request, pk)
    return render(
        request,
        "providers/provider_detail.html",
        {"provider": provider, "is_owner": is_owner(user=request.user, provider_id=provider.pk)},
    )


@login_required
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provider = _provider_or_404(request, pk)
    if not is_owner(user=request.user, provider_id=provider.pk):
        return render(request, "providers/forbidden.html", {"provider": provider}, status=403)
    initial = {f: getattr(provider, f) for f in ("name", "description", "email", "phone", "website", "postcode")}
    initial["phone"] = phone_display(provider.phone)
    form = ProviderProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(provider=provider, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("providers:provider_detail", pk=provider.pk)
    return render(
        request,
        "providers/provider_edit.html",
        {"form": form, "provider": provider},
        status=400 if form.errors else 200,
    )


@login_required
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    """What evidence this kind of provider needs, where each stands, and why."""
    provider = _provider_or_404(request, pk)
    rows = selectors.verification_requirements(provider=provider)
    return render(request, "providers/verification.html", {"provider": provider, "rows": rows})


@login_required
def evidence_submit(request: HttpRequest, pk: int, kind: str, member_pk: int | None = None) -> HttpResponse:
    """Send evidence: the organisation's, or (with `member_pk`) a member's DBS or
    identity check. A provider with one member sends theirs from Verification."""
    provider = _provider_or_404(request, pk)
    if kind not in services.EVIDENCE_ALLOWED[provider.kind]:
        raise Http404("This provider cannot send that evidence.")
    member = None
    if member_pk is not None:
        member = selectors.member_get_for_user(user=request.user, provider=provider, pk=member_pk)
        if member is None or kind not in PERSON_EVIDENCE:
            raise Http404("No such member.")
        back = reverse("providers:member_evidence", kwargs={"pk": provider.pk, "member_pk": member.pk})
    else:
        back = reverse("providers:verification", kwargs={"pk": provider.pk})
    form = EvidenceForm(request.POST or None, kind=kind, provider=provider)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evidence_submit(
                provider=provider,
                user=request.user,
                kind=kind,
                member=member,
                reference=data["reference"],
                dbs_level=data.get("dbs_level", ""),
                issued_on=data.get("issued_on"),
                expires_on=data.get("expires_on"),
                update_service_consent=data.get("update_service_consent", False),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Sent to the council. We will tell you when they have checked it.")
            return redirect(back)
    context = {
        "form": form,
        "provider": provider,
        "member": member,
        "kind_label": VerificationEvidence.Kind(kind).label,
        "back": back,
    }
    return render(request, "providers/evidence_submit.html", context, status=400 if form.errors else 200)


@login_required
def member_evidence(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """One member's own checks (DBS with its level, identity check): where each stands,
    and whether they can be named to visit people at home."""
    provider = _provider_or_404(request, pk)
    member = selectors.member_get_for_user(user=request.user, provider=provider, pk=member_pk)
    if member is None:
        raise Http404("No such member.")
    allowed = [k for k in services.EVIDENCE_ALLOWED[provider.kind] if k in PERSON_EVIDENCE]
    context = {
        "provider": provider,
        "member": member,
        "checks": selectors.member_checks_for(members=[member])[member.pk],
        "rows": selectors.member_evidence_rows(member=member, kinds=allowed),
        "can_send": member.user_id == request.user.pk or is_owner(user=request.user, provider_id=provider.pk),
    }
    return render(request, "providers/member_evidence.html", context)


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    provider = _provider_or_404(request, pk)
    owner = is_owner(user=request.user, provider_id=provider.pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not owner:
            return render(request, "providers/forbidden.html", {"provider": provider}, status=403)
        if form.is_valid():
            try:
                services.invitation_create(provider=provider, user=request.user, email=form.cleaned_data["email"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"We have sent an invitation to {form.cleaned_data['email']}.")
                return redirect("providers:members", pk=provider.pk)
    page = page_of(selectors.member_list_for_provider(provider=provider), request, per_page=50)
    checks = selectors.member_checks_for(members=list(page))
    for member in page:
        member.checks = checks[member.pk]  # type: ignore[attr-defined]
    context = {
        "provider": provider,
        "members": page,
        "person_evidence": any(k in PERSON_EVIDENCE for k in services.EVIDENCE_ALLOWED[provider.kind]),
        "invitations": selectors.invitation_list_pending(provider=provider)[:50] if owner else [],
        "is_owner": owner,
        "can_invite": owner and provider.kind != Provider.Kind.VOLUNTEER,
        "form": form,
    }
    return render(request, "providers/members.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """An owner removes a member, or a member (pk their own) leaves."""
    provider = _provider_or_404(request, pk)
    member = selectors.member_get_for_user(user=request.user, provider=provider, pk=member_pk)
    if member is None:
        raise Http404("No such member.")
    leaving = member.user_id == request.user.pk
    try:
        services.member_remove(member=member, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("providers:members", pk=provider.pk)
    if leaving:
        messages.success(request, f"You have left {provider.name}.")
        return redirect("providers:dashboard")
    messages.success(request, f"{member.user.email} is no longer a member.")
    return redirect("providers:members", pk=provider.pk)


@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_get_for_user(user=request.user, token=token)
    if invitation is None:
        # Someone else's invitation is not found either: the page names neither the provider nor the address.
        return render(request, "providers/invitation_not_found.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"You are now a member of {invitation.provider.name}.")
            return redirect("providers:provider_detail", pk=invitation.provider_id)
    return render(request, "providers/invitation_accept.html", {"invitation": invitation, "error": error})


@login_required
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    provider = _provider_or_404(request, pk)
    form = OfferForm(
        request.POST or None, provider=provider, initial={"postcode": provider.postcode, "capacity": 1, "radius_km": 5}
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(provider=provider, user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if offer.status == Offer.Status.PENDING_REVIEW:
                messages.success(request, "Your offer is saved. The council will check it before residents see it.")
            else:
                messages.success(request, "Your offer is live.")
            return redirect("providers:offer_detail", pk=offer.pk)
    return render(
        request,
        "providers/offer_form.html",
        {"form": form, "provider": provider, "offer": None},
        status=400 if form.errors else 200,
    )


@login_required
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_or_404(request, pk)
    context = {
        "offer": offer,
        "provider": offer.provider,
        "slots": slots_describe(offer.weekly_slots),
        "cost": offer.cost_description,
    }
    return render(request, "providers/offer_detail.html", context)


@login_required
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_or_404(request, pk)
    form = OfferForm(request.POST or None, provider=offer.provider, initial=OfferForm.initial_from(offer))
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("providers:offer_detail", pk=offer.pk)
    return render(
        request,
        "providers/offer_form.html",
        {"form": form, "provider": offer.provider, "offer": offer},
        status=400 if form.errors else 200,
    )


def _offer_action(service, done: str):
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        offer = _offer_or_404(request, pk)
        try:
            service(offer=offer, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return redirect(reverse("providers:offer_detail", kwargs={"pk": offer.pk}))

    view.__name__ = service.__name__
    return view


offer_pause = _offer_action(services.offer_pause, "Your offer is paused. Residents will not be matched with it.")
offer_resume = _offer_action(services.offer_resume, "Your offer is live again.")
offer_close = _offer_action(services.offer_close, "Your offer is closed.")
