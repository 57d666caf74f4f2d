"""Finding providers and residents of the council (a resident's details are read through an audited service)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from platform_core.models import User
from providers.models import Offer, Provider
from residents.models import Need, Resident

from .scope import council_id_of, in_council


def provider_search(*, officer: User, q: str = "", status: str = "") -> QuerySet[Provider]:
    qs = in_council(Provider.objects.all(), officer).annotate(
        offer_count=Count("offers", filter=Q(offers__status=Offer.Status.ACTIVE))
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(postcode__istartswith=q))
    if status == "suspended":
        qs = qs.filter(is_suspended=True)
    elif status:
        qs = qs.filter(verification_status=status)
    return qs.order_by("name", "id")


def provider_get(*, officer: User, pk: int) -> Provider | None:
    return in_council(Provider.objects.all(), officer).filter(pk=pk).first()


def provider_detail(*, officer: User, provider: Provider) -> dict:
    if council_id_of(officer) != provider.council_id:
        return {"members": [], "evidence": [], "offers": []}
    return {
        "members": list(provider.members.select_related("user")),
        "evidence": list(provider.evidence.order_by("-submitted_at")),
        "offers": list(provider.offers.prefetch_related("categories").order_by("-created_at")[:50]),
    }


def resident_search(*, officer: User, q: str = "") -> QuerySet[Resident]:
    """Search by name, e-mail, postcode or need reference. Shows no personal
    data beyond what finds the person; the detail page is audited."""
    qs = in_council(Resident.objects.select_related("user"), officer)
    q = (q or "").strip()
    if not q:
        return qs.none()
    return (
        qs.filter(
            Q(user__full_name__icontains=q)
            | Q(preferred_name__icontains=q)
            | Q(user__email__iexact=q)
            | Q(postcode__iexact=q)
            | Q(needs__reference__iexact=q)
        )
        .distinct()
        .order_by("id")
    )


def resident_get(*, officer: User, pk: int) -> Resident | None:
    return in_council(Resident.objects.select_related("user"), officer).filter(pk=pk).first()


def resident_needs(*, officer: User, resident: Resident) -> QuerySet[Need]:
    return in_council(Need.objects.filter(resident=resident), officer).select_related("category")


def providers_for_exclusion(*, officer: User) -> QuerySet[Provider]:
    """The council's providers an officer may exclude for one of its residents."""
    return in_council(Provider.objects.all(), officer).order_by("name", "pk")
