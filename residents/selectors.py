"""Reads about residents and needs. Visibility is decided here: a resident sees
their own profile and needs; their referrer and an officer assisting them on
the phone line may manage them too (`residents.permissions`); nobody else."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.models import AnyUser, Council, ServiceCategory, User

from .models import Need, Resident
from .permissions import managed_residents_q


def resident_for_user(*, user: AnyUser) -> Resident | None:
    """The resident profile of a signed-in user, or None."""
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user).first()


def need_list_for(*, user: User) -> QuerySet[Need]:
    """The needs a signed-in resident posted (drafts included), newest first."""
    if not user.is_authenticated or not user.can_be_resident:
        return Need.objects.none()
    return Need.objects.filter(resident__user=user).select_related("category")


def need_get_for(*, user: AnyUser, reference: str) -> Need | None:
    """A need the user may manage, by reference: their own, or one of a resident
    they act for (referred, or assisted on the phone line); None (shown as 404)
    for anyone else's."""
    if not user.is_authenticated:
        return None
    return (
        Need.objects.filter(managed_residents_q(user=user, prefix="resident__"), reference=reference)
        .select_related("category", "resident", "council")
        .first()
    )


def resident_get_managed_by(*, user: AnyUser, pk: int) -> Resident | None:
    """A resident the user acts for (not their own profile), or None."""
    if not user.is_authenticated:
        return None
    return (
        Resident.objects.filter(managed_residents_q(user=user), pk=pk, user__is_active=True)
        .exclude(user=user)
        .select_related("user", "council")
        .first()
    )


def need_list_for_resident(*, user: AnyUser, resident: Resident) -> QuerySet[Need]:
    """The needs of a resident the user may manage (their own or one they act for), newest first."""
    if not user.is_authenticated:
        return Need.objects.none()
    return Need.objects.filter(managed_residents_q(user=user, prefix="resident__"), resident=resident).select_related(
        "category"
    )


def need_draft_latest_for(*, user: User) -> Need | None:
    """The draft the resident touched last: the dashboard offers to continue it."""
    return need_list_for(user=user).filter(status=Need.Status.DRAFT).order_by("-updated_at", "-id").first()


def need_list_open_for_matching(*, council: Council) -> QuerySet[Need]:
    """Every open need of a council, for the matching engine (not for display)."""
    return Need.objects.filter(council=council, status=Need.Status.OPEN).select_related("category")


def category_for_council(*, council: Council, slug: str) -> ServiceCategory | None:
    """Resolve a category slug sent to the API; whether it may be used is the services' rule."""
    return ServiceCategory.objects.filter(council=council, slug=slug).first()


def resident_contact_route_describe(*, resident: Resident) -> str:
    """How a confirmed helper should get in touch, in the reader's language: the
    resident's choice, and for "through the referrer" who to call (name,
    organisation, work phone). Call only where the contact details may be shown."""
    from django.utils.translation import gettext

    from platform_core.phones import phone_display

    from .models import ContactPreference, Referral

    if resident.contact_preference == ContactPreference.REFERRER:
        referral = Referral.objects.select_related("referrer__user").filter(resident=resident).first()
        referrer = referral.referrer if referral else None
        if referrer is not None:
            return gettext("Call via the referrer: %(name)s, %(organisation)s, %(phone)s") % {
                "name": referrer.user.full_name or referrer.user.email,
                "organisation": referrer.organisation,
                "phone": phone_display(referrer.phone),
            }
    return gettext("They prefer: %(choice)s") % {"choice": resident.get_contact_preference_display()}
