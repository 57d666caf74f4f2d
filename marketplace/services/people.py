"""Providers and people: pausing a provider, and the reason an officer gives to see residents' personal data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from platform_core.models import User
from platform_core.permissions import require_officer_of
from providers.models import Provider
from residents.models import Resident

REASON_MIN_LENGTH = 5


@transaction.atomic
def provider_pause(
    *,
    provider: Provider,
    officer: User,
    reason: str,
    include_confirmed: bool = False,
    request: HttpRequest | None = None,
) -> int:
    """Take a provider out of the market at once and withdraw its open proposals.

    The reason is stored on the provider and shown to them, so it must never
    disclose a safeguarding concern. `include_confirmed` also cancels confirmed
    matches (a safeguarding pause). Returns how many matches were withdrawn.
    `provider_suspend` checks the officer first, inside this transaction.
    """
    from matching.services import match_withdraw_for_provider
    from providers.services import provider_suspend

    provider_suspend(provider=provider, officer=officer, reason=reason, request=request)
    return match_withdraw_for_provider(
        provider=provider, reason=reason, officer=officer, include_confirmed=include_confirmed
    )


def resident_view_reason(*, officer: User, reason: str, resident: Resident | None = None) -> str:
    """The officer's reason for seeing residents' personal data (one resident's
    record, or the results of a search), checked and cleaned.

    Nothing is written here: the response that shows the data writes one
    AuditEvent per resident it shows, with this reason, before it leaves
    (`platform_core.disclosure`, ADR 0015).
    """
    require_officer_of(user=officer, council_id=resident.council_id if resident else officer.council_id)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        what = "this resident's details" if resident else "these residents"
        raise ValidationError({"reason": f"Enter why you need to see {what}"})
    return reason[:1000]
