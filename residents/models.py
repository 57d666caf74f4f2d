"""Residents and the needs they post."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform_core.models import Council, Preference, ServiceCategory


class ContactPreference(models.TextChoices):
    """How the resident wants to hear from us. Notifications follow it
    (residents/notifications.py): e-mail, text, both, or a letter the council
    posts; "phone call" is how a helper gets in touch, and notices then go by e-mail."""

    EMAIL = "email", _("Email")
    TEXT = "text", _("Text message")
    BOTH = "both", _("Email and text message")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")


class Resident(models.Model):
    """A resident's profile. Address, phone and vulnerability notes are personal
    data: shown to the resident, to officers (audited) and to a confirmed provider."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="residents")
    preferred_name = models.CharField(max_length=100, blank=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8)
    latitude = models.FloatField()
    longitude = models.FloatField()
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +447700900982.")
    contact_preference = models.CharField(
        max_length=8, choices=ContactPreference.choices, default=ContactPreference.EMAIL
    )
    language = models.CharField(max_length=40, default="English")
    accessibility_needs = models.TextField(blank=True)
    vulnerability_notes = models.TextField(blank=True, help_text="Only for a confirmed provider.")
    consent_share_details = models.BooleanField(default=False)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Resident {self.pk}"

    @property
    def district(self) -> str:
        return self.postcode.split(" ")[0]


def new_reference() -> str:
    # No 0/O/1/I so a reference read out on the phone is unambiguous.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "N-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Need(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Waiting for a match")
        PROPOSED = "proposed", _("Waiting for the provider to reply")
        MATCHED = "matched", _("Matched")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        HIDDEN = "hidden", _("Hidden by the council")

    class Urgency(models.IntegerChoices):
        ROUTINE = 1, _("Within a few weeks")
        SOON = 2, _("Within a week")
        URGENT = 3, _("Within 2 days")

    class Timing(models.TextChoices):
        ONE_OFF = "one_off", _("Once")
        WEEKLY = "weekly", _("Every week")

    reference = models.CharField(max_length=10, unique=True, default=new_reference, editable=False)
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="needs")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="needs")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="needs", null=True, blank=True)
    title = models.CharField(max_length=100, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.ROUTINE)
    timing = models.CharField(max_length=8, choices=Timing.choices, default=Timing.ONE_OFF)
    window_start = models.DateTimeField(null=True, blank=True, help_text="One-off: earliest start.")
    window_end = models.DateTimeField(null=True, blank=True, help_text="One-off: latest end.")
    weekly_slots = models.JSONField(default=list, blank=True, help_text="Weekly: availability slots.")
    # Weekly needs: how often and until when visits come (a confirmed match turns
    # these into scheduled visits, matching.services.visits). An end is required:
    # a date or a number of visits, never both.
    repeat_every_weeks = models.PositiveSmallIntegerField(
        default=1, help_text="Weekly: visits come every this many weeks (1 = every week)."
    )
    ends_on = models.DateField(null=True, blank=True, help_text="Weekly: the last day visits may come.")
    visit_count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Weekly: how many visits in all.")
    use_home_address = models.BooleanField(default=True)
    postcode = models.CharField(max_length=8, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accessibility = models.TextField(max_length=500, blank=True)
    language = models.CharField(max_length=40, blank=True)
    preferences = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["council", "posted_at"]),
            models.Index(fields=["resident", "status"]),
            # The moderation scan and the analytics roll-up look for recently changed needs.
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="need_window_end_after_start",
                condition=models.Q(window_start__isnull=True)
                | models.Q(window_end__isnull=True)
                | models.Q(window_end__gt=models.F("window_start")),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def district(self) -> str:
        return self.postcode.split(" ")[0] if self.postcode else ""

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def weekly_description(self) -> str:
        from platform_core.availability import slots_describe

        return slots_describe(self.weekly_slots or [])

    @property
    def preference_labels(self) -> list[str]:
        labels = dict(Preference.choices)
        return [labels.get(p, p) for p in self.preferences or []]


# The bounds of a weekly pattern: anything beyond is refused with a message (ADR 0012's hostile input).
REPEAT_EVERY_WEEKS_MAX = 12
VISIT_COUNT_MAX = 365

EDITABLE_STATUSES = frozenset({Need.Status.DRAFT, Need.Status.OPEN})
CANCELLABLE_STATUSES = frozenset({Need.Status.DRAFT, Need.Status.OPEN, Need.Status.PROPOSED})
