"""Providers and people: pausing a provider, and the audited view of a resident's personal data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from platform_core.models import AuditEvent, User
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record
from providers.models import Provider
from residents.models import Resident

RESIDENT_DATA_VIEWED = "resident.personal_data_viewed"


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


def resident_personal_data_view(
    *, resident: Resident, officer: User, reason: str, request: HttpRequest | None = None
) -> AuditEvent:
    """Record, before anything is shown, that an officer opened a resident's
    personal data and why. Call once per view: each view is its own event."""
    require_officer_of(user=officer, council_id=resident.council_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Enter why you need to see this resident's details"})
    return audit_record(
        actor=officer,
        action=RESIDENT_DATA_VIEWED,
        obj=resident,
        council=resident.council,
        reason=reason[:1000],
        request=request,
    )
