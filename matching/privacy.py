"""A person's matches, messages and reviews, for platform_core.privacy.

Match rows stay for the council's statistics; what the erased person wrote
(message bodies, review comments, cancellation reasons) is blanked, and their
live matches are cancelled with the other party told, without personal data.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from platform_core.models import User
from platform_core.privacy import ERASE_REASON
from platform_core.services import market_changed
from providers.privacy import provider_list_closing_on_erase
from residents.models import Need

from . import notifications as kinds
from .models import LIVE_STATUSES, Arrangement, Match, Message, Review, Visit
from .services import _give_capacity_back, _notify_provider, _notify_resident, _set_need_status
from .services.visits import visits_cancel_from

Party = Match.Party


def _iso(value):
    return value.isoformat() if value is not None else None


def _matches_of(user: User) -> QuerySet[Match]:
    return Match.objects.filter(Q(need__resident__user=user) | Q(offer__provider__members__user=user)).distinct()


def match_data_export(user: User) -> dict:
    matches = list(
        _matches_of(user).select_related("need__resident", "need__category", "offer__provider").order_by("pk")
    )
    ids = [m.pk for m in matches]
    messages = Message.objects.filter(match_id__in=ids).order_by("created_at", "id")
    reviews = Review.objects.filter(match_id__in=ids).order_by("created_at", "id")
    visits = Visit.objects.filter(match_id__in=ids).order_by("starts_at", "id")
    return {
        "matches": [
            {
                "id": m.pk,
                "role": "resident" if m.need.resident.user_id == user.pk else "provider",
                "need_reference": m.need.reference,
                "category": m.need.category.name if m.need.category_id else None,
                "offer_title": m.offer.title,
                "provider_name": m.offer.provider.name,
                "status": m.status,
                "distance_km": m.distance_km,
                "proposed_at": _iso(m.proposed_at),
                "accepted_at": _iso(m.accepted_at),
                "confirmed_at": _iso(m.confirmed_at),
                "completed_at": _iso(m.completed_at),
                "closed_at": _iso(m.closed_at),
                "closed_by": m.closed_by,
                "close_reason": m.close_reason,
            }
            for m in matches
        ],
        "messages": [
            {
                "match_id": msg.match_id,
                "direction": "sent" if msg.sender_id == user.pk else "received",
                "body": msg.body,
                "created_at": _iso(msg.created_at),
            }
            for msg in messages
        ],
        "reviews": [
            {"match_id": r.match_id, "rating": r.rating, "comment": r.comment, "created_at": _iso(r.created_at)}
            for r in reviews
        ],
        # Ongoing help (ADR 0018): every visit of those matches, as recorded and disputed.
        "visits": [
            {
                "match_id": v.match_id,
                "starts_at": _iso(v.starts_at),
                "ends_at": _iso(v.ends_at),
                "status": v.status,
                "reason": v.reason,
                "minutes_spent": v.minutes_spent,
                "disputed_at": _iso(v.disputed_at),
                "dispute_reason": v.dispute_reason,
            }
            for v in visits
        ],
    }


def _cancel_live(match: Match, *, party: str) -> bool:
    """Cancel one live match for erasure: a conditional UPDATE, capacity back if
    it was taken, the need back to the pool (provider leaving) or cancelled
    (resident leaving), and the other party told in words with no names."""
    held_capacity = match.status in (Match.Status.ACCEPTED, Match.Status.CONFIRMED)
    if not Match.objects.filter(pk=match.pk, status=match.status).update(
        status=Match.Status.CANCELLED, closed_at=timezone.now(), closed_by=party, close_reason=ERASE_REASON
    ):
        return False
    if held_capacity:
        _give_capacity_back(offer_id=match.offer_id)
    visits_cancel_from(match=match, moment=timezone.now(), reason=ERASE_REASON, party=party)
    live_need = (Need.Status.PROPOSED, Need.Status.MATCHED)
    if party == Party.RESIDENT:
        _set_need_status(need_id=match.need_id, to=Need.Status.CANCELLED, from_statuses=live_need, reason=ERASE_REASON)
        if match.accepted_at:
            _notify_provider(match, kinds.MATCH_WITHDRAWN_RESIDENT_LEFT)
    else:
        _set_need_status(need_id=match.need_id, to=Need.Status.OPEN, from_statuses=live_need)
        if match.accepted_at:
            _notify_resident(match, kinds.MATCH_WITHDRAWN_HELPER_LEFT)
    return True


def match_data_erase(user: User) -> None:
    """Runs before the providers' and residents' erasers, while the person is
    still a member and a resident. Call inside account_erase."""
    councils: set[int] = set()
    related = ("need__resident__user", "need__category", "offer__provider")
    as_resident = Match.objects.select_related(*related).filter(need__resident__user=user, status__in=LIVE_STATUSES)
    for match in as_resident.order_by("pk"):
        _cancel_live(match, party=Party.RESIDENT)
    closing = provider_list_closing_on_erase(user=user)
    as_provider = Match.objects.select_related(*related).filter(offer__provider__in=closing, status__in=LIVE_STATUSES)
    for match in as_provider.order_by("pk"):
        if _cancel_live(match, party=Party.PROVIDER):
            councils.add(match.council_id)
    Message.objects.filter(sender=user).update(body="")
    # A conversation about a resident's request is about the resident: the
    # helper's side of it (directions, the door, the key) goes with theirs.
    Message.objects.filter(match__need__resident__user=user).update(body="")
    Review.objects.filter(match__need__resident__user=user).update(comment="")
    # Ongoing help: what was written about the resident's visits (by either side) goes with them.
    Visit.objects.filter(match__need__resident__user=user).update(reason="", dispute_reason="")
    Arrangement.objects.filter(match__need__resident__user=user).update(pause_reason="", end_reason="")
    # Reasons the resident typed when they cancelled earlier.
    Match.objects.filter(need__resident__user=user, closed_by=Party.RESIDENT).exclude(close_reason=ERASE_REASON).update(
        close_reason=""
    )
    for council_id in councils:
        market_changed(council_id=council_id)
