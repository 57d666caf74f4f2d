"""The Django admin behind the same door as everyone else (ADR 0014).

Its own password form is gone: /admin/login/ sends people to allauth's sign-in,
which has the rate limits, the lock-out after repeated failures and the second
factor. An admin page needs a staff account whose session passed two-factor
(the middleware sends anyone else to set it up or to enter a code first).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .disclosure import purpose_set
from .permissions import session_passed_two_factor


class ConveneAdminSite(admin.AdminSite):
    site_header = "Convene administration"
    site_title = "Convene administration"

    def admin_view(self, view, cacheable=False):
        """Every admin page records its purpose: the personal data it shows is
        audited against the page, by `platform_core.disclosure` (ADR 0015)."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def with_purpose(request: HttpRequest, *args, **kwargs):
            match = request.resolver_match
            purpose_set(request, f"Platform administration: {match.url_name if match else request.path}")
            return inner(request, *args, **kwargs)

        return with_purpose

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and session_passed_two_factor(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not staff (staff without the second factor never get here: the middleware).
            raise PermissionDenied("The administration pages are for platform staff only.")
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), login_url=reverse("account_login"))
