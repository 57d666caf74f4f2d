"""Personal API tokens a person manages from their account page: create
(shown once), list, revoke. Services and selectors in one small module.

A token is never stronger than the session that made it
(docs/decisions/0014-tokens-and-the-staff-door.md): an officer's or admin's
token can only be created in a session that passed two-factor, it carries that
fact (`ApiToken.two_factor`), and it lasts at most the council's
`officer_token_hours` (a working day by default; `ADMIN_TOKEN_HOURS` for
platform admins). Everyone's tokens expire, at most `API_TOKEN_MAX_DAYS` on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import ApiToken, User
from .permissions import is_privileged, session_passed_two_factor
from .services import audit_record

TOKEN_CREATED = "api_token.created"  # noqa: S105 - audit actions
TOKEN_REVOKED = "api_token.revoked"  # noqa: S105
NEEDS_TWO_FACTOR = gettext_lazy("Sign in with two-factor authentication before you create a token.")


def api_token_max_hours(*, user: User) -> int:
    """The longest a token of this person may last."""
    if user.is_officer and user.council is not None:
        return user.council.officer_token_hours
    if is_privileged(user):
        return settings.ADMIN_TOKEN_HOURS
    return settings.API_TOKEN_MAX_DAYS * 24


def api_token_lifetimes(*, user: User) -> list[tuple[int, str]]:
    """The choices a person is offered, in hours, longest last; the cap is always one of them."""
    cap = api_token_max_hours(user=user)
    offered = [1, 8, 24, 7 * 24, 30 * 24, 90 * 24]
    hours = sorted({h for h in offered if h < cap} | {cap})
    return [(h, _describe_hours(h)) for h in hours]


def _describe_hours(hours: int) -> str:
    """In the language of the page (call while rendering it)."""
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}


@transaction.atomic
def api_token_create(*, user: User, name: str, hours: int, request: HttpRequest) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the token itself, which is never stored or shown again."""
    passed = session_passed_two_factor(request)
    if is_privileged(user) and not passed:
        raise PermissionDenied(NEEDS_TWO_FACTOR)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name for the token, such as the program that will use it")
    elif len(name) > 80:
        errors["name"] = _("The name must be 80 characters or fewer")
    cap = api_token_max_hours(user=user)
    if not isinstance(hours, int) or not 1 <= hours <= cap:
        errors["hours"] = _("Choose how long the token lasts: at most %(longest)s") % {"longest": _describe_hours(cap)}
    if errors:
        raise ValidationError(errors)
    # Lock the person's row so two submissions at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if api_token_list_for(user=user).count() >= settings.API_TOKENS_PER_USER:
        raise ValidationError(
            {
                "name": _("You have %(n)s tokens already. Revoke one you no longer use first")
                % {"n": settings.API_TOKENS_PER_USER}
            }
        )
    token, secret = ApiToken.objects.create(user=user, expiry=timedelta(hours=hours), name=name, two_factor=passed)
    audit_record(
        actor=user,
        action=TOKEN_CREATED,
        data={"token_key": token.token_key, "name": name, "expiry": token.expiry.isoformat(), "two_factor": passed},
        request=request,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken, request: HttpRequest | None = None) -> None:
    """Revoke one of your own tokens: it stops working at once (the row is deleted)."""
    if token.user_id != user.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    deleted, _rows = ApiToken.objects.filter(pk=token.pk, user=user).delete()
    if deleted:
        audit_record(
            actor=user, action=TOKEN_REVOKED, data={"token_key": token.token_key, "name": token.name}, request=request
        )


def api_token_list_for(*, user: User) -> QuerySet[ApiToken]:
    """A person's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def api_token_get_for(*, user: User, token_key: str) -> ApiToken | None:
    return api_token_list_for(user=user).filter(token_key=token_key).first()
