"""factory_boy factories for residents and needs (real Kingston points)."""

from datetime import timedelta

import factory
from django.utils import timezone

from platform_core.models import User
from platform_core.tests.factories import CouncilFactory, ServiceCategoryFactory, UserFactory
from residents.models import (
    AssistedAccess,
    ClaimCode,
    ConsentRecord,
    ContactPreference,
    Need,
    Referral,
    Referrer,
    Resident,
    placeholder_email,
)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    user = factory.SubFactory(UserFactory, role=User.Role.RESIDENT, council=factory.SelfAttribute("..council"))
    council = factory.SubFactory(CouncilFactory)
    address_line_1 = factory.Sequence(lambda n: f"{n + 1} Eden Street")
    town = "Kingston upon Thames"
    postcode = "KT1 1EU"
    latitude = 51.40772
    longitude = -0.305939
    phone = "+447700900123"
    consent_share_details = True


class NeedFactory(factory.django.DjangoModelFactory):
    """An open (posted) need, one-off, tomorrow afternoon."""

    class Meta:
        model = Need

    resident = factory.SubFactory(ResidentFactory)
    council = factory.SelfAttribute("resident.council")
    category = factory.SubFactory(ServiceCategoryFactory, council=factory.SelfAttribute("..council"))
    title = factory.Sequence(lambda n: f"Help with shopping {n}")
    description = "I need someone to help me carry my shopping home from the market."
    urgency = Need.Urgency.SOON
    timing = Need.Timing.ONE_OFF
    window_start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=1)).replace(hour=13, minute=0, second=0, microsecond=0)
    )
    window_end = factory.LazyAttribute(lambda o: o.window_start + timedelta(hours=3))
    postcode = factory.SelfAttribute("resident.postcode")
    latitude = factory.SelfAttribute("resident.latitude")
    longitude = factory.SelfAttribute("resident.longitude")
    status = Need.Status.OPEN
    posted_at = factory.LazyFunction(timezone.now)

    class Params:
        # A need still being written: not posted, so nobody but its resident sees it.
        draft = factory.Trait(status=Need.Status.DRAFT, posted_at=None)
        # Ongoing help: Monday, Wednesday and Friday mornings for six weeks.
        weekly = factory.Trait(
            timing=Need.Timing.WEEKLY,
            window_start=None,
            window_end=None,
            weekly_slots=[0, 6, 12],
            ends_on=factory.LazyFunction(lambda: timezone.localdate() + timedelta(weeks=6)),
        )


class ReferrerFactory(factory.django.DjangoModelFactory):
    """An approved referrer (a social prescriber at a GP surgery) for a council."""

    class Meta:
        model = Referrer

    user = factory.SubFactory(UserFactory, role=User.Role.RESIDENT)
    council = factory.SubFactory(CouncilFactory)
    organisation = "Canbury Medical Centre"
    role = "Social prescriber"
    phone = "+442079460000"
    status = Referrer.Status.APPROVED
    decided_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(status=Referrer.Status.PENDING, decided_at=None)


class ReferralFactory(factory.django.DjangoModelFactory):
    """A resident created by a referrer: an account with no password and no real e-mail address."""

    class Meta:
        model = Referral

    referrer = factory.SubFactory(ReferrerFactory)
    resident = factory.SubFactory(
        ResidentFactory,
        council=factory.SelfAttribute("..referrer.council"),
        user__email=factory.LazyFunction(placeholder_email),
        contact_preference=ContactPreference.REFERRER,
    )
    created_by = factory.SelfAttribute("referrer.user")


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    resident = factory.SubFactory(ResidentFactory)
    given_by = "The resident, in person"
    agreed_to = "Keeping these details and sharing them with the confirmed helper."
    given_on = factory.LazyFunction(lambda: timezone.localdate())
    method = ConsentRecord.Method.VERBAL
    recorded_by = factory.SelfAttribute("resident.user")


class AssistedAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistedAccess

    officer = factory.SubFactory(
        UserFactory, role=User.Role.OFFICER, council=factory.SelfAttribute("..resident.council")
    )
    resident = factory.SubFactory(ResidentFactory)
    reason = "Resident phoned the helpline"
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))


class ClaimCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimCode

    resident = factory.SubFactory(ResidentFactory)
    digest = factory.Sequence(lambda n: f"{n:064x}")
    channel = ClaimCode.Channel.SMS
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
