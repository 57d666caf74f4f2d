"""What the council's market holds about a person, for platform_core.privacy.

Reports a person made are theirs to take away and to erase. Moderation flags
on their needs may quote what they typed (a phone number found in a
description), so their detail is emptied. Safeguarding concerns they raised
are exported but **kept** on erasure: they are the council's safeguarding
record, held under its retention policy and legal duty, not at the request of
whoever raised them (the raiser's account itself is anonymised by platform_core).
"""

from __future__ import annotations

from platform_core.models import User
from platform_core.privacy import row_export
from residents.models import Need

from .models import ModerationFlag, Report, SafeguardingConcern, TargetType


def marketplace_data_export(user: User) -> dict:
    return {
        "reports": [row_export(r, exclude=("reporter",)) for r in Report.objects.filter(reporter=user).order_by("pk")],
        "safeguarding_concerns_raised": [
            {
                "id": c.pk,
                "match": c.match_id,
                "description": c.description,
                "status": c.get_status_display(),
                "raised_at": c.created_at.isoformat(),
            }
            for c in SafeguardingConcern.objects.filter(raised_by=user).order_by("pk")
        ],
    }


def marketplace_data_erase(user: User) -> None:
    Report.objects.filter(reporter=user).update(reason="", reporter=None)
    need_ids = Need.objects.filter(resident__user=user).values_list("pk", flat=True)
    ModerationFlag.objects.filter(target_type=TargetType.NEED, target_id__in=need_ids).update(detail="")
