"""The shell's own pages: start, home (routes by role), notifications, health."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import tokens
from .forms import AccountContactForm, AccountEraseForm, ApiTokenForm, apply_service_errors
from .hostile_input import refusal
from .http import found_or_404, local_next
from .i18n import language_choose
from .models import Language, User
from .notifications.services import account_contact_update
from .pagination import window_of
from .permissions import is_privileged, session_passed_two_factor
from .phones import phone_display
from .privacy import account_erase as account_erase_service
from .privacy import account_erase_check, personal_data_export
from .selectors import council_for_request, notification_list_for
from .services import notification_mark_all_read, user_language_set


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's language switcher (a POST: GET never writes). Kept in a
    cookie for everyone and on the person when signed in; back to the page."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        return refusal(request, gettext("Select a language"), "language")
    back = local_next(request, request.POST.get("next", ""), reverse("start"))
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    translation.activate(language_choose(wanted=language, council=council_for_request(request)))
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def start(request: HttpRequest) -> HttpResponse:
    return render(request, "platform_core/start.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where someone lands after signing in: their own part of the service."""
    role = request.user.role
    if role == User.Role.OFFICER:
        return redirect("marketplace:console")
    if role == User.Role.PROVIDER:
        return redirect("providers:dashboard")
    if role == User.Role.ADMIN:
        return redirect("admin:index")
    return redirect("residents:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """Your notifications, newest first. They stay "New" until you mark them
    read (a POST): opening the page never writes (docs/decisions/0009-house-rules.md)."""
    if request.method == "POST":
        notification_mark_all_read(user=request.user)
        return redirect("notifications")
    # Newest first, a page at a time without counting them: a long history costs nothing.
    page = window_of(notification_list_for(user=request.user), request)
    unread = any(n.read_at is None for n in page.object_list)
    return render(
        request, "platform_core/notifications.html", {"notifications": page.object_list, "page": page, "unread": unread}
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_contact(request: HttpRequest) -> HttpResponse:
    """How notices reach a provider member or an officer: e-mail, text or both.
    A resident answers this on their profile, where their phone number is."""
    user = request.user
    if user.role == User.Role.RESIDENT:
        return redirect("residents:profile")
    form = AccountContactForm(
        request.POST or None, initial={"notify_by": user.notify_by, "phone": phone_display(user.phone)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_contact_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Your contact preferences are saved.")
            return redirect("notifications")
    return render(request, "platform_core/account_contact.html", {"form": form}, status=400 if form.errors else 200)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001
        return False


def _broker_ok() -> bool:
    from platform_core.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what failed."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not failed else "unavailable", "checks": checks, "failed": failed}
    return JsonResponse(body, status=200 if not failed else 503)


# --- Your data ----------------------------------------------------------------------------------------


ERASE_ATTEMPTS = 5


def personal_data_response(*, user: User) -> HttpResponse:
    """The export as a JSON attachment named for today's date."""
    body = json.dumps(personal_data_export(user=user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"convene-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_data(request: HttpRequest) -> HttpResponse:
    """What Convene holds about you, and a download of all of it."""
    if request.method == "POST" or request.GET.get("download") == "json":
        return personal_data_response(user=request.user)
    try:
        account_erase_check(user=request.user)
        can_erase = True
    except PermissionDenied:
        can_erase = False
    return render(request, "platform_core/account_data.html", {"can_erase": can_erase})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_erase(request: HttpRequest) -> HttpResponse:
    try:
        account_erase_check(user=request.user)
    except PermissionDenied as exc:
        return render(request, "platform_core/account_erase_refused.html", {"message": str(exc)}, status=403)
    form = AccountEraseForm(request.POST or None, user=request.user)
    if request.method == "POST":
        # The password is re-entered here: a borrowed, signed-in browser must not be able to guess it.
        key = f"account-erase-failures:{request.user.pk}"
        failures = cache.get(key, 0)
        if failures >= ERASE_ATTEMPTS:
            form.is_valid()
            form.errors.clear()
            form.add_error(None, "You have entered the wrong password too many times. Try again in 10 minutes.")
        elif form.is_valid():
            account_erase_service(user=request.user, request=request)
            return redirect("account_erased")
        elif "password" in form.errors and request.POST.get("password"):
            cache.set(key, failures + 1, timeout=600)
    return render(request, "platform_core/account_erase.html", {"form": form})


def account_erased(request: HttpRequest) -> HttpResponse:
    return render(request, "platform_core/account_erased.html")


# --- Your API tokens -------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    """Your API tokens, and a form for a new one. The new token is in the
    response to the POST only (never stored in the clear, never shown again)."""
    user = request.user
    form = ApiTokenForm(request.POST or None, lifetimes=tokens.api_token_lifetimes(user=user))
    can_create = not is_privileged(user) or session_passed_two_factor(request)
    if request.method == "POST" and can_create and form.is_valid():
        try:
            token, secret = tokens.api_token_create(
                user=user, name=form.cleaned_data["name"], hours=form.cleaned_data["hours"], request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return render(request, "platform_core/account_token_created.html", {"token": token, "secret": secret})
    return render(
        request,
        "platform_core/account_tokens.html",
        {
            "form": form,
            "tokens": tokens.api_token_list_for(user=user),
            "can_create": can_create,
            "privileged": is_privileged(user),
        },
        status=400 if request.method == "POST" and can_create and form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    token = found_or_404(tokens.api_token_get_for(user=request.user, token_key=token_key))
    if request.method == "POST":
        tokens.api_token_revoke(user=request.user, token=token, request=request)
        messages.success(request, gettext("The token “%(name)s” no longer works.") % {"name": token.name})
        return redirect("account_tokens")
    return render(request, "platform_core/account_token_revoke.html", {"token": token})
