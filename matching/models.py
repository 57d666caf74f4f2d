"""Matches between needs and offers, the batches that propose them, and what
belongs to a match: its conversation and its review."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform_core.models import Council
from providers.models import Offer, Provider, ProviderMember
from residents.models import Need, Resident


class MatchRun(models.Model):
    """One batch of the engine for one council."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run held the lock)"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="match_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=20, default="sweep")
    solver = models.CharField(max_length=20, default="optimal")
    needs = models.PositiveIntegerField(default=0)
    offers = models.PositiveIntegerField(default=0)
    candidate_pairs = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    objective = models.FloatField(default=0)
    seconds = models.FloatField(default=0)
    shards = models.PositiveSmallIntegerField(default=1)
    unmatched_reasons = models.JSONField(
        default=dict, blank=True, help_text="How many needs the run left unmatched, by first blocking reason."
    )
    #: Whether the engine proved no unserved need could have been served
    #: (docs/matching.md, "The certificate"); empty when it did not check.
    certified = models.BooleanField(null=True, blank=True)
    #: Feasible pairs beyond each need's k nearest that the certificate added.
    grown_pairs = models.PositiveIntegerField(default=0)
    #: The worker process that ran the batch (host:pid), for operations: many
    #: councils' batches run on many workers, one council's never two at once.
    worker = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["council", "-started_at"])]

    def __str__(self) -> str:
        return f"Run {self.pk} for {self.council}"


LIVE_STATUSES = ("proposed", "accepted", "confirmed")


class MatchQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        provider_from_offer(objs)
        return super().bulk_create(objs, *args, **kwargs)


def provider_from_offer(matches) -> None:
    """Copy each new match's provider from its offer (the one home of `Match.provider`).

    An offer never changes provider, so the copy stays right. Offers already loaded
    on the match give it for free; the others are read in one query.
    """
    missing = [m for m in matches if m.provider_id is None]
    if not missing:
        return
    offer_field = Match._meta.get_field("offer")
    unknown = {m.offer_id for m in missing if not offer_field.is_cached(m)}
    providers = dict(Offer.objects.filter(pk__in=unknown).values_list("pk", "provider_id")) if unknown else {}
    for m in missing:
        m.provider_id = m.offer.provider_id if offer_field.is_cached(m) else providers.get(m.offer_id)


class Match(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the provider to reply")
        ACCEPTED = "accepted", _("Waiting for the resident to confirm")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Party(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        PROVIDER = "provider", _("Provider")
        COUNCIL = "council", _("Council")
        SYSTEM = "system", "System"

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    # The offer's provider, copied when the match is made (`provider_from_offer`): a
    # provider's lists read their page from this column's indexes instead of sorting
    # every match of every offer they ever had (issue 11).
    # (Its own index would repeat the first column of match_provider_recent_idx.)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+", db_index=False)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="matches")
    run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="match_set")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    score = models.FloatField(default=0)
    distance_km = models.FloatField(default=0)
    terms = models.JSONField(default=dict, blank=True)
    explanation = models.CharField(max_length=300, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Who will attend, named when the provider accepts (ADR 0023): for help at the DBS
    # tier and above, a member whose check was live then; a single volunteer, always.
    attending_member = models.ForeignKey(
        ProviderMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    provider_done_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=10, choices=Party.choices, blank=True)
    close_reason = models.CharField(max_length=500, blank=True)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the day-before reminder of a one-off visit was sent (once)."
    )
    concern_raised_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a safeguarding concern was raised about this match: continuity never counts it.",
    )

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["offer", "status"]),
            # A provider's current matches, soonest deadline first, and the proposals they
            # have to answer (/matches/, /provider/, issue 11): live rows only.
            models.Index(
                fields=["provider", "status", "respond_by", "id"],
                condition=Q(status__in=LIVE_STATUSES),
                name="match_provider_live_idx",
            ),
            # A provider's matches newest first, read a page at a time without a sort: the
            # API's list (every status) and the history (skipping the few live rows).
            models.Index(fields=["provider", "-proposed_at", "-id"], name="match_provider_recent_idx"),
            models.Index(fields=["status", "respond_by"]),
            # The officer dashboard: matches confirmed in a period (this week, each week, time to match).
            models.Index(
                fields=["council", "confirmed_at"],
                condition=Q(confirmed_at__isnull=False),
                name="match_council_confirmed_idx",
            ),
        ]
        constraints = [
            # At most one live match per need, whatever races happen.
            models.UniqueConstraint(
                fields=["need"], condition=Q(status__in=LIVE_STATUSES), name="one_live_match_per_need"
            ),
            # A pair is proposed once: a declined or expired offer never comes back for that need.
            models.UniqueConstraint(fields=["need", "offer"], name="pair_proposed_once"),
        ]

    def __str__(self) -> str:
        return f"Match {self.pk}: {self.need} with {self.offer}"

    def save(self, *args, **kwargs) -> None:
        if self.provider_id is None:
            provider_from_offer([self])
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def tag_colour(self) -> str:
        """The GOV.UK tag colour of the status (`govuk-tag--<colour>`)."""
        return TAG_COLOURS.get(self.status, "red")


TAG_COLOURS = {
    Match.Status.PROPOSED: "yellow",
    Match.Status.ACCEPTED: "blue",
    Match.Status.CONFIRMED: "green",
    Match.Status.COMPLETED: "grey",
}


class Message(models.Model):
    """The conversation that opens between a resident and a provider on confirmation."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message {self.pk} on match {self.match_id}"


class Review(models.Model):
    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="review")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="review_rating_1_to_5", condition=Q(rating__gte=1) & Q(rating__lte=5))
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for match {self.match_id}"


class Arrangement(models.Model):
    """Ongoing help: the visits a confirmed weekly match brings, and how they stand.

    Made once, when the resident confirms a weekly need with an end (a date or a
    number of visits); its Visits are generated from the pattern copied here, so
    a later edit elsewhere never moves a visit already planned
    (matching.services.visits, ADR 0018). Either side may pause it or end it
    with notice; visits inside a pause or after the end are cancelled.
    """

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="arrangement")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="arrangements")
    slots = models.JSONField(default=list, help_text="The agreed weekly slots: the need's that the offer covers.")
    every_weeks = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The last day of the plan, if it ends on a date.")
    visit_count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Visits planned, if counted.")
    paused_from = models.DateField(null=True, blank=True)
    paused_until = models.DateField(null=True, blank=True)
    pause_reason = models.CharField(max_length=500, blank=True)
    paused_by = models.CharField(max_length=10, choices=Match.Party.choices, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Ended early: the last day visits came.")
    ended_by = models.CharField(max_length=10, choices=Match.Party.choices, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)
    missed_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When officers were told of missed visits in a row (cleared by a visit done)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="arrangement_pause_in_order",
                condition=Q(paused_from__isnull=True) | Q(paused_until__gte=models.F("paused_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"Arrangement for match {self.match_id}"


class Visit(models.Model):
    """One scheduled occurrence of a confirmed recurring match.

    The provider records it (done, with the time spent for a paid offer; missed;
    or cancelled, with a reason); the resident may say it did not happen (a
    dispute), after which it counts as missed in every figure.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Planned")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="visits")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="visits")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    slot = models.PositiveSmallIntegerField(help_text="The weekly slot (weekday * 3 + day part).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was missed or cancelled.")
    cancelled_by = models.CharField(max_length=10, choices=Match.Party.choices, blank=True)
    minutes_spent = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["match", "starts_at"]),
            # Analytics: visits of a council due in a period.
            models.Index(fields=["council", "starts_at"]),
        ]
        constraints = [
            # Generation is idempotent: one visit per match and start, whoever runs it twice.
            models.UniqueConstraint(fields=["match", "starts_at"], name="one_visit_per_match_and_start"),
            models.CheckConstraint(
                name="visit_minutes_in_a_day",
                condition=Q(minutes_spent__isnull=True) | (Q(minutes_spent__gte=1) & Q(minutes_spent__lte=24 * 60)),
            ),
            models.CheckConstraint(name="visit_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))),
        ]

    def __str__(self) -> str:
        return f"Visit {self.pk} of match {self.match_id}"

    @property
    def is_disputed(self) -> bool:
        return self.disputed_at is not None

    @property
    def counts_as_missed(self) -> bool:
        """Missed, or the resident says it did not happen."""
        return self.status == self.Status.MISSED or (self.is_disputed and self.status != self.Status.CANCELLED)


class Exclusion(models.Model):
    """A resident's "never match me with this provider again": a hard constraint in
    every later batch (the engine's `excluded_providers`). Never shown or told to
    the provider: no accessor on Provider, no notification, nothing in its pages or API."""

    class Source(models.TextChoices):
        MATCH = "match", _("From a match")
        REVIEW = "review", _("From a review")
        CONCERN = "concern", _("A safeguarding concern you raised")
        OFFICER = "officer", _("Added by the council")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="exclusions")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    match = models.ForeignKey(Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True, help_text="An officer's reason (officer exclusions).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "provider"], name="exclusion_once_per_pair"),
        ]

    def __str__(self) -> str:
        return f"Exclusion {self.pk}"


class UnmatchedReason(models.TextChoices):
    """Why the last batch left a need unmatched, first blocking reason first
    (matching/engine/reasons.py computes it)."""

    NO_OFFER = "no_offer", _("No offer for this kind of help")
    NOT_CLEARED = "not_cleared", _("No helper cleared for it")
    TOO_FAR = "too_far", _("No helper within reach")
    NO_SHARED_TIME = "no_shared_time", _("No helper free at the times given")
    ALL_BUSY = "all_busy", _("Every helper is busy")
    EXCLUDED = "excluded", _("The only helpers free are excluded")


class NeedRisk(models.Model):
    """A need the last batch could not match, and why: the resident's status text,
    the officers' "needs at risk" list and the unmet-by-reason figures. The row stays
    when the need expires (it is how expired needs count by reason); it goes when
    the need is proposed."""

    need = models.OneToOneField(Need, on_delete=models.CASCADE, primary_key=True, related_name="risk")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=UnmatchedReason.choices)
    run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When officers were told this urgent need was still unmatched (once)."
    )

    class Meta:
        indexes = [models.Index(fields=["council", "reason"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.reason}"
