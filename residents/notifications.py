"""Where a resident's notifications go: their profile's contact preference,
registered as platform_core's contact resolver for the RESIDENT audience."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from platform_core.models import Delivery, NotifyBy, User
from platform_core.notifications import Audience, Kind, register
from platform_core.notifications.contacts import ContactRoute, channels_for, mobile_or_blank

from .models import ContactPreference, Resident, is_placeholder_email

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
    # A referred resident who has not claimed their account has no e-mail address of theirs.
    email = "" if is_placeholder_email(user.email) else user.email
    if resident.contact_preference == ContactPreference.LETTER:
        return ContactRoute(channels=frozenset({Delivery.Channel.LETTER}), email=email, phone=phone)
    if resident.contact_preference == ContactPreference.REFERRER:
        # Their referrer gets a copy of every notice (referral_observer) and passes it on.
        return ContactRoute(channels=frozenset(), email=email, phone=phone)
    choice = _AS_NOTIFY_BY.get(resident.contact_preference, NotifyBy.EMAIL)
    return ContactRoute(channels=channels_for(choice, email=email, phone=phone), email=email, phone=phone)


# --- Referrers (ADR 0021) -------------------------------------------------------------
# The words name a council, an organisation or a request's reference: never a
# resident's name, address or number (a text is read on a locked phone).

REFERRER_APPLIED = register(
    Kind(
        code="referrer.applied",
        audience=Audience.OFFICER,
        text=_("%(organisation)s asked to refer residents. Approve or refuse the request in the console."),
        context=lambda *, referrer: {"organisation": referrer.organisation},
        description="To the council's officers: someone asked to be a referrer.",
    )
)
REFERRER_APPROVED = register(
    Kind(
        code="referrer.approved",
        audience=Audience.REFERRER,
        text=_("%(council)s approved you as a referrer for %(organisation)s. You can now refer residents."),
        context=lambda *, referrer: {"council": referrer.council.name, "organisation": referrer.organisation},
        description="To the applicant: approved.",
    )
)
REFERRER_REFUSED = register(
    Kind(
        code="referrer.refused",
        audience=Audience.REFERRER,
        text=_("%(council)s did not approve your request to refer residents. Their reason: %(reason)s"),
        context=lambda *, referrer: {"council": referrer.council.name, "reason": referrer.decision_reason},
        description="To the applicant: refused, with the officer's reason.",
    )
)
REFERRER_WITHDRAWN = register(
    Kind(
        code="referrer.withdrawn",
        audience=Audience.REFERRER,
        text=_(
            "%(council)s withdrew your approval to refer residents. You can no longer see or act for the people "
            "you referred. Their reason: %(reason)s"
        ),
        context=lambda *, referrer: {"council": referrer.council.name, "reason": referrer.decision_reason},
        description="To a referrer: an officer withdrew their approval, with the officer's reason.",
    )
)
REFERRAL_UPDATE = register(
    Kind(
        code="referral.update",
        audience=Audience.REFERRER,
        text=_("About someone you referred: %(message)s"),
        context=lambda *, message: {"message": message},
        description="To a referrer: a copy of what a resident they referred was told.",
    )
)
REFERRAL_CLAIMED = register(
    Kind(
        code="referral.claimed",
        audience=Audience.REFERRER,
        text=_("A person you referred now signs in to manage their own requests."),
        description="To a referrer: the resident claimed their account.",
    )
)


def _day(moment) -> str:
    """A date in words in the active language ("3 March 2027"); a string is kept as it is."""
    if isinstance(moment, str):
        return moment
    return date_format(timezone.localtime(moment), "j F Y")


CLAIM_CODE = register(
    Kind(
        code="referral.claim_code",
        audience=Audience.RESIDENT,
        text=_(
            "Your code to manage your own requests for help is %(code)s. Enter it on the claim page before "
            "%(expires)s. It works once. Nobody from the council will ask you for it."
        ),
        # The date is written in the recipient's language (notify renders in it), not the sender's.
        context=lambda *, code, expires: {"code": code, "expires": _day(expires)},
        description="To a referred resident: the one-time code that lets them claim their account.",
        secret=True,
        text_sent=_("We sent you a code to manage your own requests for help."),
    )
)


def referral_observer(notification, kind, objects) -> None:
    """Every notice to a referred resident is also sent to their referrer, who
    follows the person's requests for them (never a one-time code)."""
    from django.urls import reverse

    from platform_core.notifications import notify

    from .models import Referral, Referrer

    if kind.secret:
        return
    referral = (
        Referral.objects.select_related("referrer__user")
        .filter(resident__user_id=notification.user_id, referrer__status=Referrer.Status.APPROVED)
        .first()
    )
    if referral is None or referral.referrer is None:
        return
    notify(
        kind=REFERRAL_UPDATE,
        user=referral.referrer.user,
        url=reverse("referrals:resident_detail", kwargs={"pk": referral.resident_id}),
        message=notification.message,
    )


def _expired(*, need) -> dict:
    return {"reference": need.reference}


# Told when a request's time passed before anyone could help (issue 9); who to contact is on its page.
NEED_EXPIRED_UNMATCHED = register(
    Kind(
        "need.expired_unmatched",
        Audience.RESIDENT,
        _(
            "We could not find a helper for your request %(reference)s before the time you gave. "
            "You can ask again, or contact the council for other help."
        ),
        _expired,
    )
)
