"""Offers: what a provider posts, within the council's rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from platform_core.availability import is_slot
from platform_core.geo import locate
from platform_core.models import MarketRule, Preference, SafeguardingTier, ServiceCategory, User
from platform_core.money import pounds
from platform_core.permissions import require_officer_of
from platform_core.services import audit_record, market_changed
from platform_core.spoken_languages import language_codes
from providers.models import Offer, Provider, clearance_covers
from providers.permissions import require_member

# Organisations the council trusts to publish without review once verified.
TRUSTED_KINDS = frozenset({Provider.Kind.CARE_FIRM, Provider.Kind.CHARITY})
MAX_CAPACITY = 100
MAX_LANGUAGES = 10

TIER_ADVICE = {
    SafeguardingTier.OPEN: "needs a verified provider. Finish your verification to offer it.",
    SafeguardingTier.ID_CHECKED: "needs an ID check. Add an identity check to offer it.",
    SafeguardingTier.DBS_CHECKED: "needs a DBS check. Add your DBS certificate to offer it.",
    SafeguardingTier.REGULATED_CARE: "needs CQC registration. Only a care firm with an accepted CQC registration "
    "can offer it.",
}


def tier_refusal(category: ServiceCategory) -> str:
    """'Home visits needs a DBS check. Add your DBS certificate to offer it.'"""
    return f"{category.name} {TIER_ADVICE[SafeguardingTier(category.safeguarding_tier)]}"


def _market_rule(provider: Provider) -> MarketRule:
    rule, _ = MarketRule.objects.get_or_create(council_id=provider.council_id)
    return rule


def _clean_offer_terms(
    *,
    provider: Provider,
    categories: Iterable[ServiceCategory],
    postcode: str,
    radius_km: Decimal | float | int,
    capacity: int,
    weekly_slots: Iterable[int],
    languages: Iterable[str],
    preferences_met: Iterable[str],
    cost_type: str,
    price_pence: int,
) -> dict:
    """Every rule an offer must meet, in one place for the web and the API.

    Returns the cleaned values; raises ValidationError keyed by field.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    categories = list(categories)

    if not categories:
        errors.setdefault("categories", []).append("Select at least one kind of help")
    for category in categories:
        if category.council_id != provider.council_id or not category.is_active:
            errors.setdefault("categories", []).append(f"{category.name} is not offered in this council")
        elif not clearance_covers(provider.clearance, category.safeguarding_tier):
            errors.setdefault("categories", []).append(tier_refusal(category))
    cleaned["categories"] = categories

    try:
        place = locate(postcode, within=provider.council)
    except ValidationError as exc:
        errors.setdefault("postcode", []).extend(exc.message_dict["postcode"])
    else:
        cleaned["postcode"] = place.postcode
        cleaned["latitude"], cleaned["longitude"] = place.point.latitude, place.point.longitude

    cap_km = _market_rule(provider).max_distance_km
    try:
        radius = Decimal(str(radius_km)).quantize(Decimal("0.1"))
    except Exception:  # noqa: BLE001 - any unparsable radius is the same mistake
        radius = None
    if radius is None or radius <= 0:
        errors.setdefault("radius_km", []).append("Enter how far you travel, in kilometres, like 5")
    elif radius > cap_km:
        errors.setdefault("radius_km", []).append(
            f"The council's limit is {cap_km.normalize():f} km. Enter a distance of {cap_km.normalize():f} km or less"
        )
    cleaned["radius_km"] = radius

    if not isinstance(capacity, int) or capacity < 1 or capacity > MAX_CAPACITY:
        errors.setdefault("capacity", []).append(
            f"Enter how many people you can help at once, from 1 to {MAX_CAPACITY}"
        )
    cleaned["capacity"] = capacity

    slots = list(weekly_slots)
    if all(is_slot(s) for s in slots):
        slots = sorted(set(slots))
    else:
        errors.setdefault("weekly_slots", []).append("Select times from the list")
    cleaned["weekly_slots"] = slots

    # ISO 639 codes (platform_core.spoken_languages): "Welsh", "cymraeg" and "cy" are one language.
    langs, unknown = language_codes(" ".join(str(raw).split())[:40] for raw in languages)
    for typed in unknown:
        errors.setdefault("languages", []).append(
            gettext("We do not know the language “%(typed)s”. Enter languages like English, Welsh or Polish")
            % {"typed": typed}
        )
    if len(langs) > MAX_LANGUAGES:
        errors.setdefault("languages", []).append(gettext("Enter up to %(n)s languages") % {"n": MAX_LANGUAGES})
    cleaned["languages"] = langs

    prefs = sorted(set(preferences_met))
    if any(p not in Preference.values for p in prefs):
        errors.setdefault("preferences_met", []).append("Select preferences from the list")
    cleaned["preferences_met"] = prefs

    if cost_type not in Offer.CostType.values:
        errors.setdefault("cost_type", []).append("Select whether the help is free or paid")
    elif cost_type == Offer.CostType.FREE:
        price_pence = 0
    elif not price_pence or price_pence <= 0:
        errors.setdefault("price_pence", []).append("Enter a price, like 12.50")
    else:
        unit = "per hour" if cost_type == Offer.CostType.PER_HOUR else "per visit"
        for category in categories:
            if category.price_above_cap(price_pence):
                errors.setdefault("price_pence", []).append(
                    f"The council's cap for {category.name} is {pounds(category.price_cap_pence)} {unit}"
                )
    cleaned["cost_type"] = cost_type
    cleaned["price_pence"] = price_pence or 0

    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def offer_create(
    *,
    provider: Provider,
    user: User,
    title: str,
    description: str,
    categories: Iterable[ServiceCategory],
    capacity: int = 1,
    postcode: str = "",
    radius_km: Decimal | float | int = 5,
    weekly_slots: Iterable[int] = (),
    languages: Iterable[str] = (),
    preferences_met: Iterable[str] = (),
    cost_type: str = Offer.CostType.FREE,
    price_pence: int = 0,
) -> Offer:
    """A member posts an offer. Verified care firms and charities publish at
    once; other kinds wait for an officer (`offer_approve`)."""
    require_member(user=user, provider_id=provider.pk)
    # The page loaded the provider earlier: read the suspension under the row's
    # lock, so one that lands meanwhile is seen (provider_suspend takes it too).
    provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    if provider.is_suspended:
        raise PermissionDenied("The council has suspended this provider, so it cannot post offers.")
    cleaned = _clean_offer_terms(
        provider=provider,
        categories=categories,
        postcode=postcode or provider.postcode,
        radius_km=radius_km,
        capacity=capacity,
        weekly_slots=weekly_slots,
        languages=languages,
        preferences_met=preferences_met,
        cost_type=cost_type,
        price_pence=price_pence,
    )
    trusted = provider.kind in TRUSTED_KINDS and provider.verification_status == Provider.Verification.VERIFIED
    categories = cleaned.pop("categories")
    offer = Offer(
        council_id=provider.council_id,
        provider=provider,
        title=(title or "").strip(),
        description=(description or "").strip(),
        capacity_left=cleaned["capacity"],
        status=Offer.Status.ACTIVE if trusted else Offer.Status.PENDING_REVIEW,
        **cleaned,
    )
    offer.full_clean()
    offer.save()
    offer.categories.set(categories)
    market_changed(council_id=offer.council_id)
    return offer


EDITABLE_FIELDS = (
    "title",
    "description",
    "categories",
    "capacity",
    "postcode",
    "radius_km",
    "weekly_slots",
    "languages",
    "preferences_met",
    "cost_type",
    "price_pence",
)


@transaction.atomic
def offer_update(*, offer: Offer, user: User, **changes: Any) -> Offer:
    """A member edits an offer. Every rule of `offer_create` applies again.

    Capacity in use is kept: capacity_left = new capacity - in use, and the
    capacity cannot go below what is in use. The row is locked so a match
    accepted at the same moment cannot be lost.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}")
    provider = offer.provider
    require_member(user=user, provider_id=provider.pk)
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == Offer.Status.CLOSED:
        raise ValidationError("This offer is closed and cannot be changed.")
    current = {
        "title": locked.title,
        "description": locked.description,
        "categories": list(locked.categories.all()),
        "capacity": locked.capacity,
        "postcode": locked.postcode,
        "radius_km": locked.radius_km,
        "weekly_slots": locked.weekly_slots,
        "languages": locked.languages,
        "preferences_met": locked.preferences_met,
        "cost_type": locked.cost_type,
        "price_pence": locked.price_pence,
    }
    merged = {**current, **changes}
    cleaned = _clean_offer_terms(
        provider=provider, **{k: v for k, v in merged.items() if k not in ("title", "description")}
    )
    in_use = locked.capacity - locked.capacity_left
    if cleaned["capacity"] < in_use:
        raise ValidationError(
            {"capacity": f"{in_use} people are being helped through this offer now. Enter {in_use} or more"}
        )
    categories = cleaned.pop("categories")
    text_changed = (merged["title"], merged["description"]) != (locked.title, locked.description)
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.title = (merged["title"] or "").strip()
    locked.description = (merged["description"] or "").strip()
    locked.capacity_left = cleaned["capacity"] - in_use
    if text_changed and locked.status == Offer.Status.ACTIVE and provider.kind not in TRUSTED_KINDS:
        # What residents read is moderated for kinds the council reviews.
        locked.status = Offer.Status.PENDING_REVIEW
    locked.full_clean()
    # Read under the row lock above; written field by field all the same, so a
    # column this service does not own is never part of its UPDATE.
    locked.save(update_fields=[*cleaned, "title", "description", "capacity_left", "status", "updated_at"])
    if {c.pk for c in categories} != {c.pk for c in current["categories"]}:
        locked.categories.set(categories)
    market_changed(council_id=locked.council_id)
    return locked


def _transition(offer: Offer, *, allowed_from: set[str], to: str, message: str, reason: str = "") -> Offer:
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status not in allowed_from:
        raise ValidationError(message)
    locked.status = to
    locked.status_reason = reason[:300]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    market_changed(council_id=locked.council_id)
    return locked


@transaction.atomic
def offer_pause(*, offer: Offer, user: User) -> Offer:
    require_member(user=user, provider_id=offer.provider_id)
    return _transition(
        offer, allowed_from={Offer.Status.ACTIVE}, to=Offer.Status.PAUSED, message="Only an active offer can be paused."
    )


@transaction.atomic
def offer_resume(*, offer: Offer, user: User) -> Offer:
    require_member(user=user, provider_id=offer.provider_id)
    if offer.provider.is_suspended:
        raise ValidationError("The council has suspended this provider, so its offers cannot be resumed.")
    return _transition(
        offer, allowed_from={Offer.Status.PAUSED}, to=Offer.Status.ACTIVE, message="Only a paused offer can be resumed."
    )


@transaction.atomic
def offer_close(*, offer: Offer, user: User) -> Offer:
    """Close for good. Matches already accepted keep going; nothing new is proposed."""
    require_member(user=user, provider_id=offer.provider_id)
    return _transition(
        offer,
        allowed_from={Offer.Status.PENDING_REVIEW, Offer.Status.ACTIVE, Offer.Status.PAUSED, Offer.Status.HIDDEN},
        to=Offer.Status.CLOSED,
        message="This offer is already closed.",
    )


@transaction.atomic
def offer_approve(*, offer: Offer, officer: User, request: HttpRequest | None = None) -> Offer:
    """An officer publishes an offer waiting for review (or one they had hidden)."""
    require_officer_of(user=officer, council_id=offer.council_id)
    offer = _transition(
        offer,
        allowed_from={Offer.Status.PENDING_REVIEW, Offer.Status.HIDDEN},
        to=Offer.Status.ACTIVE,
        message="Only an offer waiting for review or hidden can be approved.",
    )
    audit_record(actor=officer, action="offer.approve", obj=offer, council=offer.council, request=request)
    return offer


@transaction.atomic
def offer_hide(*, offer: Offer, officer: User, reason: str, request: HttpRequest | None = None) -> Offer:
    """An officer takes an offer off the market; the provider sees the reason."""
    require_officer_of(user=officer, council_id=offer.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter a reason the provider can act on"})
    offer = _transition(
        offer,
        allowed_from={Offer.Status.PENDING_REVIEW, Offer.Status.ACTIVE, Offer.Status.PAUSED},
        to=Offer.Status.HIDDEN,
        message="This offer cannot be hidden.",
        reason=reason,
    )
    audit_record(actor=officer, action="offer.hide", obj=offer, council=offer.council, reason=reason, request=request)
    return offer
