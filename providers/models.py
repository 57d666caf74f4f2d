"""Providers, their members and verification evidence, and the offers they post."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform_core.models import TIER_ORDER, Council, SafeguardingTier, ServiceCategory, tier_rank
from platform_core.money import pounds


class Provider(models.Model):
    class Kind(models.TextChoices):
        CARE_FIRM = "care_firm", _("Registered care firm")
        CHARITY = "charity", _("Charity")
        COMMUNITY_GROUP = "community_group", _("Community group")
        BUSINESS = "business", _("Local business")
        VOLUNTEER = "volunteer", _("Individual volunteer")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        SUBMITTED = "submitted", _("Waiting for the council")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Evidence expired")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="providers")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)
    postcode = models.CharField(max_length=8)
    latitude = models.FloatField()
    longitude = models.FloatField()
    verification_status = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED, db_index=True
    )
    clearance = models.CharField(
        max_length=20,
        choices=SafeguardingTier.choices,
        blank=True,
        help_text="The highest safeguarding tier the accepted, unexpired evidence clears. "
        "Recomputed by providers.services whenever evidence changes.",
    )
    is_suspended = models.BooleanField(default=False, db_index=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["council", "verification_status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def district(self) -> str:
        return self.postcode.split(" ")[0]

    @property
    def is_individual(self) -> bool:
        return self.kind == self.Kind.VOLUNTEER


class ProviderMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="member_once_per_provider")]

    def __str__(self) -> str:
        return f"{self.user} in {self.provider}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ProviderInvitation(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the invitation e-mail was sent.")

    def __str__(self) -> str:
        return f"Invitation for {self.email}"


class VerificationEvidence(models.Model):
    """Evidence the council checks. Organisation evidence (CQC, charity number,
    company or group registration) belongs to the provider; person evidence (a DBS
    certificate, an identity check) also names the member it is about, and clears
    that person, not the organisation (docs/decisions/0023-vetting-belongs-to-the-person.md).

    Person evidence whose member has left keeps its row (member emptied) and clears nobody."""

    class Kind(models.TextChoices):
        CQC = "cqc", "CQC registration"
        CHARITY_NUMBER = "charity_number", "Charity number"
        DBS = "dbs", "DBS certificate"
        ID_CHECK = "id_check", "Identity check"
        COMPANY = "company", "Company or group registration"
        INSURANCE = "insurance", "Public liability insurance"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the council")
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", "Expired"

    class DbsLevel(models.TextChoices):
        BASIC = "basic", _("basic")
        STANDARD = "standard", _("standard")
        ENHANCED = "enhanced", _("enhanced")
        ENHANCED_BARRED = "enhanced_barred", _("enhanced with barred lists")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="evidence")
    member = models.ForeignKey(
        "ProviderMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
        help_text="Person evidence (DBS, identity check): the member it names. Empty for organisation evidence.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    dbs_level = models.CharField(
        max_length=16,
        choices=DbsLevel.choices,
        blank=True,
        help_text="A DBS certificate's level. Empty: sent before levels were asked (it clears as it did then).",
    )
    reference = models.CharField(max_length=40, help_text="CQC location id, charity or DBS certificate number.")
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    update_service_consent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, help_text="The 30-day expiry warning (once).")
    final_reminder_sent_at = models.DateTimeField(null=True, blank=True, help_text="The 7-day expiry warning (once).")

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            # Organisation evidence never names a member. Person evidence is sent naming one
            # (evidence_submit); it loses the name only when that member leaves.
            models.CheckConstraint(
                name="evidence_member_only_on_person_evidence",
                condition=Q(kind__in=("dbs", "id_check")) | Q(member__isnull=True),
            ),
            models.CheckConstraint(
                name="evidence_dbs_level_only_on_dbs",
                condition=Q(kind="dbs") | Q(dbs_level=""),
            ),
        ]
        indexes = [models.Index(fields=["member", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.provider}"

    @property
    def is_person_evidence(self) -> bool:
        return self.kind in PERSON_EVIDENCE


class OfferQuerySet(models.QuerySet["Offer"]):
    def priced_above(self, cap_pence: int) -> OfferQuerySet:
        """Offers whose price breaks a cap of `cap_pence`: the query form of
        `ServiceCategory.price_above_cap` (free offers cost 0, so never)."""
        return self.filter(price_pence__gt=cap_pence)


class Offer(models.Model):
    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", "Waiting for council review"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"
        HIDDEN = "hidden", "Hidden by the council"

    class CostType(models.TextChoices):
        FREE = "free", _("Free")
        PER_HOUR = "per_hour", _("Per hour")
        PER_VISIT = "per_visit", _("Per visit")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="offers")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(max_length=100)
    description = models.TextField(max_length=2000)
    categories = models.ManyToManyField(ServiceCategory, related_name="offers")
    capacity = models.PositiveSmallIntegerField(default=1, help_text="How many needs at once.")
    capacity_left = models.PositiveSmallIntegerField(default=1)
    postcode = models.CharField(max_length=8)
    latitude = models.FloatField()
    longitude = models.FloatField()
    radius_km = models.DecimalField(max_digits=5, decimal_places=1, default=5)
    weekly_slots = models.JSONField(default=list, blank=True, help_text="Availability slots; empty: any time.")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639 codes of the languages spoken.")
    languages_unrecognised = models.JSONField(
        default=list, blank=True, help_text="What was typed before languages were codes and named no language."
    )
    preferences_met = models.JSONField(default=list, blank=True)
    cost_type = models.CharField(max_length=10, choices=CostType.choices, default=CostType.FREE)
    price_pence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # No partial index for "active with capacity left" (issue 11 asked to check one):
        # with two thirds of offers in the market PostgreSQL scans the table anyway
        # (EXPLAIN in docs/performance.md), and capacity_left in an index predicate
        # would stop every accept's capacity update from being a HOT update.
        indexes = [models.Index(fields=["council", "status"])]
        constraints = [
            # Backs the conditional update that takes capacity: never overbooked.
            models.CheckConstraint(name="offer_capacity_left_not_negative", condition=Q(capacity_left__gte=0)),
            models.CheckConstraint(
                name="offer_capacity_left_within_capacity", condition=Q(capacity_left__lte=F("capacity"))
            ),
            models.CheckConstraint(name="offer_capacity_positive", condition=Q(capacity__gte=1)),
            models.CheckConstraint(name="offer_free_costs_nothing", condition=~Q(cost_type="free") | Q(price_pence=0)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def district(self) -> str:
        return self.postcode.split(" ")[0]

    @property
    def tag_colour(self) -> str:
        """The GOV.UK tag colour of the status (`govuk-tag--<colour>`)."""
        return OFFER_TAG_COLOURS.get(self.status, "grey")

    @property
    def capacity_in_use(self) -> int:
        return self.capacity - self.capacity_left

    @property
    def cost_description(self) -> str:
        """'Free', '£12.50 per hour' or '£20.00 per visit'."""
        if self.cost_type == self.CostType.FREE:
            return "Free"
        unit = "per hour" if self.cost_type == self.CostType.PER_HOUR else "per visit"
        return f"{pounds(self.price_pence)} {unit}"

    def categories_over_cap(self, categories: Iterable[ServiceCategory] | None = None) -> list[ServiceCategory]:
        """The offer's categories (or `categories`) whose price cap this offer's price breaks."""
        categories = self.categories.all() if categories is None else categories
        return [c for c in categories if c.price_above_cap(self.price_pence)]


# Evidence about a person: it names the member it is about.
PERSON_EVIDENCE = frozenset({VerificationEvidence.Kind.DBS, VerificationEvidence.Kind.ID_CHECK})
# Evidence the council keeps on the organisation's file that verifies nobody by itself.
SUPPORTING_EVIDENCE = frozenset({VerificationEvidence.Kind.INSURANCE})

OFFER_TAG_COLOURS = {Offer.Status.ACTIVE: "green", Offer.Status.PENDING_REVIEW: "yellow", Offer.Status.HIDDEN: "red"}

# Which evidence each kind of provider may send.
EVIDENCE_ALLOWED: dict[str, tuple[str, ...]] = {
    Provider.Kind.CARE_FIRM: (
        VerificationEvidence.Kind.CQC,
        VerificationEvidence.Kind.COMPANY,
        VerificationEvidence.Kind.INSURANCE,
    ),
    Provider.Kind.CHARITY: (
        VerificationEvidence.Kind.CHARITY_NUMBER,
        VerificationEvidence.Kind.DBS,
        VerificationEvidence.Kind.COMPANY,
        VerificationEvidence.Kind.INSURANCE,
    ),
    Provider.Kind.COMMUNITY_GROUP: (
        VerificationEvidence.Kind.COMPANY,
        VerificationEvidence.Kind.CHARITY_NUMBER,
        VerificationEvidence.Kind.DBS,
        VerificationEvidence.Kind.INSURANCE,
    ),
    Provider.Kind.BUSINESS: (VerificationEvidence.Kind.COMPANY, VerificationEvidence.Kind.INSURANCE),
    Provider.Kind.VOLUNTEER: (VerificationEvidence.Kind.ID_CHECK, VerificationEvidence.Kind.DBS),
}

# The evidence that makes a provider VERIFIED. None: any accepted evidence
# (the officer accepted whatever the group or business sent).
EVIDENCE_REQUIRED: dict[str, str | None] = {
    Provider.Kind.CARE_FIRM: VerificationEvidence.Kind.CQC,
    Provider.Kind.CHARITY: VerificationEvidence.Kind.CHARITY_NUMBER,
    Provider.Kind.COMMUNITY_GROUP: None,
    Provider.Kind.BUSINESS: None,
    Provider.Kind.VOLUNTEER: VerificationEvidence.Kind.ID_CHECK,
}


def clearance_covers(clearance: str, tier: str) -> bool:
    """Whether a provider's clearance is enough for a category's safeguarding tier.

    A blank clearance (not verified) covers nothing; tiers are ordered by `tier_rank`.
    """
    return bool(clearance) and tier_rank(clearance) >= tier_rank(tier)


def clearances_short_of(tier: str) -> list[str]:
    """Every clearance that does not cover `tier` (blank included): the query
    form of `clearance_covers`, for `provider__clearance__in=...`."""
    return ["", *(t.value for t in TIER_ORDER if tier_rank(t) < tier_rank(tier))]
