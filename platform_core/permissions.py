"""Who may do what: the checks shared by pages and the API."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def officer_needs_two_factor(user) -> bool:
    return bool(user.is_authenticated and user.is_officer and not has_two_factor(user))


def officer_required(view):
    """Only a council officer (with two-factor set up, see the middleware) may pass."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_officer:
            raise PermissionDenied("Only council officers can see this page.")
        if officer_needs_two_factor(request.user):
            raise PermissionDenied("Set up two-factor authentication first.")
        return view(request, *args, **kwargs)

    return wrapper


class IsCouncilOfficer(BasePermission):
    message = "Only council officers with two-factor authentication can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.is_officer and has_two_factor(request.user))
