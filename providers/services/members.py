"""Registering a provider and the people who act for it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from platform_core.geo import locate
from platform_core.models import User
from platform_core.phones import phone_normalise
from platform_core.services import task_send_on_commit
from providers.models import Provider, ProviderInvitation, ProviderMember
from providers.permissions import require_owner
from providers.services.verification import provider_recompute_clearance

INVITATION_DAYS = 14
INVITATION_EMAIL_TASK = "providers.tasks.invitation_email_send_task"
PROFILE_FIELDS = ("name", "description", "email", "phone", "website", "postcode")


@transaction.atomic
def provider_register(
    *,
    user: User,
    kind: str,
    name: str,
    email: str,
    postcode: str,
    description: str = "",
    phone: str = "",
    website: str = "",
) -> Provider:
    """Register an organisation or a volunteer; the user becomes its owner.

    The provider belongs to the council whose districts hold its base postcode.
    """
    if user.role in (User.Role.OFFICER, User.Role.ADMIN):
        raise PermissionDenied("Council officers and admins cannot register as a provider.")
    place = locate(postcode)
    try:
        phone = phone_normalise(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    provider = Provider(
        kind=kind,
        name=(name or "").strip(),
        description=(description or "").strip(),
        email=(email or "").strip(),
        phone=phone,
        website=(website or "").strip(),
        verification_status=Provider.Verification.UNVERIFIED,
        clearance="",
        council=place.council,
        postcode=place.postcode,
        latitude=place.point.latitude,
        longitude=place.point.longitude,
    )
    provider.full_clean()
    provider.save()
    ProviderMember.objects.create(provider=provider, user=user, role=ProviderMember.Role.OWNER)
    if user.role != User.Role.PROVIDER:
        user.role = User.Role.PROVIDER
        user.save(update_fields=["role"])
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, user: User, **changes: str) -> Provider:
    """An owner edits the profile. The base postcode must stay in the same council.

    The row is locked and read afresh, and only the profile fields are written:
    an officer's suspension, an evidence decision or a new rating that lands
    while the owner had the form open is never written back over
    (providers/tests/test_races.py races this against a suspension).
    """
    require_owner(user=user, provider_id=provider.pk)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}")
    provider.refresh_from_db(from_queryset=Provider.objects.select_for_update())
    written: list[str] = []
    if "postcode" in changes and changes["postcode"] != provider.postcode:
        place = locate(changes["postcode"], within=provider.council)
        provider.postcode, provider.latitude, provider.longitude = (
            place.postcode,
            place.point.latitude,
            place.point.longitude,
        )
        written += ["postcode", "latitude", "longitude"]
    if "phone" in changes:
        try:
            changes["phone"] = phone_normalise(changes["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    for field, value in changes.items():
        if field != "postcode":
            setattr(provider, field, (value or "").strip())
            written.append(field)
    provider.full_clean()
    if written:
        provider.save(update_fields=[*written, "updated_at"])
    return provider


@transaction.atomic
def invitation_create(*, provider: Provider, user: User, email: str) -> ProviderInvitation:
    """An owner invites a colleague by e-mail; the link is mailed after commit."""
    require_owner(user=user, provider_id=provider.pk)
    if provider.kind == Provider.Kind.VOLUNTEER:
        raise ValidationError("An individual volunteer cannot add members. Register an organisation instead.")
    email = User.objects.normalize_email((email or "").strip()).lower()
    invitation = ProviderInvitation(provider=provider, email=email, invited_by=user)
    invitation.full_clean(exclude=["token"])
    if ProviderMember.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member"})
    pending = ProviderInvitation.objects.filter(
        provider=provider,
        email__iexact=email,
        accepted_at__isnull=True,
        created_at__gte=timezone.now() - timedelta(days=INVITATION_DAYS),
    )
    if pending.exists():
        raise ValidationError({"email": f"{email} has already been invited"})
    invitation.save()
    task_send_on_commit(INVITATION_EMAIL_TASK, invitation.pk)
    return invitation


def invitation_email_send(*, invitation_id: int) -> bool:
    """Mail an invitation that has not been mailed yet; False if there is none to send.

    Called by `providers.tasks.invitation_email_send_task`. The mail goes before
    the row is marked, so a crash between the two repeats a mail rather than
    losing it; a redelivery after marking sends nothing.
    """
    invitation = (
        ProviderInvitation.objects.select_related("provider", "invited_by")
        .filter(pk=invitation_id, emailed_at__isnull=True, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    provider = invitation.provider
    inviter = invitation.invited_by.display_name if invitation.invited_by else f"A member of {provider.name}"
    link = settings.SITE_URL + reverse("providers:invitation_accept", kwargs={"token": invitation.token})
    send_mail(
        subject=f"Join {provider.name} on Convene",
        message=(
            f"{inviter} has invited you to join {provider.name} on Convene.\n\n"
            f"Sign in or create an account with this e-mail address ({invitation.email}), then open this link "
            f"to accept:\n{link}\n\nThe link works for {INVITATION_DAYS} days."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    ProviderInvitation.objects.filter(pk=invitation.pk).update(emailed_at=timezone.now())
    return True


@transaction.atomic
def invitation_accept(*, invitation: ProviderInvitation, user: User) -> ProviderMember:
    """The invited person, signed in with the invited address, joins."""
    invitation = ProviderInvitation.objects.select_for_update().select_related("provider").get(pk=invitation.pk)
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(f"This invitation was sent to another e-mail address. Sign in as {invitation.email}.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    if invitation.created_at < timezone.now() - timedelta(days=INVITATION_DAYS):
        raise ValidationError("This invitation has expired. Ask for a new one.")
    if user.role in (User.Role.OFFICER, User.Role.ADMIN):
        raise PermissionDenied("Council officers and admins cannot join a provider.")
    member, _ = ProviderMember.objects.get_or_create(
        provider=invitation.provider, user=user, defaults={"role": ProviderMember.Role.MEMBER}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if user.role != User.Role.PROVIDER:
        user.role = User.Role.PROVIDER
        user.save(update_fields=["role"])
    return member


@transaction.atomic
def member_remove(*, member: ProviderMember, user: User) -> None:
    """A member leaves, or an owner removes a member. The last owner stays."""
    provider = member.provider
    if member.user_id != user.pk:
        require_owner(user=user, provider_id=provider.pk)
    # Lock the provider's owners so two owners leaving at once cannot both succeed.
    owners = list(
        ProviderMember.objects.select_for_update()
        .filter(provider=provider, role=ProviderMember.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if member.role == ProviderMember.Role.OWNER and owners == [member.pk]:
        raise ValidationError(
            "A provider must keep at least one owner. Invite someone and make them an owner before you leave."
        )
    leaving = member.user
    member.delete()
    # Their DBS or identity check leaves with them (the rows stay, naming nobody).
    provider_recompute_clearance(provider=provider)
    if leaving.role == User.Role.PROVIDER and not ProviderMember.objects.filter(user=leaving).exists():
        leaving.role = User.Role.RESIDENT
        leaving.save(update_fields=["role"])


@transaction.atomic
def member_make_owner(*, member: ProviderMember, user: User) -> ProviderMember:
    """An owner makes another member an owner too."""
    require_owner(user=user, provider_id=member.provider_id)
    member.role = ProviderMember.Role.OWNER
    member.save(update_fields=["role"])
    return member
