"""A provider member's own data, for platform_core.privacy: export it, or erase it.

Leaving on erasure: the memberships go. An organisation whose last owner
leaves is closed (its offers CLOSED); an individual volunteer's provider is
closed and its contact details blanked. Verification evidence rows stay: they
are the council's record of what it checked.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from platform_core.models import OutcodeCentroid, User
from platform_core.privacy import ERASE_REASON, ERASED_DOMAIN, row_export

from .models import Offer, Provider, ProviderInvitation, ProviderMember, VerificationEvidence


def provider_list_closing_on_erase(*, user: User) -> QuerySet[Provider]:
    """The providers that close when `user` erases their account: individual
    volunteers they belong to, and organisations where they are the only owner."""
    mine = ProviderMember.objects.filter(user=user)
    sole_owner_of = [
        m.provider_id
        for m in mine.filter(role=ProviderMember.Role.OWNER)
        if not ProviderMember.objects.filter(provider_id=m.provider_id, role=ProviderMember.Role.OWNER)
        .exclude(user=user)
        .exists()
    ]
    volunteer_of = mine.filter(provider__kind=Provider.Kind.VOLUNTEER).values_list("provider_id", flat=True)
    return Provider.objects.filter(pk__in=set(sole_owner_of) | set(volunteer_of)).order_by("pk")


def provider_data_export(user: User) -> dict:
    memberships = ProviderMember.objects.filter(user=user).select_related("provider").order_by("joined_at", "id")
    owned = [m.provider for m in memberships if m.role == ProviderMember.Role.OWNER]
    evidence = VerificationEvidence.objects.filter(provider__in=owned).order_by("submitted_at", "id")
    evidence_sent = VerificationEvidence.objects.filter(submitted_by=user).exclude(provider__in=owned)
    return {
        "memberships": [
            {
                "provider_id": m.provider_id,
                "provider_name": m.provider.name,
                "role": m.role,
                "joined_at": m.joined_at.isoformat(),
            }
            for m in memberships
        ],
        "providers_owned": [
            {
                **row_export(p, exclude=("council",)),
                "evidence": [
                    # Metadata only: who reviewed it is the council's business, not the member's.
                    row_export(e, exclude=("provider", "reviewed_by", "reminder_sent_at"))
                    for e in evidence
                    if e.provider_id == p.pk
                ],
            }
            for p in owned
        ],
        "evidence_submitted_elsewhere": [
            row_export(e, exclude=("reviewed_by", "reminder_sent_at")) for e in evidence_sent.order_by("pk")
        ],
        "invitations_sent": [
            {
                "provider_id": i.provider_id,
                "email": i.email,
                "created_at": i.created_at.isoformat(),
                "accepted_at": i.accepted_at.isoformat() if i.accepted_at else None,
            }
            for i in ProviderInvitation.objects.filter(invited_by=user).order_by("created_at", "id")
        ],
    }


def provider_data_erase(user: User) -> None:
    """Close what closes with this person, blank an individual's contact
    details, and remove their memberships. Call inside account_erase."""
    now = timezone.now()
    for provider in provider_list_closing_on_erase(user=user).select_for_update():
        Offer.objects.filter(provider=provider).exclude(status=Offer.Status.CLOSED).update(
            status=Offer.Status.CLOSED, status_reason=ERASE_REASON, updated_at=now
        )
        if provider.is_individual:
            district = provider.district
            centroid = OutcodeCentroid.objects.filter(outcode=district).first()
            if centroid is not None:
                provider.latitude, provider.longitude = centroid.latitude, centroid.longitude
            provider.postcode = district
            provider.name = f"Volunteer {provider.pk} (account erased)"
            provider.description = ""
            provider.email = f"erased-provider-{provider.pk}@{ERASED_DOMAIN}"
            provider.phone = ""
            provider.website = ""
            provider.save(
                update_fields=[
                    "postcode",
                    "latitude",
                    "longitude",
                    "name",
                    "description",
                    "email",
                    "phone",
                    "website",
                    "updated_at",
                ]
            )
    # An organisation that used this person's own address as its contact keeps no trace of it.
    Provider.objects.filter(members__user=user, email__iexact=user.email).update(
        email=f"erased-contact@{ERASED_DOMAIN}", updated_at=now
    )
    ProviderInvitation.objects.filter(email__iexact=user.email).delete()
    ProviderMember.objects.filter(user=user).delete()
