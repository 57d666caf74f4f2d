"""Who may act for a provider: its members, and among them its owners.

The one place these rules are written; providers' services re-check through
them, views use them to choose what to show, and `matching.permissions`
builds "party to a match" on `is_member`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from providers.models import ProviderMember


def member_role(*, user, provider_id: int) -> str | None:
    """The user's role in the provider (owner or member), or None if they are not in it."""
    if not user.is_authenticated:
        return None
    return ProviderMember.objects.filter(provider_id=provider_id, user=user).values_list("role", flat=True).first()


def is_member(*, user, provider_id: int) -> bool:
    return member_role(user=user, provider_id=provider_id) is not None


def is_owner(*, user, provider_id: int) -> bool:
    return member_role(user=user, provider_id=provider_id) == ProviderMember.Role.OWNER


def require_member(*, user, provider_id: int) -> None:
    if not is_member(user=user, provider_id=provider_id):
        raise PermissionDenied("Only members of this provider can do this.")


def require_owner(*, user, provider_id: int) -> None:
    if not is_owner(user=user, provider_id=provider_id):
        raise PermissionDenied("Only an owner of this provider can do this.")
