"""factory_boy factories for platform_core's models."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from platform_core.models import (
    ApiToken,
    AuditEvent,
    Council,
    CouncilDistrict,
    Delivery,
    MarketRule,
    Notification,
    OutcodeCentroid,
    OutgoingEmail,
    Postcode,
    SafeguardingTier,
    ServiceCategory,
    User,
)

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # the officers' authenticator secret in tests


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Borough {n}")
    slug = factory.Sequence(lambda n: f"test-borough-{n}")
    short_name = factory.Sequence(lambda n: f"Borough {n}")

    @factory.post_generation
    def market_rule(self, create, extracted, **kwargs):
        if create:
            MarketRule.objects.get_or_create(council=self)


class CouncilDistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilDistrict
        django_get_or_create = ("outcode",)

    council = factory.SubFactory(CouncilFactory)
    outcode = factory.Sequence(lambda n: f"ZZ{n % 100}")


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    safeguarding_tier = SafeguardingTier.OPEN


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose e-mail address is verified, so they can log in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = User.Role.RESIDENT

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OfficerFactory(UserFactory):
    """A council officer; `two_factor=True` also sets up TOTP, which every officer page needs."""

    role = User.Role.OFFICER
    council = factory.SubFactory(CouncilFactory)

    @factory.post_generation
    def two_factor(self, create, extracted, **kwargs):
        if create and extracted:
            from allauth.mfa.models import Authenticator

            Authenticator.objects.create(user=self, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})


class MarketRuleFactory(factory.django.DjangoModelFactory):
    """A council's market rules (CouncilFactory already makes one with the defaults)."""

    class Meta:
        model = MarketRule
        django_get_or_create = ("council",)

    council = factory.SubFactory(CouncilFactory)


class PostcodeFactory(factory.django.DjangoModelFactory):
    """A unit postcode with its point (Code-Point Open's shape); central Kingston by default."""

    class Meta:
        model = Postcode
        django_get_or_create = ("postcode",)

    postcode = "KT1 1EU"
    outcode = factory.LazyAttribute(lambda o: o.postcode.split()[0])
    latitude = 51.40772
    longitude = -0.305939


class OutcodeCentroidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcodeCentroid
        django_get_or_create = ("outcode",)

    outcode = "KT1"
    latitude = 51.407566
    longitude = -0.298182
    postcode_count = 1


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit event as `platform_core.services.audit_record` writes it (rows are never changed)."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(OfficerFactory)
    actor_email = factory.SelfAttribute("actor.email")
    council = factory.SelfAttribute("actor.council")
    action = "resident.personal_data_viewed"
    object_type = "residents.Resident"
    object_id = "1"
    reason = "Checking the address for a visit"


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread notification (its e-mail or text, if any, are DeliveryFactory rows)."""

    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "match.accepted"
    message = "You have a new proposal."
    url = "/matches/"
    language = "en-gb"

    class Params:
        read = factory.Trait(read_at=factory.LazyFunction(timezone.now))


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A text waiting to be sent; traits for the states the services leave it in."""

    class Meta:
        model = Delivery

    notification = factory.SubFactory(NotificationFactory)
    channel = Delivery.Channel.SMS
    to = "+447700900123"
    status = Delivery.Status.PENDING

    class Params:
        sent = factory.Trait(status=Delivery.Status.SENT, attempts=1, to="", sent_at=factory.LazyFunction(timezone.now))
        failed = factory.Trait(
            status=Delivery.Status.FAILED,
            attempts=1,
            error="GOV.UK Notify 400: phone_number Not a UK mobile number",
            failed_at=factory.LazyFunction(timezone.now),
        )
        letter = factory.Trait(channel=Delivery.Channel.LETTER, to="", status=Delivery.Status.TO_POST)


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    """A mail waiting in the outbox (queued by allauth's adapter or email_queue)."""

    class Meta:
        model = OutgoingEmail

    to = factory.LazyFunction(lambda: ["person@example.org"])
    subject = "Convene: Confirm your e-mail address"
    body = "Open this link to confirm your address."


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A personal API token made as the account page makes it (knox's manager:
    only the digest is stored). The token itself is on the row as `.secret`,
    for the test that made it; `expiry` is a duration, 30 days by default."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Script {n}")
    two_factor = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        expiry = kwargs.pop("expiry", timedelta(days=30))
        token, secret = model_class.objects.create(*args, expiry=expiry, **kwargs)
        token.secret = secret
        return token


# --- The places the root conftest's fixtures stand on (`council`, `other_council`,
# `kingston_postcodes`); also for module-scoped data built once (tests/test_permission_matrix.py).


def kingston():
    """Kingston upon Thames and its districts."""
    council = CouncilFactory(name="Royal Borough of Kingston upon Thames", slug="kingston", short_name="Kingston")
    for outcode in ["KT1", "KT2", "KT3", "KT5", "KT6", "KT9"]:
        CouncilDistrictFactory(council=council, outcode=outcode)
    return council


def sutton():
    """Another council (Sutton), whose officers must see nothing of Kingston's."""
    council = CouncilFactory(name="London Borough of Sutton", slug="sutton", short_name="Sutton")
    CouncilDistrictFactory(council=council, outcode="SM1")
    return council


KINGSTON_POSTCODES = [
    ("KT1 1EU", 51.40772, -0.305939),
    ("KT2 5AU", 51.418947, -0.305625),
    ("KT1 2PT", 51.405436, -0.295395),
    ("KT3 4PH", 51.399512, -0.259079),
    ("KT6 6HL", 51.387398, -0.300969),
    ("KT9 1AA", 51.363283, -0.309002),
]


def kingston_postcodes() -> list[str]:
    """A handful of real KT postcodes (OS Code-Point Open) without loading the whole area."""
    from platform_core.models import OutcodeCentroid, Postcode

    Postcode.objects.bulk_create(
        [Postcode(postcode=p, outcode=p.split()[0], latitude=la, longitude=lo) for p, la, lo in KINGSTON_POSTCODES],
        ignore_conflicts=True,
    )
    OutcodeCentroid.objects.bulk_create(
        [
            OutcodeCentroid(outcode="KT1", latitude=51.407566, longitude=-0.298182, postcode_count=1),
            OutcodeCentroid(outcode="KT2", latitude=51.4190, longitude=-0.2990, postcode_count=1),
            OutcodeCentroid(outcode="KT3", latitude=51.4000, longitude=-0.2560, postcode_count=1),
            OutcodeCentroid(outcode="KT6", latitude=51.3870, longitude=-0.3000, postcode_count=1),
            OutcodeCentroid(outcode="KT9", latitude=51.3620, longitude=-0.3060, postcode_count=1),
        ],
        ignore_conflicts=True,
    )
    return [row[0] for row in KINGSTON_POSTCODES]
