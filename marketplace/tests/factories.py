"""factory_boy factories for the council's market: reports, moderation flags and
decisions, the word list, the scan's watermark, safeguarding concerns and their
log, and the analytics roll-up."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import factory
from django.utils import timezone

from matching.tests.factories import MatchFactory
from platform_core.tests.factories import CouncilFactory, OfficerFactory, ServiceCategoryFactory, UserFactory
from residents.tests.factories import NeedFactory

from ..models import (
    BlockedWord,
    ConcernAction,
    DailyMarketStat,
    DailyMarketStatState,
    ModerationDecision,
    ModerationFlag,
    ModerationScanState,
    Report,
    SafeguardingConcern,
    TargetType,
)


class ReportFactory(factory.django.DjangoModelFactory):
    """A user's "report this" on a need, waiting for the council."""

    class Meta:
        model = Report

    class Params:
        need = factory.SubFactory(NeedFactory)

    council = factory.SelfAttribute("need.council")
    reporter = factory.SubFactory(UserFactory)
    target_type = TargetType.NEED
    target_id = factory.SelfAttribute("need.pk")
    reason = "They asked me to pay in cash before they came."


class ModerationFlagFactory(factory.django.DjangoModelFactory):
    """An open automatic flag: a phone number found in a need's text."""

    class Meta:
        model = ModerationFlag

    class Params:
        need = factory.SubFactory(NeedFactory, description="Call me on 07700 900123")

    council = factory.SelfAttribute("need.council")
    target_type = TargetType.NEED
    target_id = factory.SelfAttribute("need.pk")
    cause = ModerationFlag.Cause.PHONE
    detail = "07700 900123"
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(f"{o.need.title}\n{o.need.description}".encode()).hexdigest()
    )


class ModerationDecisionFactory(factory.django.DjangoModelFactory):
    """An officer's decision: a need hidden, with the reason its author reads."""

    class Meta:
        model = ModerationDecision

    class Params:
        need = factory.SubFactory(NeedFactory)

    council = factory.SelfAttribute("need.council")
    target_type = TargetType.NEED
    target_id = factory.SelfAttribute("need.pk")
    action = ModerationDecision.Action.HIDE
    reason = "Please take your phone number out of the description."
    officer = factory.SubFactory(OfficerFactory, council=factory.SelfAttribute("..council"))


class BlockedWordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedWord

    council = factory.SubFactory(CouncilFactory)
    word = factory.Sequence(lambda n: f"cash only {n}")
    created_by = factory.SubFactory(OfficerFactory, council=factory.SelfAttribute("..council"))


class ModerationScanStateFactory(factory.django.DjangoModelFactory):
    """How far the automatic check has read a council's needs and offers."""

    class Meta:
        model = ModerationScanState
        django_get_or_create = ("council",)

    council = factory.SubFactory(CouncilFactory)
    needs_scanned_to = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    offers_scanned_to = factory.SelfAttribute("needs_scanned_to")
    scanned_at = factory.SelfAttribute("needs_scanned_to")


class SafeguardingConcernFactory(factory.django.DjangoModelFactory):
    """A new concern a resident raised about the provider of their confirmed match."""

    class Meta:
        model = SafeguardingConcern

    match = factory.SubFactory(MatchFactory, confirmed=True)
    council = factory.SelfAttribute("match.council")
    provider = factory.SelfAttribute("match.offer.provider")
    raised_by = factory.SelfAttribute("match.need.resident.user")
    raised_as = SafeguardingConcern.RaisedAs.RESIDENT
    description = "The helper shouted at me and asked for my bank card."

    class Params:
        # Raised by the provider's side: it concerns the resident's welfare and names no provider.
        by_provider = factory.Trait(
            raised_as=SafeguardingConcern.RaisedAs.PROVIDER,
            provider=None,
            raised_by=factory.LazyAttribute(lambda o: o.match.offer.provider.members.first().user),
        )


class ConcernActionFactory(factory.django.DjangoModelFactory):
    """One step of a concern's case log: an officer's triage."""

    class Meta:
        model = ConcernAction

    concern = factory.SubFactory(SafeguardingConcernFactory)
    officer = factory.SubFactory(OfficerFactory, council=factory.SelfAttribute("..concern.council"))
    kind = ConcernAction.Kind.TRIAGE
    note = "Called the resident; they are safe."


class DailyMarketStatFactory(factory.django.DjangoModelFactory):
    """One settled day of the analytics roll-up for a category and district."""

    class Meta:
        model = DailyMarketStat

    council = factory.SubFactory(CouncilFactory)
    day = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    category = factory.SubFactory(ServiceCategoryFactory, council=factory.SelfAttribute("..council"))
    district = "KT1"
    posted = 3
    matched_within_7d = 2


class DailyMarketStatStateFactory(factory.django.DjangoModelFactory):
    """The roll-up's single state row."""

    class Meta:
        model = DailyMarketStatState
        django_get_or_create = ("id",)

    id = 1
    settled_through = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=9))
    needs_seen_until = factory.LazyFunction(timezone.now)
    refreshed_at = factory.LazyFunction(timezone.now)
    full_refresh_at = factory.LazyFunction(timezone.now)
