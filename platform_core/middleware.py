"""The second factor on every privileged door: the console, the console API and the admin."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework import exceptions

from .permissions import (
    REFUSED_WITHOUT_TWO_FACTOR,
    TWO_FACTOR_REQUIRED,
    has_two_factor,
    is_privileged,
    session_passed_two_factor,
)

CONSOLE_PREFIXES = ("/console/", "/api/v1/console/")
# Where an officer acts for a resident they assist (ADR 0021): a match's pages and API.
# Officers are never a party to a match otherwise, so for them these are privileged doors.
ACTING_PREFIXES = ("/matches/", "/api/v1/matches/", "/api/v1/visits/", "/api/v1/exclusions/")
ADMIN_PREFIX = "/admin/"
API_PREFIX = "/api/"


class OfficerTwoFactorMiddleware:
    """No officer or staff member reaches a privileged door without having
    passed the second factor in this session, or with a token created after it.

    Lives in middleware (not only in the views' checks) so a console or admin
    URL added later cannot forget it. Pages: someone without an authenticator
    is sent to set one up, someone who has one but signed in without it (a
    session from before they became an officer) is asked for a code. The
    console API: a token is authenticated here (DRF would do it only inside
    the view, after this middleware) and refused unless it was created after
    two-factor; a session without the second factor gets a 403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(CONSOLE_PREFIXES):
            refused = self._refuse_token(request) if "HTTP_AUTHORIZATION" in request.META else None
            if refused is None and request.user.is_authenticated and request.user.is_officer:
                refused = self._refuse_session(request)
            if refused is not None:
                return refused
        elif path.startswith(ACTING_PREFIXES):
            refused = None
            if "HTTP_AUTHORIZATION" in request.META:
                refused = self._refuse_token(request)
            elif request.user.is_authenticated and request.user.is_officer:
                refused = self._refuse_session(request)
            if refused is not None:
                return refused
        elif path.startswith(ADMIN_PREFIX) and is_privileged(request.user):
            refused = self._refuse_session(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse_token(self, request: HttpRequest) -> HttpResponse | None:
        from .api_auth import ApiTokenAuthentication

        try:
            result = ApiTokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            response = JsonResponse({"detail": str(exc.detail)}, status=401)
            response["WWW-Authenticate"] = "Token"
            return response
        if result is None:
            return None
        user, token = result
        if is_privileged(user) and not token.two_factor:
            return JsonResponse({"detail": REFUSED_WITHOUT_TWO_FACTOR}, status=403)
        return None

    def _refuse_session(self, request: HttpRequest) -> HttpResponse | None:
        if session_passed_two_factor(request):
            return None
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": TWO_FACTOR_REQUIRED}, status=403)
        step = "mfa_reauthenticate" if has_two_factor(request.user) else "mfa_activate_totp"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
