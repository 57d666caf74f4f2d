"""Writes about residents and their needs. Every rule about a profile or a need
lives here, so the web pages and the API apply the same ones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from platform_core import dates
from platform_core.availability import is_slot, valid_slots
from platform_core.geo import locate
from platform_core.models import Preference, User
from platform_core.notifications import notify
from platform_core.phones import MOBILE_MESSAGE, phone_is_mobile, phone_normalise
from platform_core.services import market_changed
from platform_core.spoken_languages import language_code

from .models import EDITABLE_STATUSES, REPEAT_EVERY_WEEKS_MAX, VISIT_COUNT_MAX, ContactPreference, Need, Resident
from .notifications import NEED_EXPIRED_UNMATCHED


def _max_length(model: type[Model], field: str) -> int:
    """A text field's limit, for messages that say it."""
    limit = getattr(model._meta.get_field(field), "max_length", None)
    assert isinstance(limit, int), f"{model.__name__}.{field} has no max_length"
    return limit


# --- Profile -------------------------------------------------------------------

NOT_REFERRED_MESSAGE = gettext_lazy("Only someone referred by a referrer can be contacted through them")


def _referred_by_a_referrer(user: User) -> bool:
    """A resident created by a referrer (or being created by one: no profile yet,
    and an account that was never anyone's: see referrals.services)."""
    from .models import Referral, is_placeholder_email

    if Referral.objects.filter(resident__user=user, referrer__isnull=False).exists():
        return True
    return is_placeholder_email(user.email) and not Resident.objects.filter(user=user).exists()


RESIDENT_PROFILE_FIELDS = (
    "preferred_name",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "contact_preference",
    "language",
    "accessibility_needs",
    "vulnerability_notes",
    "consent_share_details",
    "consent_given_at",
)


@transaction.atomic
def resident_save(
    *,
    user: User,
    full_name: str,
    address_line_1: str,
    postcode: str,
    preferred_name: str = "",
    address_line_2: str = "",
    town: str = "",
    phone: str = "",
    contact_preference: str = ContactPreference.EMAIL,
    language: str = "en",
    accessibility_needs: str = "",
    vulnerability_notes: str = "",
    consent_share_details: bool = False,
) -> Resident:
    """Create or update the user's resident profile. The postcode decides the council,
    which becomes the user's council too."""
    errors: dict[str, list[str]] = {}
    if not user.can_be_resident:
        raise ValidationError(_("Only residents have a resident profile."), code="not_resident")
    if contact_preference == ContactPreference.REFERRER and not _referred_by_a_referrer(user):
        errors.setdefault("contact_preference", []).append(str(NOT_REFERRED_MESSAGE))
    if not (full_name or "").strip():
        errors.setdefault("full_name", []).append(_("Enter your full name"))
    elif len(full_name) > _max_length(User, "full_name"):
        errors.setdefault("full_name", []).append(_("Your full name must be 150 characters or fewer"))
    try:
        phone = phone_normalise(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
        phone = ""
    else:
        texts = contact_preference in {ContactPreference.TEXT, ContactPreference.BOTH}
        if not phone and (texts or contact_preference == ContactPreference.PHONE):
            errors.setdefault("phone", []).append(_("Enter a phone number so we can call or text you"))
        elif texts and not phone_is_mobile(phone):
            errors.setdefault("phone", []).append(str(MOBILE_MESSAGE))
    language, language_error = _spoken_language(language, required=True)
    if language_error:
        errors.setdefault("language", []).append(language_error)
    place = None
    try:
        place = locate(postcode)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    resident = Resident.objects.select_for_update().filter(user=user).first() or Resident(user=user)
    was_consenting = resident.consent_share_details if resident.pk else False
    resident.preferred_name = preferred_name
    resident.address_line_1 = address_line_1
    resident.address_line_2 = address_line_2
    resident.town = town
    resident.postcode = place.postcode if place else ""
    resident.phone = phone
    resident.contact_preference = contact_preference
    resident.language = language
    resident.accessibility_needs = accessibility_needs
    resident.vulnerability_notes = vulnerability_notes
    resident.consent_share_details = consent_share_details
    if consent_share_details and not was_consenting:
        resident.consent_given_at = timezone.now()
    elif not consent_share_details:
        resident.consent_given_at = None
    if place is not None:
        resident.council = place.council
        resident.latitude, resident.longitude = place.point.latitude, place.point.longitude
    try:
        resident.full_clean(exclude=["user", "council", "latitude", "longitude", *errors.keys()])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if resident.pk is None:
        resident.save()
    else:
        # The row was read under select_for_update above; write only what this service sets.
        resident.save(update_fields=[*RESIDENT_PROFILE_FIELDS, "council", "latitude", "longitude", "updated_at"])

    assert place is not None  # without one, the postcode's error was raised above
    user.full_name = full_name.strip()
    user.council = place.council
    user.save(update_fields=["full_name", "council"])
    return resident


# --- Needs ---------------------------------------------------------------------

# What a resident may set on a need (web question pages and API alike).
NEED_EDITABLE_FIELDS = (
    "category",
    "title",
    "description",
    "urgency",
    "timing",
    "window_start",
    "window_end",
    "weekly_slots",
    "repeat_every_weeks",
    "ends_on",
    "visit_count",
    "use_home_address",
    "postcode",
    "accessibility",
    "language",
    "preferences",
)
# What `_need_set` may write on an existing need: the editable fields and the point the postcode gives.
NEED_WRITTEN_FIELDS = (*NEED_EDITABLE_FIELDS, "latitude", "longitude")


def _spoken_language(typed: object, *, required: bool) -> tuple[str, str]:
    """(ISO 639 code, error): a language as a person typed it ("Welsh", "pwyleg", "pl")."""
    words = " ".join(str(typed or "").split())
    if not words:
        return "", (_("Enter the language you prefer to speak") if required else "")
    code = language_code(words)
    if code is None:
        return "", _("We do not know the language “%(typed)s”. Enter a language like English, Welsh or Polish") % {
            "typed": words[:40]
        }
    return code, ""


def _need_rule_errors(need: Need, *, complete: bool, now: datetime | None = None) -> dict[str, list[str]]:
    """Cross-field rules. With complete=False (a draft saved mid-journey) only what
    has been answered is checked; with complete=True every answer must be there."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    category = need.category
    if category is not None:
        if category.council_id != need.council_id or not category.is_active:
            add("category", _("Select a kind of help from the list"))
    elif complete:
        add("category", _("Select the kind of help you need"))
    if complete and not need.title.strip():
        add("title", _("Enter a short title for your request"))
    if complete and not need.description.strip():
        add("description", _("Describe the help you need"))

    if need.timing == Need.Timing.ONE_OFF:
        if need.window_start and need.window_end:
            if need.window_end <= need.window_start:
                add("window_end", _("The end time must be after the start time"))
            elif need.window_end <= now:
                add("window_start", _("The date and time must be in the future"))
            elif not (dates.in_range(need.window_start) and dates.in_range(need.window_end)):
                # A window years ahead is no request for help, and one at the end of
                # the calendar once broke every matching run of its council.
                add("window_start", _("Enter a date before %(date)s") % {"date": date_format(dates.latest(), "j F Y")})
        elif complete:
            add("window_start", _("Enter the date and time you need help"))
    elif need.timing == Need.Timing.WEEKLY and complete and not need.weekly_slots:
        add("weekly_slots", _("Select at least one time of the week"))
    # Checked whatever the timing (like the slots below), so nothing absurd is ever stored.
    weekly = need.timing == Need.Timing.WEEKLY
    for field, message in _pattern_errors(need, complete=complete and weekly, today=timezone.localtime(now).date()):
        add(field, message)
    # Checked whatever the timing: a bad slot stored on a one-off need used to
    # crash every page that described it.
    slots = need.weekly_slots
    if not isinstance(slots, list) or not all(is_slot(s) for s in slots):
        add("weekly_slots", _("Select times of the week from the list"))

    unknown = set(need.preferences or []) - set(Preference.values)
    if unknown:
        add("preferences", _("Select preferences from the list"))
    if complete and (not need.postcode or need.latitude is None):
        add("postcode", _("Enter the postcode where you need help"))
    return errors


#: What the "somewhere else" postcode errors say: the place where help is needed.
_ELSEWHERE_MESSAGES = {
    "other_council": gettext_lazy("The place where you need help must be in %(council)s. Enter a postcode there"),
    "outside": gettext_lazy("We do not cover the place where you need help. Enter a postcode in %(council)s"),
    "not_found": gettext_lazy(
        "We could not find the postcode of the place where you need help. Check it and enter it again"
    ),
}


def _pattern_errors(need: Need, *, complete: bool, today: date) -> list[tuple[str, str]]:
    """How often and until when a weekly need's visits come: every 1 to 12
    weeks, until a date within a year or for 1 to 365 visits (one, not both)."""
    errors: list[tuple[str, str]] = []
    every = need.repeat_every_weeks
    if not isinstance(every, int) or not 1 <= every <= REPEAT_EVERY_WEEKS_MAX:
        errors.append(
            ("repeat_every_weeks", _("Choose how many weeks apart, from 1 to %(n)s") % {"n": REPEAT_EVERY_WEEKS_MAX})
        )
    if need.ends_on is not None and need.visit_count is not None:
        errors.append(("ends_on", _("Give an end date or a number of visits, not both")))
    elif need.ends_on is not None:
        if need.ends_on <= today:
            errors.append(("ends_on", _("The end date must be in the future")))
        elif not dates.in_range(need.ends_on):
            errors.append(
                ("ends_on", _("Enter an end date before %(date)s") % {"date": date_format(dates.latest(), "j F Y")})
            )
    elif need.visit_count is not None:
        if not 1 <= need.visit_count <= VISIT_COUNT_MAX:
            errors.append(
                ("visit_count", _("The number of visits must be between 1 and %(n)s") % {"n": VISIT_COUNT_MAX})
            )
    elif complete:
        errors.append(("ends_on", _("Tell us when the visits should end: a date or a number of visits")))
    return errors


def _need_apply_location(need: Need, *, use_home_address: bool, postcode: str) -> None:
    if use_home_address:
        resident = need.resident
        need.use_home_address = True
        need.postcode, need.latitude, need.longitude = resident.postcode, resident.latitude, resident.longitude
        return
    if not (postcode or "").strip():
        raise ValidationError({"postcode": _("Enter the postcode where you need help")}, code="required")
    try:
        place = locate(postcode, within=need.council)
    except ValidationError as exc:
        # `locate` speaks of "a postcode"; here it is the place help is needed, which
        # is often not where the resident lives (a parent's home, a surgery).
        codes = {e.code for e in exc.error_dict.get("postcode", [])}
        for code, message in _ELSEWHERE_MESSAGES.items():
            if code in codes:
                raise ValidationError(
                    {"postcode": ValidationError(str(message) % {"council": need.council.name}, code=code)}
                ) from None
        raise
    need.use_home_address = False
    need.postcode, need.latitude, need.longitude = place.postcode, place.point.latitude, place.point.longitude


def _need_validate(need: Need, *, complete: bool) -> None:
    errors: dict[str, list[str]] = {}
    try:
        # The window's check constraint is the rule below, with a message a resident can act on.
        # The pattern's numbers have their own rules below (_pattern_errors), with messages to act on.
        need.full_clean(
            exclude=["resident", "council", "repeat_every_weeks", "visit_count"], validate_constraints=False
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, messages in _need_rule_errors(need, complete=complete).items():
        errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)


def _acting(by: User | None, resident: Resident, action: str, obj: Any = None) -> None:
    """Someone acting for the resident (a referrer, an officer on the phone line)
    is checked, and an officer's change audited (ADR 0021). `by=None`: the resident."""
    from .referrals.services import acting_record

    acting_record(by=by, resident=resident, action=action, obj=obj)


@transaction.atomic
def need_draft_create(*, resident: Resident, by: User | None = None, **fields: Any) -> Need:
    """Start a need as a draft (saved at every question page so nothing is lost)."""
    need = Need(resident=resident, council=resident.council, status=Need.Status.DRAFT)
    _need_apply_location(need, use_home_address=True, postcode="")
    need = _need_set(need, fields, complete=False)
    _acting(by, resident, "need.created_for_resident", need)
    return need


def _need_set(need: Need, fields: dict[str, Any], *, complete: bool) -> Need:
    unknown = set(fields) - set(NEED_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    fields = dict(fields)
    if "use_home_address" in fields or "postcode" in fields:
        use_home_address = fields.pop("use_home_address", need.use_home_address)
        # Moving a need away from home needs a postcode of its own, never the home one by default.
        kept_postcode = "" if need.use_home_address else need.postcode
        _need_apply_location(need, use_home_address=use_home_address, postcode=fields.pop("postcode", kept_postcode))
    if "weekly_slots" not in fields:
        # Junk stored before slots were checked must not block an unrelated change.
        need.weekly_slots = valid_slots(need.weekly_slots)
    unknown_language = ""
    if "language" in fields:
        fields["language"], unknown_language = _spoken_language(fields["language"], required=False)
    for name, value in fields.items():
        setattr(need, name, value)
    if "timing" in fields:
        # A need is either a one-off window or a weekly pattern, never both.
        if need.timing == Need.Timing.WEEKLY:
            need.window_start = need.window_end = None
        else:
            need.weekly_slots = []
            need.repeat_every_weeks, need.ends_on, need.visit_count = 1, None, None
    if isinstance(need.weekly_slots, list) and all(is_slot(s) for s in need.weekly_slots):
        need.weekly_slots = sorted(set(need.weekly_slots))
    if need.preferences:
        need.preferences = list(dict.fromkeys(need.preferences))
    try:
        _need_validate(need, complete=complete)
    except ValidationError as exc:
        if unknown_language:
            raise ValidationError({**exc.message_dict, "language": [unknown_language]}) from None
        raise
    if unknown_language:
        raise ValidationError({"language": [unknown_language]})
    if need.pk is None:
        need.save()
    else:
        # Callers lock the row first (need_update); write only the fields a resident edits.
        need.save(update_fields=[*NEED_WRITTEN_FIELDS, "updated_at"])
    return need


@transaction.atomic
def need_update(*, need: Need, by: User | None = None, **fields: Any) -> Need:
    """Change a draft or an open need. An open need must stay complete and valid,
    and the market hears about the change."""
    need = (
        Need.objects.select_for_update(of=("self",)).select_related("resident", "council", "category").get(pk=need.pk)
    )
    _acting(by, need.resident, "need.changed_for_resident", need)
    if need.status not in EDITABLE_STATUSES:
        raise ValidationError(_("You can only change a request while it is waiting for a match."), code="not_editable")
    is_open = need.status == Need.Status.OPEN
    need = _need_set(need, fields, complete=is_open)
    if is_open:
        market_changed(council_id=need.council_id)
    return need


@transaction.atomic
def need_post(*, need: Need, by: User | None = None) -> Need:
    """Draft -> open: the whole need is checked, then the market hears about it."""
    need = (
        Need.objects.select_for_update(of=("self",)).select_related("resident", "council", "category").get(pk=need.pk)
    )
    _acting(by, need.resident, "need.posted_for_resident", need)
    if need.status != Need.Status.DRAFT:
        raise ValidationError(_("This request has already been sent."), code="not_draft")
    _need_validate(need, complete=True)
    need.status = Need.Status.OPEN
    need.posted_at = timezone.now()
    need.save(update_fields=["status", "posted_at", "updated_at"])
    market_changed(council_id=need.council_id)
    return need


@transaction.atomic
def need_create_posted(*, resident: Resident, by: User | None = None, **fields: Any) -> Need:
    """Create and post a need in one go (the API's create): all answers at once."""
    _acting(by, resident, "need.created_for_resident")
    need = Need(resident=resident, council=resident.council, status=Need.Status.DRAFT)
    _need_apply_location(need, use_home_address=True, postcode="")
    need = _need_set(need, fields, complete=True)
    return need_post(need=need)


@transaction.atomic
def need_cancel(*, need: Need, reason: str, by: User | None = None) -> Need:
    """Cancel a draft, open or proposed need.

    One conditional UPDATE, so a cancel racing the matching engine either wins
    or is refused; matching checks the need's status before acting on a proposal.
    """
    reason = (reason or "").strip()
    max_length = _max_length(Need, "status_reason")
    if not reason:
        raise ValidationError({"reason": _("Tell us why you are cancelling")}, code="required")
    if len(reason) > max_length:
        raise ValidationError(
            {"reason": _("The reason must be %(limit)s characters or fewer") % {"limit": max_length}}, code="max_length"
        )
    _acting(by, need.resident, "need.cancelled_for_resident", need)
    now = timezone.now()
    values = {"status": Need.Status.CANCELLED, "status_reason": reason, "closed_at": now, "updated_at": now}
    was_live = bool(
        Need.objects.filter(pk=need.pk, status__in=[Need.Status.OPEN, Need.Status.PROPOSED]).update(**values)
    )
    if not was_live and not Need.objects.filter(pk=need.pk, status=Need.Status.DRAFT).update(**values):
        raise ValidationError(_("This request can no longer be cancelled."), code="not_cancellable")
    need.refresh_from_db()
    if was_live:
        market_changed(council_id=need.council_id)
    return need


def need_expire_overdue(*, now: datetime | None = None) -> int:
    """Open or proposed one-off needs whose window has ended become expired, and
    weekly needs whose last day (`ends_on`) has passed.

    Needs with a proposal go in one UPDATE. A need that expires still waiting for a
    match (open) is moved by its own conditional UPDATE and its resident is told
    (issue 9), so running this twice (or in two workers) expires and tells once.
    """
    now = now or timezone.now()
    one_off = Q(timing=Need.Timing.ONE_OFF, window_end__lt=now)
    # A weekly need still waiting when its last day has gone has no visits left to plan.
    weekly = Q(timing=Need.Timing.WEEKLY, ends_on__lt=timezone.localtime(now).date())

    def reason(timing: str) -> str:
        # Stored in English; the page shows it in the reader's language ({% translate need.status_reason %}).
        if timing == Need.Timing.WEEKLY:
            return gettext_noop("The last day you asked for has passed.")
        return gettext_noop("The time you asked for has passed.")

    expired = 0
    for kind in (Need.Timing.ONE_OFF, Need.Timing.WEEKLY):
        expired += Need.objects.filter(one_off | weekly, timing=kind, status=Need.Status.PROPOSED).update(
            status=Need.Status.EXPIRED, status_reason=reason(kind), closed_at=now, updated_at=now
        )
    waiting = Need.objects.filter(one_off | weekly, status=Need.Status.OPEN).values_list("pk", "timing")
    for pk, need_timing in list(waiting.order_by("pk")):
        with transaction.atomic():
            if not Need.objects.filter(pk=pk, status=Need.Status.OPEN).update(
                status=Need.Status.EXPIRED, status_reason=reason(need_timing), closed_at=now, updated_at=now
            ):
                continue
            expired += 1
            need = Need.objects.select_related("resident__user").get(pk=pk)
            notify(
                kind=NEED_EXPIRED_UNMATCHED,
                user=need.resident.user,
                url=reverse("residents:need_detail", args=[need.reference]),
                need=need,
            )
    return expired
