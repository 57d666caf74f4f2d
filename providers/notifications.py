"""What verification tells a provider's members: the kinds providers sends
(registered in platform_core's registry by ProvidersConfig.ready)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from platform_core.notifications import Audience, Kind, register


def _evidence(*, evidence) -> dict:
    expires = date_format(evidence.expires_on, "j F Y") if evidence.expires_on else ""
    # Person evidence names whose it is (ADR 0023): every member of the provider is told.
    person = evidence.member.user.display_name if evidence.member_id else ""
    return {"evidence": evidence.get_kind_display(), "expires_on": expires, "person": person}


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
PERSON_EVIDENCE_EXPIRING = register(
    Kind(
        "provider.person_evidence_expiring",
        Audience.PROVIDER,
        _(
            "The %(evidence)s of %(person)s expires on %(expires_on)s. Send the council an up-to-date one "
            "before then, or they can no longer be named to visit people at home."
        ),
        _evidence,
    )
)
EVIDENCE_EXPIRED = register(
    Kind(
        "provider.evidence_expired",
        Audience.PROVIDER,
        _("Your %(evidence)s expired on %(expires_on)s and no longer counts. Send the council up-to-date evidence."),
        _evidence,
    )
)
PERSON_EVIDENCE_EXPIRED = register(
    Kind(
        "provider.person_evidence_expired",
        Audience.PROVIDER,
        _(
            "The %(evidence)s of %(person)s expired on %(expires_on)s. They can no longer be named to visit "
            "people at home, and if nobody else can, your offers have left the market for that help."
        ),
        _evidence,
    )
)


def expiring_kind(evidence) -> Kind:
    """The warning for evidence about to expire: the person's, or the organisation's."""
    return PERSON_EVIDENCE_EXPIRING if evidence.member_id else EVIDENCE_EXPIRING


def expired_kind(evidence) -> Kind:
    return PERSON_EVIDENCE_EXPIRED if evidence.member_id else EVIDENCE_EXPIRED
