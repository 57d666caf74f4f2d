"""The council's market: reports, moderation flags and decisions, the council's
word list, safeguarding concerns and their log.

Other apps never import these models (the dependency arrow points from
marketplace down): targets are stored as (type, id) pairs, not foreign keys, so
a need or an offer never needs to know it was flagged.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from platform_core.models import Council, ServiceCategory


class TargetType(models.TextChoices):
    NEED = "need", "Need"
    OFFER = "offer", "Offer"
    PROVIDER = "provider", "Provider"


class Report(models.Model):
    """A user's "report this" on a need, an offer or a provider."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the council"
        UPHELD = "upheld", "Acted on"
        DISMISSED = "dismissed", "No action needed"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["council", "status"])]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.target_type} {self.target_id}"


class ModerationFlag(models.Model):
    """Something in the moderation queue: a user's report or an automatic finding."""

    class Cause(models.TextChoices):
        USER_REPORT = "user_report", "Reported by a user"
        PHONE = "phone", "Phone number in the text"
        EMAIL = "email", "E-mail address in the text"
        URL = "url", "Link in the text"
        PRICE = "price", "Price in the text"
        OVER_CAP = "over_cap", "Price above the council's cap"
        BLOCKED_WORD = "blocked_word", "Word from the council's list"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="moderation_flags")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    cause = models.CharField(max_length=16, choices=Cause.choices)
    detail = models.CharField(max_length=300, blank=True, help_text="What matched, e.g. the phone number found.")
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the text scanned, so the same text is never flagged twice."
    )
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        constraints = [
            # The scan may run twice over the same text (a task redelivered, two
            # officers opening the queue at once): one flag per finding.
            models.UniqueConstraint(
                fields=["target_type", "target_id", "cause", "content_hash"],
                condition=Q(report__isnull=True),
                name="auto_flag_once_per_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_cause_display()} on {self.target_type} {self.target_id}"


class ModerationDecision(models.Model):
    """What an officer decided about a need or an offer, with the reason the author sees."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        HIDE = "hide", "Hidden"
        RESTORE = "restore", "Restored"
        REQUEST_CHANGES = "request_changes", "Changes requested"
        DISMISS = "dismiss", "Flag dismissed"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="moderation_decisions")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(max_length=1000, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_type} {self.target_id}"


class BlockedWord(models.Model):
    """A word or phrase the council does not want in needs or offers."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="blocked_words")
    word = models.CharField(max_length=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["word"]
        constraints = [models.UniqueConstraint(fields=["council", "word"], name="blocked_word_once_per_council")]

    def __str__(self) -> str:
        return self.word


class ModerationScanState(models.Model):
    """How far the automatic scan has read each council's needs and offers
    (by `updated_at`), so each run reads only what changed since."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="moderation_scan_state")
    needs_scanned_to = models.DateTimeField(null=True, blank=True)
    offers_scanned_to = models.DateTimeField(null=True, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Scan state for {self.council}"


class SafeguardingConcern(models.Model):
    """A concern raised by someone party to a match. Restricted: officers of the
    council and the person who raised it see it; the provider concerned never does."""

    class RaisedAs(models.TextChoices):
        RESIDENT = "resident", "Resident"
        PROVIDER = "provider", "Provider member"

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        ESCALATED = "escalated", "Escalated to safeguarding team"
        CLOSED = "closed", "Closed"

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        IMMEDIATE = "immediate", "Immediate risk of harm"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="safeguarding_concerns")
    match = models.ForeignKey(
        "matching.Match", on_delete=models.SET_NULL, null=True, blank=True, related_name="safeguarding_concerns"
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safeguarding_concerns",
        help_text="The provider the concern is about; it never sees the concern.",
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_as = models.CharField(max_length=10, choices=RaisedAs.choices)
    description = models.TextField(max_length=4000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    risk = models.CharField(max_length=10, choices=Risk.choices, blank=True)
    outcome = models.TextField(max_length=4000, blank=True)
    provider_paused_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.CharField(max_length=200, blank=True)
    escalation_reference = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["council", "status"])]

    def __str__(self) -> str:
        return f"Safeguarding concern {self.pk}"


class ConcernAction(models.Model):
    """One step an officer took on a concern (the case log)."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", "Triaged"
        NOTE = "note", "Action recorded"
        PAUSE_PROVIDER = "pause_provider", "Provider paused"
        ESCALATE = "escalate", "Escalated"
        CLOSE = "close", "Closed with outcome"

    concern = models.ForeignKey(SafeguardingConcern, on_delete=models.CASCADE, related_name="actions")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # An escalation to an e-mail address is mailed there by a task (marketplace.tasks).
    email_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on concern {self.concern_id}"


class DailyMarketStat(models.Model):
    """The analytics roll-up: needs posted on one day (local date of `posted_at`)
    in one category and postcode district, and how many of them had a match
    confirmed within 7 days of posting.

    Only *settled* days are stored: days whose needs are all past their 7 days,
    so both numbers are final. The dashboard reads settled days from here and
    computes later days live (see `marketplace.selectors.analytics` and ADR 0006).
    Written only by `marketplace.services.analytics.market_stats_refresh`.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    district = models.CharField(max_length=8, blank=True, help_text="Outcode, e.g. KT1; empty when unknown.")
    posted = models.PositiveIntegerField()
    matched_within_7d = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # Also the dashboard's index: (council, day) leads.
            models.UniqueConstraint(
                fields=["council", "day", "category", "district"], name="daily_market_stat_one_row_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.district or 'unknown'}: {self.posted} posted"


class DailyMarketStatState(models.Model):
    """One row (pk=1): how far the roll-up is complete, for every council.

    `settled_through`: every day up to it is in `DailyMarketStat`;
    `needs_seen_until`: needs edited since (by `updated_at`) have their day recomputed;
    `full_refresh_at`: the last rebuild from scratch (catches deletions, which leave no trace).
    """

    settled_through = models.DateField(null=True, blank=True)
    needs_seen_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_refresh_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Market statistics settled through {self.settled_through}"
