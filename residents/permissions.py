"""Who may act for a resident: one predicate, in the app that owns residents.

A resident acts for themself. Someone else may act for them (post and manage
their needs, see their progress) in exactly two ways (ADR 0021):
- the approved referrer who referred them (`Referral.referrer`), while that
  referrer's approval stands;
- an officer of the resident's council with an assisted-digital access for
  them that has not ended (the phone line), always with a stated reason.
Everyone else is refused, and the selectors answer "not found".
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform_core.models import AnyUser

NOT_YOURS = _("You cannot act for this resident.")


def managed_residents_q(*, user: AnyUser, prefix: str = "", officers: bool = True) -> Q:
    """A filter on residents (or, with prefix "resident__", on rows that have a
    resident) matching those `user` may act for, their own profile included.
    Subqueries, not joins, so no row is repeated; no query runs here. With
    officers=False an officer's assisted access does not count (pages that do
    not check the officer's second factor: matching's)."""
    from .models import AssistedAccess, Referral, Referrer

    if not user.is_authenticated:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}user": user})
    referred = Referral.objects.filter(referrer__user=user, referrer__status=Referrer.Status.APPROVED)
    q |= Q(**{f"{prefix}pk__in": referred.values("resident_id")})
    if officers and user.is_officer:
        assisted = AssistedAccess.objects.filter(
            officer=user, ends_at__gt=timezone.now(), resident__council_id=user.council_id
        )
        q |= Q(**{f"{prefix}pk__in": assisted.values("resident_id")})
    return q


def acts_for_any_resident(*, user: AnyUser) -> bool:
    """Whether `managed_residents_q(user=user, officers=False)` can match anyone: the
    user has a resident profile or is an approved referrer. Index lookups (at most
    two), never a scan of the residents: lists that read one side's index in order
    ask it to leave out a side the user does not have."""
    from .models import Referral, Referrer, Resident

    if not user.is_authenticated:
        return False
    return (
        Resident.objects.filter(user=user).exists()
        or Referral.objects.filter(referrer__user=user, referrer__status=Referrer.Status.APPROVED).exists()
    )


def may_act_for(*, user: AnyUser, resident) -> bool:
    """Whether `user` may act for `resident` (themself, their referrer, an assisting officer)."""
    from .models import Resident

    if not user.is_authenticated or resident is None:
        return False
    if resident.user_id == user.pk:
        return True
    return Resident.objects.filter(managed_residents_q(user=user), pk=resident.pk).exists()


def may_act_for_as_referrer(*, user: AnyUser, resident) -> bool:
    """The resident themself or their approved referrer (not an officer): who may
    answer a proposed helper for them (matching.permissions)."""
    from .models import Resident

    if not user.is_authenticated or resident is None:
        return False
    if resident.user_id == user.pk:
        return True
    return Resident.objects.filter(managed_residents_q(user=user, officers=False), pk=resident.pk).exists()


def require_may_act_for(*, user: AnyUser, resident) -> None:
    """Services re-check what the selectors already scoped."""
    if not may_act_for(user=user, resident=resident):
        raise PermissionDenied(NOT_YOURS)


def acts_for_someone_else(*, user: AnyUser, resident) -> bool:
    """True when the acting person is not the resident (a referrer or an officer)."""
    return bool(user.is_authenticated and resident.user_id != user.pk)
