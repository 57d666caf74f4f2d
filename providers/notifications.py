"""What verification tells a provider's members: the kinds providers sends
(registered in platform_core's registry by ProvidersConfig.ready)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from platform_core.notifications import Audience, Kind, register


def _evidence(*, evidence) -> dict:
    expires = date_format(evidence.expires_on, "j F Y") if evidence.expires_on else ""
    # Person evidence names whose it is: every member of the provider is told.
    member = evidence.member if evidence.member_id else None
    whose = f"{member.user.display_name}'s" if member is not None else "your"
    return {"evidence": evidence.get_kind_display(), "expires_on": expires, "Whose": whose[0].upper() + whose[1:]}


EVIDENCE_ACCEPTED = register(
    Kind("provider.evidence_accepted", Audience.PROVIDER, _("The council accepted your %(evidence)s."), _evidence)
)
EVIDENCE_REJECTED = register(
    Kind(
        "provider.evidence_rejected",
        Audience.PROVIDER,
        _("The council could not accept your %(evidence)s."),
        _evidence,
    )
)
EVIDENCE_EXPIRING = register(
    Kind(
        "provider.evidence_expiring",
        Audience.PROVIDER,
        _(
            "%(Whose)s %(evidence)s expires on %(expires_on)s. Send the council up-to-date evidence "
            "before then so your offers stay in the market."
        ),
        _evidence,
    )
)
EVIDENCE_EXPIRED = register(
    Kind(
        "provider.evidence_expired",
        Audience.PROVIDER,
        _(
            "%(Whose)s %(evidence)s expired on %(expires_on)s and no longer counts. Offers that needed it "
            "have left the market for that kind of help until the council accepts up-to-date evidence."
        ),
        _evidence,
    )
)
