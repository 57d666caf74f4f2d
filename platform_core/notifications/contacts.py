"""Where a person's notifications go: their contact route for an audience.

A resident's choice lives on their profile (residents registers a resolver for
the RESIDENT audience); provider members and officers choose on their account
(`User.notify_by`, `User.phone`), which is the default for every audience
without a resolver. platform_core never imports the apps above it: they
register here from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from platform_core.models import Delivery, NotifyBy, User
from platform_core.phones import phone_is_mobile, phone_normalise_stored

Channel = Delivery.Channel


@dataclass(frozen=True)
class ContactRoute:
    """The channels chosen (beyond in-app) and the addresses known.

    `email` and `phone` are known addresses whether or not chosen: a failed
    text falls back to the e-mail address and a failed e-mail to the phone.
    `phone` is E.164 and only set when it can take texts.
    """

    channels: frozenset[str]
    email: str = ""
    phone: str = ""

    def address(self, channel: str) -> str:
        if channel == Channel.EMAIL:
            return self.email
        if channel == Channel.SMS:
            return self.phone
        return ""


NOWHERE = ContactRoute(channels=frozenset())
Resolver = Callable[[User], "ContactRoute | None"]
_resolvers: dict[str, Resolver] = {}


def register_contact_resolver(*, audience: str, resolver: Resolver) -> None:
    """Let an app decide the route for one audience; returning None means "use the account's"."""
    _resolvers[audience] = resolver


def mobile_or_blank(phone: str) -> str:
    """The number in E.164 if it can take texts, else ''."""
    return phone_normalise_stored(phone) if phone and phone_is_mobile(phone) else ""


def channels_for(choice: str, *, email: str, phone: str) -> frozenset[str]:
    """E-mail, text or both; a text without a mobile number becomes an e-mail."""
    wanted = {
        NotifyBy.EMAIL: {Channel.EMAIL},
        NotifyBy.TEXT: {Channel.SMS},
        NotifyBy.BOTH: {Channel.EMAIL, Channel.SMS},
    }.get(choice, {Channel.EMAIL})
    if Channel.SMS in wanted and not phone:
        wanted = (wanted - {Channel.SMS}) | {Channel.EMAIL}
    if not email:
        wanted = wanted - {Channel.EMAIL}
    return frozenset(wanted)


def account_contact_route(user: User) -> ContactRoute:
    """The route from the account: `User.notify_by` with `User.phone`."""
    if not user.is_active:
        return NOWHERE
    phone = mobile_or_blank(user.phone)
    return ContactRoute(
        channels=channels_for(user.notify_by, email=user.email, phone=phone), email=user.email, phone=phone
    )


def contact_route_for(*, user: User, audience: str) -> ContactRoute:
    if not user.is_active:
        return NOWHERE
    resolver = _resolvers.get(audience)
    route = resolver(user) if resolver is not None else None
    return route if route is not None else account_contact_route(user)
