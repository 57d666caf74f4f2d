"""What every app stands on: users and roles, councils and their market
vocabulary, offline postcodes, the audit log and notifications."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

# The one import that runs up the layers (.importlinter names it): the
# engine's default weights are pure data, read without loading the engine.
from matching.engine.weights import DEFAULT_WEIGHTS


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        return self._create_user(email, password, **extra)


class NotifyBy(models.TextChoices):
    """How a provider member or an officer wants notifications beyond the in-app list.

    Residents choose on their profile (`residents.models.ContactPreference`),
    which also offers a letter; see platform_core/notifications/contacts.py.
    """

    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    BOTH = "both", "Email and text message"


class Language(models.TextChoices):
    """The languages the service speaks (settings.LANGUAGES), each named in
    itself, as a language switcher names them. English is always offered; a
    council turns the others on (Council.welsh_enabled; platform_core/i18n.py)."""

    ENGLISH = "en-gb", "English"
    WELSH = "cy", "Cymraeg"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. E-mail is the login; the role decides what they see."""

    class Role(models.TextChoices):
        RESIDENT = "resident", "Resident"
        PROVIDER = "provider", "Provider member"
        OFFICER = "officer", "Council officer"
        ADMIN = "admin", "Platform admin"

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RESIDENT)
    council = models.ForeignKey(
        "Council",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="The council an officer works for, or a resident lives in.",
    )
    phone = models.CharField(
        max_length=16, blank=True, help_text="E.164. For texts to provider members and officers (residents: profile)."
    )
    notify_by = models.CharField(max_length=8, choices=NotifyBy.choices, default=NotifyBy.EMAIL)
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        blank=True,
        help_text="The language of the pages and of everything sent to this person. Empty: not chosen (English).",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="officer_has_council",
                condition=~models.Q(role="officer") | models.Q(council__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.role == self.Role.OFFICER and self.council_id is None:
            raise ValidationError({"council": "A council officer must belong to a council."})

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER and self.council_id is not None

    # One person may hold several roles (DESIGN.md "Actors"): a volunteer who also
    # needs help is a resident and a provider member at once. `role` is only what
    # they signed up as (where "home" sends them); what they may do is derived
    # from what they have: a resident profile, memberships, an officer's council.

    @property
    def can_be_resident(self) -> bool:
        """May ask for help: residents and provider members (never officers or admins),
        so a resident who registers a provider keeps their own requests."""
        return self.role in (self.Role.RESIDENT, self.Role.PROVIDER)

    @cached_property
    def has_resident_profile(self) -> bool:
        """Has told us where they live (residents.Resident), so they are a resident too."""
        if self.pk is None:
            return False
        try:
            self.resident  # noqa: B018 - the reverse one-to-one, cached on the instance
        except ObjectDoesNotExist:
            return False
        return True

    @cached_property
    def provider_ids(self) -> list[int]:
        """The providers this user is a member of (one query, kept on the user for the
        request: the header and the provider side of the lists ask the same)."""
        if self.pk is None:
            return []
        return sorted(self.provider_memberships.values_list("provider_id", flat=True))

    @property
    def is_provider_member(self) -> bool:
        """Belongs to at least one provider (an organisation or their own volunteering)."""
        return bool(self.provider_ids)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


# Whoever makes a request: a signed-in user or an anonymous visitor. Selectors and
# permission checks take this and answer "nothing" for the anonymous.
AnyUser: TypeAlias = User | AnonymousUser


class Council(models.Model):
    """A local authority: the tenant that owns every need, offer, provider and rule."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    short_name = models.CharField(max_length=60, blank=True, help_text="Shown in the header, e.g. 'Kingston'.")
    contact_email = models.EmailField(blank=True)
    safeguarding_email = models.EmailField(blank=True)
    officer_token_hours = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="The longest an officer's API token may last, in hours (a working day by default, at most 24).",
    )
    welsh_enabled = models.BooleanField(
        default=False,
        help_text="Offer the service in Welsh as well as English: the language switcher, pages, e-mails and texts.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CouncilDistrict(models.Model):
    """A postcode district (outcode, e.g. KT1) that a council covers."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="districts")
    outcode = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=100, blank=True, help_text="Place names, e.g. 'Kingston upon Thames'.")

    class Meta:
        ordering = ["outcode"]

    def __str__(self) -> str:
        return self.outcode


class SafeguardingTier(models.TextChoices):
    """Which providers may serve a category, from least to most checked."""

    OPEN = "open", _("Open to all verified providers")
    ID_CHECKED = "id_checked", _("ID-checked")
    DBS_CHECKED = "dbs_checked", _("DBS-checked")
    REGULATED_CARE = "regulated_care", _("Regulated care (CQC-registered)")


TIER_ORDER = [
    SafeguardingTier.OPEN,
    SafeguardingTier.ID_CHECKED,
    SafeguardingTier.DBS_CHECKED,
    SafeguardingTier.REGULATED_CARE,
]


def tier_rank(tier: str) -> int:
    """How checked a tier is: 0 for OPEN up to 3 for REGULATED_CARE (0 for blank or unknown).

    The one ordering of tiers: clearance checks, the engine's safeguarding
    filter and the console's previews all compare ranks from here.
    """
    try:
        return TIER_ORDER.index(SafeguardingTier(tier))
    except ValueError:
        return 0


class ServiceCategory(models.Model):
    """A kind of help, set per council, with the safeguarding tier that gates it.

    The price cap lives here rather than on MarketRule so a cap always belongs
    to exactly one category; the officer console edits both as "market rules".
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    safeguarding_tier = models.CharField(max_length=20, choices=SafeguardingTier.choices, default=SafeguardingTier.OPEN)
    price_cap_pence = models.PositiveIntegerField(
        null=True, blank=True, help_text="Highest price per hour or visit, in pence. Empty: no cap."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "service categories"
        constraints = [
            models.UniqueConstraint(fields=["council", "slug"], name="category_slug_unique_per_council"),
        ]

    def __str__(self) -> str:
        return self.name

    def price_above_cap(self, price_pence: int) -> bool:
        """Whether a price breaks this category's cap (no cap: never). A free
        offer costs nothing, so it never does."""
        return self.price_cap_pence is not None and price_pence > self.price_cap_pence


class Preference(models.TextChoices):
    """Things a resident may ask of a helper and an offer may declare it meets."""

    FEMALE_HELPER = "female_helper", _("A female helper")
    MALE_HELPER = "male_helper", _("A male helper")
    STEP_FREE_VEHICLE = "step_free_vehicle", _("A vehicle with step-free access")
    BSL = "bsl", _("British Sign Language")
    DEMENTIA_AWARE = "dementia_aware", _("Dementia-aware helper")
    PET_FRIENDLY = "pet_friendly", _("Comfortable with pets")


def default_weights() -> dict[str, float]:
    """A new council's matching weights: the engine's own defaults (one source,
    `matching/engine/weights.py`), so the objective the benchmarks and
    docs/matching.md describe is the one a council gets until it changes it."""
    return dict(DEFAULT_WEIGHTS)


class MarketRule(models.Model):
    """The council's regulation of its market (one row per council)."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="market_rule")
    max_distance_km = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0.5), MaxValueValidator(100)],
        help_text="The furthest a match may span.",
    )
    response_deadline_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="How long a provider has to answer a proposal.",
    )
    max_open_proposals_volunteer = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many open proposals an individual volunteer may hold at once.",
    )
    urgent_unmatched_alert_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="An urgent need still unmatched after this many hours alerts the council's officers, once.",
    )
    weights = models.JSONField(default=default_weights, help_text="Matching score weights (council policy).")
    missed_visits_alert_after = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many visits of an ongoing arrangement missed in a row alert the council's officers.",
    )
    visit_notice_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="How many days' notice a provider gives before pausing or ending ongoing visits.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Market rules for {self.council}"


class Postcode(models.Model):
    """A GB unit postcode from OS Code-Point Open, in WGS84.

    Contains OS data © Crown copyright and database right (OGL v3).
    """

    postcode = models.CharField(max_length=8, primary_key=True)
    outcode = models.CharField(max_length=4, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    def __str__(self) -> str:
        return self.postcode


class OutcodeCentroid(models.Model):
    """The mean point of a postcode district: the fallback for unknown units."""

    outcode = models.CharField(max_length=4, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    postcode_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.outcode


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Written by
    `platform_core.services.audit_record` only; never edited or deleted."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_email = models.EmailField(blank=True, help_text="Kept if the actor's account is later erased.")
    council = models.ForeignKey(Council, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["council", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"

    def save(self, *args, **kwargs) -> None:
        # An audit log that can be rewritten is not an audit log.
        if self.pk is not None:
            raise ValidationError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events cannot be deleted.")


class OutgoingEmail(models.Model):
    """An e-mail waiting to leave, or gone: the outbox for mail that is rendered
    in a request (allauth's address confirmations and password resets). A task
    sends it after commit and a beat sweep catches what a lost message left
    behind, so a broker outage delays a mail and never loses it. The body may
    hold a secret link, so a sent mail keeps neither its address nor its body."""

    to = models.JSONField(default=list)
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A sender holds it until then.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self) -> str:
        return self.subject


class ApiToken(AbstractAuthToken):
    """A personal API token (django-rest-knox): only a SHA-512 digest is stored,
    the token itself is shown once. It never outlives its expiry, and
    `two_factor` says whether it was created in a session that had passed
    two-factor authentication: the console API accepts no other (ADR 0014)."""

    name = models.CharField(max_length=80)
    two_factor = models.BooleanField(
        default=False, help_text="Created in a session that had passed two-factor authentication."
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class Notification(models.Model):
    """An in-app notice that something needs the user's attention: one kind from
    the registry (platform_core/notifications/kinds.py), rendered in the
    recipient's language. Its e-mail, text or letter are its deliveries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


class Delivery(models.Model):
    """One notification on one channel (e-mail, text, letter): where it went,
    how it went, and how many tries it took. One per channel per notification,
    so a task run twice, or a fallback tried twice, sends once."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        LETTER = "letter", "Letter"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Undeliverable"
        TO_POST = "to_post", "Letter to post"
        POSTED = "posted", "Letter posted"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254, blank=True, help_text="The e-mail address or E.164 number used.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=64, blank=True, help_text="GOV.UK Notify's id, or a file name.")
    error = models.CharField(max_length=300, blank=True)
    fallback_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The failed delivery."
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True, help_text="A letter posted, or a failure followed up.")
    handled_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "handled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for notification {self.notification_id}: {self.status}"
