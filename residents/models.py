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
    # Only for a referred resident: notices and the helper's call go to the referrer.
    REFERRER = "referrer", _("Through the referrer")


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
    language = models.CharField(
        max_length=8,
        blank=True,
        default="en",
        help_text="ISO 639 code of the language they prefer to speak (spoken_languages).",
    )
    language_note = models.CharField(
        max_length=40, blank=True, help_text="What they typed before languages were codes, when it named no language."
    )
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
    language = models.CharField(
        max_length=8, blank=True, help_text="ISO 639 code of the language the helper should speak; empty: any."
    )
    language_note = models.CharField(
        max_length=40, blank=True, help_text="What was typed before languages were codes, when it named no language."
    )
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


# --- Referrers and the people they refer (issue 10; ADR 0021) ----------------------


class Referrer(models.Model):
    """A person's standing as a referrer for one council: asked for, then approved
    or refused by an officer of that council. Not a `User.role`: the same person
    may be a resident, a provider member and a referrer; each is its own row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the council")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrer_roles")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="referrers")
    organisation = models.CharField(max_length=200)
    role = models.CharField(max_length=100, help_text="The person's job, e.g. social prescriber.")
    phone = models.CharField(max_length=16, help_text="E.164: the number a helper calls about a referred person.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live application or approval per person and council; a refused one may be asked again.
            models.UniqueConstraint(
                fields=["user", "council"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="referrer_one_live_per_council",
            ),
        ]

    def __str__(self) -> str:
        return f"Referrer {self.pk} ({self.organisation})"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Referral(models.Model):
    """How a resident came to Convene through someone else: a referrer, or an
    officer on the phone line (referrer empty). The resident's account has no
    usable password and no real e-mail address until they claim it."""

    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="referral")
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["referrer", "-created_at"])]

    def __str__(self) -> str:
        return f"Referral of resident {self.resident_id}"


class ConsentRecord(models.Model):
    """Who agreed, to what, when and how, and who recorded it. A referred
    resident is never saved without one."""

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Verbal")
        WRITTEN = "written", _("Written")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(max_length=200, help_text="Who agreed: the person, or who agreed for them and why.")
    agreed_to = models.TextField(max_length=1000)
    given_on = models.DateField()
    method = models.CharField(max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Consent {self.pk} for resident {self.resident_id}"


class AssistedAccess(models.Model):
    """An officer on the phone line acting for one resident of their council, for
    a stated reason, for a limited time. Every page and change made under it is audited."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="assisted_accesses")
    reason = models.CharField(max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["officer", "resident", "ends_at"])]
        verbose_name_plural = "assisted accesses"

    def __str__(self) -> str:
        return f"Officer {self.officer_id} for resident {self.resident_id}"


class ClaimCode(models.Model):
    """A one-time code that lets a referred resident take over their account.
    Only a keyed hash is stored; it expires, and it can be used once."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        EMAIL = "email", _("Email")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="claim_codes")
    digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    email = models.EmailField(blank=True, help_text="The address the code went to, if by e-mail.")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resident", "created_at"])]

    def __str__(self) -> str:
        return f"Claim code {self.pk} for resident {self.resident_id}"


PLACEHOLDER_DOMAIN = "referred.invalid"


def placeholder_email() -> str:
    """The login of a referred resident's account until they claim it: unique,
    in a domain that can never receive mail (RFC 2606), never shown as theirs."""
    return f"referred-{secrets.token_hex(8)}@{PLACEHOLDER_DOMAIN}"


def is_placeholder_email(email: str) -> bool:
    return (email or "").lower().endswith("@" + PLACEHOLDER_DOMAIN)
