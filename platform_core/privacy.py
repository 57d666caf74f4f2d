"""A person's own data: export all of it, or erase the account.

platform_core knows nothing of the apps above it, so each app registers an
exporter and an eraser for the personal data it holds (from its
`AppConfig.ready()`). Export calls every exporter; erase calls every eraser in
one transaction and then anonymises the User row itself. Rows that other
people or the council's statistics rely on (needs, matches, messages) are
kept but emptied of personal data (DESIGN.md, "Privacy and safeguarding").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiToken, Notification, User
from .services import audit_record
from .sessions import SessionStore

ERASED_DOMAIN = "erased.invalid"
ERASE_REASON = "Account erased"
OFFICER_REFUSAL = "Council officers cannot erase their own account here. Ask your council's administrator to close it."


@dataclass(frozen=True)
class _Section:
    export: Callable[[User], Any]
    erase: Callable[[User], None]


_registry: dict[str, _Section] = {}


def register(*, section: str, export: Callable[[User], dict | list], erase: Callable[[User], None]) -> None:
    """Add an app's exporter and eraser. Registering a section twice replaces it
    (so a reloaded AppConfig does not run an eraser twice)."""
    if section == "account":
        raise ValueError("'account' is platform_core's own section.")
    _registry[section] = _Section(export=export, erase=erase)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def row_export(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict:
    """A model row's own columns as JSON-ready values (dates as ISO 8601,
    foreign keys as ids), for exporters that hand a person back what they typed."""
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
            value = str(value)
        out[field.attname] = value
    return out


def _account_export(user: User) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "council": user.council.name if user.council_id else None,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "phone": user.phone,
        "notify_by": user.notify_by,
        "notifications": [
            {
                "message": n.message,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
                "deliveries": [
                    {
                        "channel": d.channel,
                        "to": d.to,
                        "status": d.status,
                        "sent_at": _iso(d.sent_at),
                        "failed_at": _iso(d.failed_at),
                        "error": d.error,
                    }
                    for d in n.deliveries.all()
                ],
            }
            for n in Notification.objects.filter(user=user).prefetch_related("deliveries").order_by("created_at", "id")
        ],
        # What a person can see of their tokens on the account page; the digest is a secret's hash, not theirs to read.
        "api_tokens": [
            {
                "name": t.name,
                "created": _iso(t.created),
                "expiry": _iso(t.expiry),
                "last_used_at": _iso(t.last_used_at),
                "two_factor": t.two_factor,
            }
            for t in ApiToken.objects.filter(user=user).order_by("created")
        ],
    }


def personal_data_export(*, user: User) -> dict:
    """Everything Convene holds about `user`, as JSON-ready data."""
    data: dict[str, Any] = {"generated_at": timezone.now().isoformat(), "account": _account_export(user)}
    for section, entry in _registry.items():
        data[section] = entry.export(user)
    return data


def _sessions_delete(user: User) -> int:
    """Delete the user's database sessions (signed out on every device).

    Sessions store the user id only inside their encoded data, so each live
    session is decoded; erasure is rare enough for that to be fine.
    """
    pk = str(user.pk)
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(s.get_decoded().get("_auth_user_id")) == pk
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    # Their cached copies too (platform_core.sessions reads through the cache).
    cache.delete_many([SessionStore.cache_key_prefix + key for key in doomed])
    return len(doomed)


def account_erase_check(*, user: User) -> None:
    """Raise PermissionDenied for accounts that may not be erased here."""
    if user.role in (User.Role.OFFICER, User.Role.ADMIN) or user.is_staff or user.is_superuser:
        raise PermissionDenied(OFFICER_REFUSAL)


@transaction.atomic
def account_erase(*, user: User, request: HttpRequest | None = None) -> None:
    """Erase a resident's or provider member's account.

    Every registered eraser runs first (they may need the user's relations),
    then the User row is anonymised rather than deleted, so needs, matches and
    messages keep their shape for the council's statistics.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    account_erase_check(user=user)
    if not user.is_active:
        raise ValidationError("This account has already been erased.")
    role = user.role
    council = user.council if user.council_id else None
    # The apps register in INSTALLED_APPS order (residents, providers, matching):
    # erase in reverse, so matching still sees who is party to a match and which
    # memberships the person held before the apps below remove them.
    for entry in reversed(list(_registry.values())):
        entry.erase(user)

    user.email = f"erased-{user.pk}@{ERASED_DOMAIN}"
    user.full_name = ""
    user.phone = ""
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["email", "full_name", "phone", "password", "is_active"])
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    _sessions_delete(user)
    # No personal data in the audit row: the actor is the anonymised account
    # (its e-mail is already erased-<pk>@...) and the request's address is not recorded.
    audit_record(actor=user, action="account.erased", obj=user, council=council, data={"role": role})
    if request is not None:
        logout(request)
