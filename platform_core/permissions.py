"""Who may do what: the role checks shared by pages, the API and services.

One predicate per rule, in the lowest layer that owns the data it reads. The
officer rule reads only the user (role and council), so it lives here; the
rules that read other apps' rows live with those rows:
`providers.permissions` (member and owner of a provider) and
`matching.permissions` (party to a match). Views use these to choose a page,
and every service re-checks through them once (docs/decisions/0006-officer-console.md).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

OFFICER_OF_COUNCIL_ONLY = "Only an officer of this council can do this."


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def officer_needs_two_factor(user) -> bool:
    return bool(user.is_authenticated and user.is_officer and not has_two_factor(user))


def is_officer_of(*, user, council_id: int | None) -> bool:
    """A signed-in council officer of this council (an officer of another council is not)."""
    return bool(user.is_authenticated and user.is_officer and council_id is not None and user.council_id == council_id)


def require_officer_of(*, user, council_id: int | None) -> None:
    """Services re-check what the selectors already scoped: a bug in a page must
    not let one council's officer act on another council's rows."""
    if not is_officer_of(user=user, council_id=council_id):
        raise PermissionDenied(OFFICER_OF_COUNCIL_ONLY)


def require_officer(*, user) -> int:
    """For writes in the officer's own council (a new category, a word for the
    list): the user must be an officer; returns their council's id."""
    if not (user.is_authenticated and user.is_officer and user.council_id is not None):
        raise PermissionDenied(OFFICER_OF_COUNCIL_ONLY)
    council_id: int = user.council_id
    return council_id


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
