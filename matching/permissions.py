"""Who is party to a match: the need's resident, or a member of the offer's provider.

The one place the rule is written. Matching's services re-check through it,
its selectors decide visibility with it, and the marketplace asks it who may
raise a safeguarding concern about a match.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from matching.models import Match
from providers.permissions import is_member
from residents.permissions import may_act_for

Party = Match.Party


def is_provider_side(*, match: Match, user) -> bool:
    """A member of the provider whose offer was matched."""
    return bool(user.is_authenticated) and is_member(user=user, provider_id=match.offer.provider_id)


def is_resident_side(*, match: Match, user) -> bool:
    """The resident whose need was matched, the referrer who acts for them, or an
    officer assisting them on the phone line (ADR 0021). An officer reaches a match
    only through its pages and API, which ask for the second factor first
    (`platform_core.middleware`), and the selectors count them only there."""
    if not user.is_authenticated:
        return False
    resident = match.need.resident
    return resident.user_id == user.pk or may_act_for(user=user, resident=resident)


def party_of(*, match: Match, user) -> str | None:
    """Party.PROVIDER or Party.RESIDENT, or None for anyone else.

    Someone on both sides (a volunteer matched with their own need) acts as the provider.
    """
    if is_provider_side(match=match, user=user):
        return Party.PROVIDER
    if is_resident_side(match=match, user=user):
        return Party.RESIDENT
    return None


def require_provider_side(*, match: Match, user) -> None:
    if not is_provider_side(match=match, user=user):
        raise PermissionDenied("Only the provider can do this.")


def require_resident_side(*, match: Match, user) -> None:
    if not is_resident_side(match=match, user=user):
        raise PermissionDenied("Only the resident can do this.")


def require_party(*, match: Match, user) -> str:
    """The user's side of the match; PermissionDenied for anyone else."""
    party = party_of(match=match, user=user)
    if party is None:
        raise PermissionDenied("You are not part of this match.")
    return party
