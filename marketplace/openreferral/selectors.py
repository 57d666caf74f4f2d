"""What the feed publishes: exactly the offers in the market, and the councils'
active categories as taxonomies. Reads only."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from platform_core.models import Council, ServiceCategory
from providers.models import Offer, Provider
from providers.selectors import offer_list_in_market

from .ids import pk_from_id


def offer_list_published(*, council: Council | None = None) -> QuerySet[Offer]:
    """The offers the feed publishes: exactly those in the market
    (providers.selectors.offer_list_in_market: ACTIVE, capacity left, provider
    VERIFIED and not suspended), of one council or of every council."""
    if council is not None:
        qs = offer_list_in_market(council=council)
    else:
        # Same rule as offer_list_in_market, across councils (a test keeps them equal).
        qs = Offer.objects.filter(
            status=Offer.Status.ACTIVE,
            capacity_left__gt=0,
            provider__verification_status=Provider.Verification.VERIFIED,
            provider__is_suspended=False,
        )
    return (
        qs.select_related("provider", "council")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.filter(is_active=True).order_by("position", "pk"))
        )
        .order_by("pk")
    )


def offer_search(
    *,
    council: Council | None = None,
    text: str = "",
    taxonomy_term_id: str = "",
    taxonomy_id: str = "",
    modified_after: datetime | None = None,
    with_categories: bool = True,
) -> QuerySet[Offer] | None:
    """Published offers narrowed by the ORUK query parameters; None when a
    given id is not one of ours (the caller answers with an empty page).
    with_categories=False skips the categories prefetch (one-to-one shapes)."""
    qs = offer_list_published(council=council)
    if not with_categories:
        qs = qs.prefetch_related(None)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(description__icontains=text))
    if taxonomy_term_id:
        category_pk = pk_from_id("taxonomy_term", taxonomy_term_id)
        if category_pk is None:
            return None
        qs = qs.filter(categories__pk=category_pk, categories__is_active=True)
    if taxonomy_id:
        council_pk = pk_from_id("taxonomy", taxonomy_id)
        if council_pk is None:
            return None
        qs = qs.filter(council_id=council_pk)
    if modified_after is not None:
        qs = qs.filter(Q(updated_at__gte=modified_after) | Q(provider__updated_at__gte=modified_after))
    return qs


def offer_get_published(*, service_id: str) -> Offer | None:
    pk = pk_from_id("service", service_id)
    if pk is None:
        return None
    return offer_list_published().filter(pk=pk).first()


def council_list_for_taxonomies(*, council: Council | None = None) -> QuerySet[Council]:
    qs = Council.objects.order_by("pk")
    if council is not None:
        qs = qs.filter(pk=council.pk)
    return qs.prefetch_related(
        Prefetch("categories", queryset=ServiceCategory.objects.filter(is_active=True).order_by("position", "pk"))
    )


def category_list_for_terms(*, council: Council | None = None, taxonomy_id: str = "") -> QuerySet[ServiceCategory]:
    qs = (
        ServiceCategory.objects.filter(is_active=True)
        .select_related("council")
        .order_by("council_id", "position", "pk")
    )
    if council is not None:
        qs = qs.filter(council=council)
    if taxonomy_id:
        council_pk = pk_from_id("taxonomy", taxonomy_id)
        qs = qs.filter(council_id=council_pk) if council_pk else qs.none()
    return qs


def council_get_for_taxonomy(*, taxonomy_id: str) -> Council | None:
    pk = pk_from_id("taxonomy", taxonomy_id)
    return council_list_for_taxonomies().filter(pk=pk).first() if pk else None


def category_get_for_term(*, term_id: str) -> ServiceCategory | None:
    pk = pk_from_id("taxonomy_term", term_id)
    return category_list_for_terms().filter(pk=pk).first() if pk else None
