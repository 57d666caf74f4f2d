"""The council's categories and market rules."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.models import MarketRule, ServiceCategory, User

from .scope import council_id_of, in_council


def category_list(*, officer: User) -> QuerySet[ServiceCategory]:
    return in_council(ServiceCategory.objects.all(), officer).order_by("position", "name")


def category_get(*, officer: User, pk: int) -> ServiceCategory | None:
    return category_list(officer=officer).filter(pk=pk).first()


def market_rule_get(*, officer: User) -> MarketRule | None:
    """The council's market rules; a council that never saved any has the
    defaults (an unsaved row: reading the rules never writes them)."""
    council_id = council_id_of(officer)
    if council_id is None:
        return None
    return MarketRule.objects.filter(council_id=council_id).first() or MarketRule(council_id=council_id)
