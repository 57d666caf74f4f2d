"""What verification tells a provider's members: the kinds providers sends
(registered in platform_core's registry by ProvidersConfig.ready)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from platform_core.notifications import Audience, Kind, register


def _evidence(*, evidence) -> dict:
    expires = date_format(evidence.expires_on, "j F Y") if evidence.expires_on else ""
    return {"evidence": evidence.get_kind_display(), "expires_on": expires}


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
            "Your %(evidence)s expires on %(expires_on)s. Send the council up-to-date evidence "
            "before then so your offers stay in the market."
        ),
        _evidence,
    )
)
