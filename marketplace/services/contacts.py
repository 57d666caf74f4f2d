"""Letters and failed contacts: the officer's side of notifications.

Reading the list shows addresses, phone numbers and e-mail addresses, so it is
audited with a reason, like a resident's details (services/people.py).
Marking a letter posted, or a failure followed up, takes it off the list.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from platform_core.models import AuditEvent, Delivery, User
from platform_core.permissions import require_officer
from platform_core.services import audit_record

from ..selectors.contacts import contact_deliveries_for

CONTACTS_VIEWED = "contacts.personal_data_viewed"
LETTER_POSTED = "contacts.letter_posted"
FAILURE_FOLLOWED_UP = "contacts.failure_followed_up"


def contacts_personal_data_view(
    *, officer: User, reason: str, data: dict | None = None, request: HttpRequest | None = None
) -> AuditEvent:
    """Record, before the list is shown, that an officer opened it and why."""
    require_officer(user=officer)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Enter why you need to see these contact details"})
    return audit_record(actor=officer, action=CONTACTS_VIEWED, reason=reason[:1000], data=data, request=request)


@transaction.atomic
def contact_delivery_handle(*, delivery: Delivery, officer: User, request: HttpRequest | None = None) -> Delivery:
    """A letter posted, or a failed contact followed up (by phone, by post, a new number)."""
    require_officer(user=officer)
    if not contact_deliveries_for(officer=officer).filter(pk=delivery.pk).exists():
        raise PermissionDenied("This is not a contact of your council.")
    changes: dict = {"handled_at": timezone.now(), "handled_by": officer}
    if delivery.status == Delivery.Status.TO_POST:
        changes["status"] = Delivery.Status.POSTED
        action = LETTER_POSTED
    elif delivery.status == Delivery.Status.FAILED:
        action = FAILURE_FOLLOWED_UP
    else:
        raise ValidationError("Only a letter to post or a failed contact can be dealt with here.")
    if not Delivery.objects.filter(pk=delivery.pk, status=delivery.status, handled_at__isnull=True).update(**changes):
        raise ValidationError("Someone has already dealt with this.")
    audit_record(
        actor=officer,
        action=action,
        obj=delivery,
        data={"channel": delivery.channel, "notification_id": delivery.notification_id},
        request=request,
    )
    delivery.refresh_from_db()
    return delivery
