"""What the council's console tells people: moderation decisions and new
safeguarding concerns (registered by MarketplaceConfig.ready).

A moderation notice quotes the officer's reason, written for its author; it
names the need by its reference and the offer by its title, nothing more. A
concern's notice says nothing of whom it is about.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from platform_core.notifications import Audience, Kind, register

RESIDENT, PROVIDER = Audience.RESIDENT, Audience.PROVIDER


def _need(*, need, reason: str = "") -> dict:
    return {"reference": need.reference, "reason": reason}


def _offer(*, offer, reason: str = "") -> dict:
    return {"title": offer.title, "reason": reason}


NEED_HIDDEN = register(
    Kind("moderation.need_hidden", RESIDENT, _("The council has hidden your request %(reference)s: %(reason)s"), _need)
)
NEED_RESTORED = register(
    Kind("moderation.need_restored", RESIDENT, _("The council has published your request %(reference)s again."), _need)
)
NEED_CHANGES_REQUESTED = register(
    Kind(
        "moderation.need_changes_requested",
        RESIDENT,
        _("The council asks you to change your request %(reference)s: %(reason)s"),
        _need,
    )
)
OFFER_HIDDEN = register(
    Kind("moderation.offer_hidden", PROVIDER, _("The council has hidden your offer “%(title)s”: %(reason)s"), _offer)
)
OFFER_RESTORED = register(
    Kind("moderation.offer_restored", PROVIDER, _("The council has published your offer “%(title)s” again."), _offer)
)
OFFER_CHANGES_REQUESTED = register(
    Kind(
        "moderation.offer_changes_requested",
        PROVIDER,
        _("The council asks you to change your offer “%(title)s”: %(reason)s"),
        _offer,
    )
)
CONCERN_RAISED = register(
    Kind("safeguarding.concern_raised", Audience.OFFICER, _("A new safeguarding concern was raised."), lambda: {})
)
