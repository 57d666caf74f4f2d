"""Needs at risk (issue 9): the unmatched needs of the officer's council, most
urgent and longest waiting first, with the reason the last batch gave."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, QuerySet

from matching.models import NeedRisk, UnmatchedReason
from matching.selectors import offers_active_in_council
from platform_core.models import ServiceCategory, User
from providers.models import Offer
from residents.models import Need

from .scope import in_council


def needs_at_risk(*, officer: User, category_id: int | None = None, district: str = "") -> QuerySet[NeedRisk]:
    """Open needs the last batch left unmatched (a fixed number of queries, whatever the rows)."""
    qs = in_council(NeedRisk.objects.filter(need__status=Need.Status.OPEN), officer).select_related("need__category")
    if category_id:
        qs = qs.filter(need__category_id=category_id)
    if district:
        qs = qs.filter(need__postcode__startswith=f"{district.upper()} ")
    return qs.order_by("-need__urgency", "need__posted_at", "need_id")


def need_for_proposal(*, officer: User, need_id: int) -> Need | None:
    """A live need of the officer's council (at risk or not), or None; only an open
    one can be proposed (the service says so)."""
    return (
        in_council(Need.objects.filter(status__in=(Need.Status.OPEN, Need.Status.PROPOSED)), officer)
        .select_related("category", "council", "risk")
        .filter(pk=need_id)
        .first()
    )


def unmet_by_reason(*, officer: User, now: datetime, days: int = 30) -> list[dict]:
    """Needs that expired unmatched in the last `days`, counted by the last reason given."""
    rows = (
        in_council(NeedRisk.objects.all(), officer)
        .filter(need__status=Need.Status.EXPIRED, need__closed_at__gte=now - timedelta(days=days))
        .values("reason")
        .annotate(n=Count("need_id"))
        .order_by("-n", "reason")
    )
    labels = dict(UnmatchedReason.choices)
    return [{**row, "label": labels.get(row["reason"], row["reason"])} for row in rows]


def categories_for_filter(*, officer: User) -> QuerySet[ServiceCategory]:
    return in_council(ServiceCategory.objects.all(), officer).order_by("position", "name")


def offers_for_proposal(*, officer: User, need: Need) -> QuerySet[Offer]:
    """The council's active offers that list the need's kind of help, full ones too
    (the service checks every hard constraint and says which one refuses)."""
    return (
        in_council(offers_active_in_council(council=need.council), officer)
        .filter(categories=need.category_id)
        .order_by("provider__name", "title")
    )
