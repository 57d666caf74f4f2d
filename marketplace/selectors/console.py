"""The console's home page counts and the audit log: reads with no service of their own."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from platform_core.models import AuditEvent, User
from providers.models import Offer, VerificationEvidence

from ..models import (
    ModerationFlag,
    SafeguardingConcern,
)
from .scope import council_id_of, in_council


def audit_list(
    *,
    officer: User,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = in_council(AuditEvent.objects.all(), officer)
    if actor:
        qs = qs.filter(actor_email__icontains=actor.strip())
    if action:
        qs = qs.filter(action__istartswith=action.strip())
    if object_type:
        qs = qs.filter(object_type__iexact=object_type.strip())
    if object_id:
        qs = qs.filter(object_id=object_id.strip())
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    # Officers see who of their colleagues did what; a resident or provider member
    # acting (raising a concern) is shown by account number, not by address.
    staff = Q(actor__role__in=[User.Role.OFFICER, User.Role.ADMIN]) | Q(actor__is_staff=True)
    return qs.annotate(actor_is_staff=ExpressionWrapper(staff, output_field=BooleanField())).order_by(
        "-created_at", "-id"
    )


def audit_actor_label(event: AuditEvent) -> str:
    """Who did it, as the audit log shows it: a colleague's e-mail address, a
    resident's or provider member's account number, or "System"."""
    if getattr(event, "actor_is_staff", False):
        return event.actor_email
    if event.actor_id is not None:
        return f"Account {event.actor_id}"
    return "A closed account" if event.actor_email else "System"


def console_counts(*, officer: User) -> dict[str, int]:
    """The numbers on the console's home page: what is waiting in each queue."""
    council_id = council_id_of(officer)
    if council_id is None:
        return {"evidence": 0, "flags": 0, "pending_offers": 0, "concerns": 0}
    return {
        "evidence": VerificationEvidence.objects.filter(
            provider__council_id=council_id, status=VerificationEvidence.Status.SUBMITTED
        ).count(),
        "flags": ModerationFlag.objects.filter(council_id=council_id, status=ModerationFlag.Status.OPEN)
        .values("target_type", "target_id")
        .distinct()
        .count(),
        "pending_offers": Offer.objects.filter(council_id=council_id, status=Offer.Status.PENDING_REVIEW).count(),
        "concerns": SafeguardingConcern.objects.filter(council_id=council_id)
        .exclude(status=SafeguardingConcern.Status.CLOSED)
        .count(),
    }
