"""Regulation: categories, price caps, market rules and weights.

Changes take effect at once. An active offer a new price cap makes
non-compliant is hidden through providers' `offer_hide`, with a reason the
provider reads (lower the price to publish again) — see
docs/decisions/0006-officer-console.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import slugify

from matching.models import Match
from matching.selectors import open_proposals_by_volunteer
from platform_core.models import MarketRule, ServiceCategory, User, default_weights, tier_rank
from platform_core.money import pounds
from platform_core.permissions import require_officer, require_officer_of
from platform_core.services import audit_record, market_changed
from providers.models import Offer, clearances_short_of

LIVE_OFFER = (Offer.Status.ACTIVE, Offer.Status.PAUSED, Offer.Status.PENDING_REVIEW)


def _offers_over_cap(category: ServiceCategory, cap: int | None) -> QuerySet[Offer]:
    if cap is None:
        return Offer.objects.none()
    return (
        Offer.objects.filter(council_id=category.council_id, categories=category, status__in=LIVE_OFFER)
        .priced_above(cap)
        .distinct()
    )


def category_change_preview(*, category: ServiceCategory, price_cap_pence: int | None, safeguarding_tier: str) -> dict:
    """What a change to a category would do, before it is saved."""
    over_cap = _offers_over_cap(category, price_cap_pence)
    over_cap_now = _offers_over_cap(category, category.price_cap_pence)
    newly_over = over_cap.exclude(pk__in=over_cap_now.values("pk")).count() if price_cap_pence is not None else 0
    uncleared = 0
    if tier_rank(safeguarding_tier) > tier_rank(category.safeguarding_tier):
        uncleared = (
            Offer.objects.filter(council_id=category.council_id, categories=category, status=Offer.Status.ACTIVE)
            .filter(provider__clearance__in=clearances_short_of(safeguarding_tier))
            .distinct()
            .count()
        )
    messages = []
    if newly_over:
        messages.append(
            f"This cap would hide {newly_over} active offer{'s' if newly_over != 1 else ''} priced above it."
        )
    if uncleared:
        messages.append(
            f"{uncleared} active offer{'s' if uncleared != 1 else ''} from providers not cleared for this tier "
            "would no longer be proposed for this category."
        )
    return {"offers_over_cap": newly_over, "offers_uncleared": uncleared, "messages": messages}


def _category_snapshot(category: ServiceCategory) -> dict:
    return {
        "name": category.name,
        "description": category.description,
        "safeguarding_tier": category.safeguarding_tier,
        "price_cap_pence": category.price_cap_pence,
        "is_active": category.is_active,
    }


@transaction.atomic
def category_update(
    *,
    category: ServiceCategory,
    officer: User,
    name: str,
    description: str,
    safeguarding_tier: str,
    price_cap_pence: int | None,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> tuple[ServiceCategory, int]:
    """Change a category; hide offers the new cap makes non-compliant.
    Returns the category and how many offers were hidden."""
    from providers.services import offer_hide

    require_officer_of(user=officer, council_id=category.council_id)
    category = ServiceCategory.objects.select_for_update().get(pk=category.pk)
    before = _category_snapshot(category)
    category.name = name
    category.description = description
    category.safeguarding_tier = safeguarding_tier
    category.price_cap_pence = price_cap_pence
    category.is_active = is_active
    category.full_clean()
    category.save(update_fields=["name", "description", "safeguarding_tier", "price_cap_pence", "is_active"])
    hidden = 0
    if price_cap_pence is not None:
        reason = (
            f"The council capped the price of {category.name} at {pounds(price_cap_pence)}. "
            "Lower your price and ask for the offer to be published again."
        )
        for offer in _offers_over_cap(category, price_cap_pence).filter(status=Offer.Status.ACTIVE):
            offer_hide(offer=offer, officer=officer, reason=reason[:300])
            hidden += 1
    audit_record(
        actor=officer,
        action="regulation.category_update",
        obj=category,
        council=category.council,
        data={"before": before, "after": _category_snapshot(category), "offers_hidden": hidden},
        request=request,
    )
    market_changed(council_id=category.council_id)
    return category, hidden


@transaction.atomic
def category_create(
    *,
    officer: User,
    name: str,
    description: str,
    safeguarding_tier: str,
    price_cap_pence: int | None,
    request: HttpRequest | None = None,
) -> ServiceCategory:
    """Add a category to the officer's council (ADR 0006: every console write re-checks the officer)."""
    council_id = require_officer(user=officer)
    base = slugify(name)[:90] or "category"
    slug, n = base, 1
    while ServiceCategory.objects.filter(council_id=council_id, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    category = ServiceCategory(
        council_id=council_id,
        name=name,
        slug=slug,
        description=description,
        safeguarding_tier=safeguarding_tier,
        price_cap_pence=price_cap_pence,
    )
    category.full_clean()
    category.save()
    audit_record(
        actor=officer,
        action="regulation.category_create",
        obj=category,
        data={"before": None, "after": _category_snapshot(category)},
        request=request,
    )
    return category


def market_rule_change_preview(
    *, rule: MarketRule, max_distance_km: Decimal, max_open_proposals_volunteer: int
) -> dict:
    """What a change to the market rules would do, before it is saved."""
    council_id = rule.council_id
    wide_offers = Offer.objects.filter(
        council_id=council_id, status=Offer.Status.ACTIVE, radius_km__gt=max_distance_km
    ).count()
    far_proposals = Match.objects.filter(
        council_id=council_id, status=Match.Status.PROPOSED, distance_km__gt=float(max_distance_km)
    ).count()
    busy_volunteers = sum(
        1 for held in open_proposals_by_volunteer(council_id=council_id).values() if held > max_open_proposals_volunteer
    )
    messages = []
    if wide_offers:
        messages.append(
            f"This distance cap would limit {wide_offers} active offer{'s' if wide_offers != 1 else ''} "
            f"whose radius is wider than {max_distance_km} km."
        )
    if far_proposals:
        messages.append(
            f"{far_proposals} open proposal{'s' if far_proposals != 1 else ''} span more than {max_distance_km} km; "
            "they stand, but no new ones like them will be made."
        )
    if busy_volunteers:
        messages.append(
            f"{busy_volunteers} volunteer{'s' if busy_volunteers != 1 else ''} already hold more open proposals "
            "than the new limit; they get no new ones until they answer."
        )
    return {
        "offers_wider": wide_offers,
        "proposals_further": far_proposals,
        "volunteers_over": busy_volunteers,
        "messages": messages,
    }


def weights_merged(rule: MarketRule, weights: dict[str, float]) -> dict[str, float]:
    """The weights a rule has once `weights` are saved over it: every known
    weight, the rule's own where it set one, the new ones over both."""
    defaults = default_weights()
    kept = {k: v for k, v in (rule.weights or {}).items() if k in defaults}
    return {**defaults, **kept, **weights}


def market_rule_proposed(
    *,
    rule: MarketRule,
    max_distance_km: Decimal,
    response_deadline_hours: int,
    max_open_proposals_volunteer: int,
    weights: dict[str, float],
) -> MarketRule:
    """The rules as `market_rule_update` would save them, as an unsaved row (for a what-if)."""
    return MarketRule(
        council_id=rule.council_id,
        max_distance_km=max_distance_km,
        response_deadline_hours=response_deadline_hours,
        max_open_proposals_volunteer=max_open_proposals_volunteer,
        weights=weights_merged(rule, weights),
    )


def _rule_snapshot(rule: MarketRule) -> dict:
    return {
        "max_distance_km": str(rule.max_distance_km),
        "response_deadline_hours": rule.response_deadline_hours,
        "max_open_proposals_volunteer": rule.max_open_proposals_volunteer,
        "missed_visits_alert_after": rule.missed_visits_alert_after,
        "visit_notice_days": rule.visit_notice_days,
        "urgent_unmatched_alert_hours": rule.urgent_unmatched_alert_hours,
        "weights": dict(rule.weights),
    }


@transaction.atomic
def market_rule_update(
    *,
    rule: MarketRule,
    officer: User,
    max_distance_km: Decimal,
    response_deadline_hours: int,
    max_open_proposals_volunteer: int,
    weights: dict[str, float],
    missed_visits_alert_after: int | None = None,
    visit_notice_days: int | None = None,
    urgent_unmatched_alert_hours: int | None = None,
    request: HttpRequest | None = None,
) -> MarketRule:
    """Save the council's market rules (created with the defaults if the council has none yet).
    The two rules of ongoing help (ADR 0018) are kept as they are when not given."""
    require_officer_of(user=officer, council_id=rule.council_id)
    rule, _ = MarketRule.objects.select_for_update().get_or_create(council_id=rule.council_id)
    unknown = set(weights) - set(default_weights())
    if unknown:
        raise ValidationError({"weights": f"Unknown weights: {', '.join(sorted(unknown))}"})
    if any(w < 0 or w > 10 for w in weights.values()):
        raise ValidationError({"weights": "Each weight must be between 0 and 10"})
    before = _rule_snapshot(rule)
    rule.max_distance_km = max_distance_km
    rule.response_deadline_hours = response_deadline_hours
    rule.max_open_proposals_volunteer = max_open_proposals_volunteer
    if missed_visits_alert_after is not None:
        rule.missed_visits_alert_after = missed_visits_alert_after
    if visit_notice_days is not None:
        rule.visit_notice_days = visit_notice_days
    if urgent_unmatched_alert_hours is not None:
        rule.urgent_unmatched_alert_hours = urgent_unmatched_alert_hours
    rule.weights = weights_merged(rule, weights)
    rule.full_clean()
    rule.save(
        update_fields=[
            "max_distance_km",
            "response_deadline_hours",
            "max_open_proposals_volunteer",
            "missed_visits_alert_after",
            "visit_notice_days",
            "urgent_unmatched_alert_hours",
            "weights",
            "updated_at",
        ]
    )
    audit_record(
        actor=officer,
        action="regulation.market_rule_update",
        obj=rule,
        council=rule.council,
        data={"before": before, "after": _rule_snapshot(rule)},
        request=request,
    )
    market_changed(council_id=rule.council_id)
    return rule
