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


TWO_FACTOR_REQUIRED = "Only council officers who signed in with two-factor authentication can do this."
REFUSED_WITHOUT_TWO_FACTOR = (
    "This token was not created after two-factor authentication. Sign in with two-factor "
    "authentication and create a new token from your account page."
)


def has_two_factor(user) -> bool:
    """Whether the user has set up an authenticator app (not whether they used it)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def is_privileged(user) -> bool:
    """Council officers and platform staff: the people whose every door needs the second factor."""
    return bool(
        user.is_authenticated
        and (user.is_officer or user.is_staff or user.is_superuser or user.role == user.Role.ADMIN)
    )


def session_passed_two_factor(request) -> bool:
    """Whether this session's sign-in included a second factor.

    allauth records each step of a sign-in in the session
    (`get_authentication_records`): a TOTP or recovery code at login, a
    re-authentication with one, or (our receiver in apps.py) the code that
    activated the authenticator in this session. A password alone, or
    `force_login`, records no "mfa" step.
    """
    from allauth.account.authentication import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def request_passed_two_factor(request) -> bool:
    """The second factor for this request: the token's, if it came with one
    (a token carries whether it was created after two-factor), else the session's."""
    from .models import ApiToken

    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth.two_factor
    return session_passed_two_factor(getattr(request, "_request", request))


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
        if not session_passed_two_factor(request):
            # The middleware sends officers to set up or enter their code first; this is the backstop.
            raise PermissionDenied("Sign in with two-factor authentication first.")
        return view(request, *args, **kwargs)

    return wrapper


class IsCouncilOfficer(BasePermission):
    """A council officer whose session or token passed the second factor
    (having an authenticator is not enough: it must have been used)."""

    message = TWO_FACTOR_REQUIRED

    def has_permission(self, request, view) -> bool:
        if not (request.user.is_authenticated and request.user.is_officer):
            return False
        if not request_passed_two_factor(request):
            self.message = REFUSED_WITHOUT_TWO_FACTOR if request.auth is not None else TWO_FACTOR_REQUIRED
            return False
        return True
