"""Letters to post and contacts that could not be reached, for the officers
of the council the person belongs to (a resident's council, or the council of
a provider they are a member of). Personal data: read through the audited
service `contacts_personal_data_view` (marketplace/services/contacts.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from platform_core.models import Delivery, User

from .scope import council_id_of

LIMIT = 200


def contact_deliveries_for(*, officer: User) -> QuerySet[Delivery]:
    """Every letter and failed delivery of people of the officer's council, not yet dealt with."""
    council_id = council_id_of(officer)
    if council_id is None:
        return Delivery.objects.none()
    people = Q(notification__user__council_id=council_id) | Q(
        notification__user__provider_memberships__provider__council_id=council_id
    )
    ids = Delivery.objects.filter(people, handled_at__isnull=True).values("pk")
    return Delivery.objects.filter(pk__in=ids)


def contact_delivery_get(*, officer: User, pk: int) -> Delivery | None:
    return contact_deliveries_for(officer=officer).filter(pk=pk).select_related("notification__user").first()


def contact_problem_counts(*, officer: User) -> dict[str, int]:
    """How many letters and failures wait: no personal data, shown before the reason is asked."""
    qs = contact_deliveries_for(officer=officer)
    return {
        "letters": qs.filter(status=Delivery.Status.TO_POST).count(),
        "failed": qs.filter(status=Delivery.Status.FAILED).count(),
    }


def contact_problem_lists(*, officer: User) -> dict[str, list[Delivery]]:
    """The letters (oldest first) and the failures (with whether another channel reached the person)."""
    reached = Delivery.objects.filter(fallback_of=OuterRef("pk"), status=Delivery.Status.SENT)
    qs = contact_deliveries_for(officer=officer).select_related(
        "notification", "notification__user", "notification__user__resident"
    )
    return {
        "letters": list(qs.filter(status=Delivery.Status.TO_POST).order_by("created_at", "pk")[:LIMIT]),
        "failed": list(
            qs.filter(status=Delivery.Status.FAILED)
            .annotate(reached_otherwise=Exists(reached))
            .order_by("-failed_at", "-pk")[:LIMIT]
        ),
    }
