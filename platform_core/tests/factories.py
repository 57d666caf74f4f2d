"""factory_boy factories for platform_core's models."""

import factory
from allauth.account.models import EmailAddress

from platform_core.models import Council, CouncilDistrict, MarketRule, SafeguardingTier, ServiceCategory, User

PASSWORD = "correct-horse-battery-staple"


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
    role = User.Role.OFFICER
    council = factory.SubFactory(CouncilFactory)
