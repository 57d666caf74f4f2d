"""The shell's own pages: start, home (routes by role), notifications, health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .models import User
from .selectors import notification_list_for
from .services import notification_mark_all_read


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
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(notification_list_for(user=request.user)[:50])
    notification_mark_all_read(user=request.user)
    return render(request, "platform_core/notifications.html", {"notifications": items})


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
