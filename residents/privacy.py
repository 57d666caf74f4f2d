"""A resident's own data, for platform_core.privacy: export it all, or erase it.

Needs are kept for the council's statistics (category, dates, district,
status) but lose everything the resident typed.
"""

from __future__ import annotations

from django.utils import timezone

from platform_core.geo import coarsen
from platform_core.models import OutcodeCentroid, User
from platform_core.privacy import ERASE_REASON, row_export
from platform_core.services import market_changed

from .models import CANCELLABLE_STATUSES, ClaimCode, ConsentRecord, Need, Referral, Referrer, Resident


def _district(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""


def _coarse_point(district: str, lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """The district's centroid, or the point rounded to about 1 km if we have none."""
    centroid = OutcodeCentroid.objects.filter(outcode=district).first() if district else None
    if centroid is not None:
        return centroid.latitude, centroid.longitude
    if lat is None or lon is None:
        return lat, lon
    return coarsen(lat, lon)


def _referrals_export(user: User, resident: Resident | None) -> dict:
    """Who referred the resident and the consent they gave; the person's own referrer standing."""
    referral = Referral.objects.filter(resident=resident).select_related("referrer").first() if resident else None
    return {
        "referral": {
            "referrer_organisation": referral.referrer.organisation if referral and referral.referrer else None,
            "by_council_officer": bool(referral and referral.referrer is None),
            "created_at": referral.created_at.isoformat() if referral else None,
            "claimed_at": referral.claimed_at.isoformat() if referral and referral.claimed_at else None,
        }
        if referral
        else None,
        "consents": [
            row_export(c, exclude=("id", "resident", "recorded_by"))
            for c in (ConsentRecord.objects.filter(resident=resident).order_by("recorded_at") if resident else [])
        ],
        "referrer_roles": [
            {**row_export(r, exclude=("id", "user", "decided_by")), "council_name": r.council.name}
            for r in Referrer.objects.filter(user=user).select_related("council").order_by("created_at")
        ],
    }


def resident_data_export(user: User) -> dict:
    resident = Resident.objects.filter(user=user).first()
    if resident is None:
        return {"profile": None, "needs": [], **_referrals_export(user, None)}
    needs = Need.objects.filter(resident=resident).select_related("category").order_by("created_at", "id")
    return {
        **_referrals_export(user, resident),
        "profile": row_export(resident, exclude=("id", "user")),
        "needs": [
            {
                **row_export(need, exclude=("resident",)),
                "category_name": need.category.name if need.category_id else None,
            }
            for need in needs
        ],
    }


def resident_data_erase(user: User) -> None:
    """Blank the profile's personal fields and every need's free text; cancel
    needs still waiting. Call inside platform_core.privacy.account_erase."""
    # Someone erased as a referrer stops being one; the residents they referred keep their referral.
    Referrer.objects.filter(user=user).update(phone="", status=Referrer.Status.REFUSED, decision_reason=ERASE_REASON)
    resident = Resident.objects.select_for_update().filter(user=user).first()
    if resident is None:
        return
    # That consent was recorded stays (when, how); who gave it and the words go.
    ConsentRecord.objects.filter(resident=resident).update(given_by="", agreed_to="")
    ClaimCode.objects.filter(resident=resident).delete()
    now = timezone.now()
    district = _district(resident.postcode)
    resident.latitude, resident.longitude = _coarse_point(district, resident.latitude, resident.longitude)
    resident.postcode = district
    for name in ("preferred_name", "address_line_1", "address_line_2", "town", "phone"):
        setattr(resident, name, "")
    resident.accessibility_needs = ""
    resident.vulnerability_notes = ""
    resident.language_note = ""
    resident.consent_share_details = False
    resident.save(
        update_fields=[
            "language_note",
            "preferred_name",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "latitude",
            "longitude",
            "phone",
            "accessibility_needs",
            "vulnerability_notes",
            "consent_share_details",
            "updated_at",
        ]
    )
    council_ids = set()
    for need in Need.objects.select_for_update().filter(resident=resident).order_by("pk"):
        need_district = _district(need.postcode)
        need.latitude, need.longitude = _coarse_point(need_district, need.latitude, need.longitude)
        need.postcode = need_district
        need.title = ""
        need.description = ""
        need.accessibility = ""
        need.preferences = []
        need.language = ""
        need.language_note = ""
        # A reason the resident typed goes; the one a match cancelled for erasure stays.
        need.status_reason = ERASE_REASON if need.status_reason == ERASE_REASON else ""
        if need.status in CANCELLABLE_STATUSES:
            if need.status != Need.Status.DRAFT:
                council_ids.add(need.council_id)
            need.status = Need.Status.CANCELLED
            need.status_reason = ERASE_REASON
            need.closed_at = now
        need.save(
            update_fields=[
                "postcode",
                "latitude",
                "longitude",
                "title",
                "description",
                "accessibility",
                "preferences",
                "language",
                "language_note",
                "status",
                "status_reason",
                "closed_at",
                "updated_at",
            ]
        )
    for council_id in council_ids:
        market_changed(council_id=council_id)
