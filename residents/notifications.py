"""Where a resident's notifications go: their profile's contact preference,
registered as platform_core's contact resolver for the RESIDENT audience."""

from __future__ import annotations

from platform_core.models import Delivery, NotifyBy, User
from platform_core.notifications.contacts import ContactRoute, channels_for, mobile_or_blank

from .models import ContactPreference, Resident

_AS_NOTIFY_BY = {
    ContactPreference.EMAIL: NotifyBy.EMAIL,
    ContactPreference.TEXT: NotifyBy.TEXT,
    ContactPreference.BOTH: NotifyBy.BOTH,
    # A phone call is how the helper gets in touch; notices go by e-mail.
    ContactPreference.PHONE: NotifyBy.EMAIL,
}


def resident_contact_route(user: User) -> ContactRoute | None:
    """The route from the resident's profile; None (the account's) without one."""
    resident = Resident.objects.filter(user=user).only("phone", "contact_preference").first()
    if resident is None:
        return None
    phone = mobile_or_blank(resident.phone)
    if resident.contact_preference == ContactPreference.LETTER:
        return ContactRoute(channels=frozenset({Delivery.Channel.LETTER}), email=user.email, phone=phone)
    choice = _AS_NOTIFY_BY.get(resident.contact_preference, NotifyBy.EMAIL)
    return ContactRoute(channels=channels_for(choice, email=user.email, phone=phone), email=user.email, phone=phone)
