"""factory_boy factories for matches in every state, batches, messages and reviews.

`MatchFactory()` is a proposal as the runner writes it: a need and an offer of
one council, the offer serving the need's category, the need moved to PROPOSED. Each other state is a
trait that sets what the services would have set on the way there, so the rows
agree with each other: `MatchFactory(confirmed=True)` has been accepted (one
unit of the offer's capacity held), confirmed with consent, and its need is
MATCHED; `completed=True` gives the unit back and completes the need.
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.db.models import F
from django.utils import timezone

from matching.models import Arrangement, Exclusion, Match, MatchRun, Message, NeedRisk, Review, Visit
from platform_core.tests.factories import CouncilFactory
from providers.models import Offer
from providers.tests.factories import OfferFactory
from residents.models import Need
from residents.tests.factories import NeedFactory

_HELD = (Match.Status.ACCEPTED, Match.Status.CONFIRMED)
_NEED_STATUS = {
    Match.Status.PROPOSED: Need.Status.PROPOSED,
    Match.Status.ACCEPTED: Need.Status.PROPOSED,
    Match.Status.CONFIRMED: Need.Status.MATCHED,
    Match.Status.COMPLETED: Need.Status.COMPLETED,
    Match.Status.DECLINED: Need.Status.OPEN,
    Match.Status.EXPIRED: Need.Status.OPEN,
    Match.Status.CANCELLED: Need.Status.OPEN,
}


def _ago(hours: float):
    return factory.LazyFunction(lambda: timezone.now() - timedelta(hours=hours))


class MatchRunFactory(factory.django.DjangoModelFactory):
    """A finished batch that proposed one match."""

    class Meta:
        model = MatchRun

    council = factory.SubFactory(CouncilFactory)
    status = MatchRun.Status.FINISHED
    finished_at = factory.LazyFunction(timezone.now)
    trigger = "market_changed"
    needs = 1
    offers = 1
    candidate_pairs = 1
    matched = 1
    objective = 5.0
    seconds = 0.01


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match
        skip_postgeneration_save = True

    # Give the need (and the offer) to match a need of your own; the offer is made in the need's council.
    need = factory.SubFactory(NeedFactory)
    offer = factory.SubFactory(OfferFactory, provider__council=factory.SelfAttribute("...need.council"))
    council = factory.SelfAttribute("need.council")
    status = Match.Status.PROPOSED
    score = 5.0
    distance_km = 1.2
    terms = factory.LazyFunction(lambda: {"distance": 0.88, "rating": 0.5})
    explanation = "1.2 km away · available Tuesday morning · rated 4.8"
    proposed_at = _ago(2)
    respond_by = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))

    class Params:
        accepted = factory.Trait(status=Match.Status.ACCEPTED, accepted_at=_ago(1))
        confirmed = factory.Trait(
            status=Match.Status.CONFIRMED,
            accepted_at=_ago(1.5),
            confirmed_at=_ago(1),
            consent_recorded_at=factory.SelfAttribute("confirmed_at"),
        )
        done = factory.Trait(confirmed=True, provider_done_at=_ago(0.5))
        completed = factory.Trait(
            status=Match.Status.COMPLETED,
            accepted_at=_ago(1.5),
            confirmed_at=_ago(1),
            consent_recorded_at=factory.SelfAttribute("confirmed_at"),
            provider_done_at=_ago(0.5),
            completed_at=_ago(0.25),
            closed_at=factory.SelfAttribute("completed_at"),
            closed_by=Match.Party.RESIDENT,
        )
        declined = factory.Trait(
            status=Match.Status.DECLINED,
            closed_at=_ago(1),
            closed_by=Match.Party.PROVIDER,
            close_reason="No one is free at that time",
        )
        expired = factory.Trait(
            status=Match.Status.EXPIRED,
            respond_by=_ago(1),
            closed_at=_ago(0.5),
            closed_by=Match.Party.SYSTEM,
            close_reason="No answer in time",
        )
        cancelled = factory.Trait(
            status=Match.Status.CANCELLED,
            accepted_at=_ago(1.5),
            closed_at=_ago(1),
            closed_by=Match.Party.RESIDENT,
            close_reason="I found help elsewhere",
        )

    @factory.post_generation
    def consistent(self, create, extracted, **kwargs):
        """The need's status and the offer's capacity as the services leave them
        (`consistent=False` leaves both as given, for fixtures that set them by hand)."""
        if not create or extracted is False:
            return
        if not self.offer.categories.filter(pk=self.need.category_id).exists() and self.need.category_id:
            self.offer.categories.add(self.need.category_id)
        Need.objects.filter(pk=self.need_id).update(status=_NEED_STATUS[self.status])
        if self.status in _HELD:
            Offer.objects.filter(pk=self.offer_id, capacity_left__gt=0).update(capacity_left=F("capacity_left") - 1)
        self.need.refresh_from_db()
        self.offer.refresh_from_db()


class MessageFactory(factory.django.DjangoModelFactory):
    """A message from the resident in a confirmed match's conversation."""

    class Meta:
        model = Message

    match = factory.SubFactory(MatchFactory, confirmed=True)
    sender = factory.SelfAttribute("match.need.resident.user")
    body = "Could you come at ten instead?"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    match = factory.SubFactory(MatchFactory, completed=True)
    rating = 5
    comment = "Kind and on time."


class ArrangementFactory(factory.django.DjangoModelFactory):
    """The arrangement of a confirmed weekly match (no visits: see VisitFactory,
    or `matching.services.visits.visits_generate`)."""

    class Meta:
        model = Arrangement

    match = factory.SubFactory(MatchFactory, confirmed=True, need__weekly=True)
    council = factory.SelfAttribute("match.council")
    slots = factory.LazyAttribute(lambda o: list(o.match.need.weekly_slots))
    every_weeks = 1
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=1))
    ends_on = factory.LazyAttribute(lambda o: o.match.need.ends_on)


class VisitFactory(factory.django.DjangoModelFactory):
    """A planned visit of a confirmed weekly match, yesterday morning (so it can be recorded)."""

    class Meta:
        model = Visit

    match = factory.SubFactory(MatchFactory, confirmed=True, need__weekly=True)
    council = factory.SelfAttribute("match.council")
    starts_at = factory.LazyFunction(
        lambda: timezone.localtime(timezone.now() - timedelta(days=1)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=4))
    slot = factory.LazyAttribute(lambda o: timezone.localtime(o.starts_at).weekday() * 3)


class ExclusionFactory(factory.django.DjangoModelFactory):
    """A resident's "never this provider again", from one of their matches."""

    class Meta:
        model = Exclusion

    match = factory.SubFactory(MatchFactory, completed=True)
    resident = factory.SelfAttribute("match.need.resident")
    provider = factory.SelfAttribute("match.offer.provider")
    source = Exclusion.Source.MATCH


class NeedRiskFactory(factory.django.DjangoModelFactory):
    """An open need the last batch left unmatched, with its first blocking reason."""

    class Meta:
        model = NeedRisk

    need = factory.SubFactory(NeedFactory)
    council = factory.SelfAttribute("need.council")
    reason = "no_offer"
