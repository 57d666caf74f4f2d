"""factory_boy factories for providers, members, evidence and offers."""

from datetime import timedelta

import factory
from django.utils import timezone

from platform_core.models import SafeguardingTier, User
from platform_core.tests.factories import CouncilFactory, UserFactory
from providers.models import (
    PERSON_EVIDENCE,
    Offer,
    Provider,
    ProviderInvitation,
    ProviderMember,
    VerificationEvidence,
)


class ProviderFactory(factory.django.DjangoModelFactory):
    """A verified charity, cleared for DBS-tier work, based in central Kingston."""

    class Meta:
        model = Provider

    council = factory.SubFactory(CouncilFactory)
    kind = Provider.Kind.CHARITY
    name = factory.Sequence(lambda n: f"Kingston Helpers {n}")
    description = "Volunteers who help older neighbours."
    email = factory.Sequence(lambda n: f"helpers{n}@example.org")
    phone = "+442079460000"
    postcode = "KT1 2PT"
    latitude = 51.405436
    longitude = -0.295395
    verification_status = Provider.Verification.VERIFIED
    clearance = SafeguardingTier.DBS_CHECKED


class ProviderMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMember

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(UserFactory, role=User.Role.PROVIDER)
    role = ProviderMember.Role.OWNER


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationEvidence

    provider = factory.SubFactory(ProviderFactory)
    kind = VerificationEvidence.Kind.CHARITY_NUMBER
    reference = "1123456"
    status = VerificationEvidence.Status.SUBMITTED
    expires_on = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=365)).date())
    dbs_level = factory.LazyAttribute(
        lambda o: VerificationEvidence.DbsLevel.ENHANCED if o.kind == VerificationEvidence.Kind.DBS else ""
    )

    @factory.lazy_attribute
    def member(self):
        """Person evidence names a member: the provider's first, or a new owner."""
        if self.kind not in PERSON_EVIDENCE:
            return None
        first = ProviderMember.objects.filter(provider=self.provider).order_by("pk").first()
        return first or ProviderMemberFactory(provider=self.provider)


class OfferFactory(factory.django.DjangoModelFactory):
    """An active, free offer with capacity 1 and a 5 km radius."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    council = factory.SelfAttribute("provider.council")
    title = factory.Sequence(lambda n: f"Shopping help {n}")
    description = "We collect and carry shopping for people who cannot get out."
    capacity = 1
    capacity_left = factory.SelfAttribute("capacity")
    postcode = factory.SelfAttribute("provider.postcode")
    latitude = factory.SelfAttribute("provider.latitude")
    longitude = factory.SelfAttribute("provider.longitude")
    radius_km = 5
    status = Offer.Status.ACTIVE

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class ProviderInvitationFactory(factory.django.DjangoModelFactory):
    """An invitation an owner sent, not yet accepted (and already e-mailed)."""

    class Meta:
        model = ProviderInvitation

    provider = factory.SubFactory(ProviderFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    invited_by = factory.SubFactory(UserFactory, role=User.Role.PROVIDER)
    emailed_at = factory.LazyFunction(timezone.now)
