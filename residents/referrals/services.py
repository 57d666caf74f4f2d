"""Writes about referrers, the residents they refer, and officers on the phone line.

A referrer is an approval record (`Referrer`), not a role: a person asks to
refer residents to one council and an officer of that council approves or
refuses, audited. An approved referrer (or an officer acting for a caller,
with a reason) creates a resident who needs no account and no e-mail address,
always with a consent record; the resident's needs are then posted through
the residents' own services (`residents.services`, with `by=`), which check
`residents.permissions` and audit an officer's changes here (`acting_record`).
The resident can take the account over later with a one-time code
(`claim_code_issue`, `claim_code_redeem`). See ADR 0021.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.geo import locate
from platform_core.models import Council, User
from platform_core.notifications import notify, notify_each
from platform_core.notifications.contacts import ContactRoute
from platform_core.permissions import require_officer_of
from platform_core.phones import phone_is_mobile, phone_normalise
from platform_core.services import audit_record

from ..models import (
    AssistedAccess,
    ClaimCode,
    ConsentRecord,
    ContactPreference,
    Referral,
    Referrer,
    Resident,
    is_placeholder_email,
    placeholder_email,
)
from ..notifications import (
    CLAIM_CODE,
    REFERRAL_CLAIMED,
    REFERRER_APPLIED,
    REFERRER_APPROVED,
    REFERRER_REFUSED,
    REFERRER_WITHDRAWN,
)
from ..permissions import require_may_act_for

# How long an officer's access for one caller lasts (the length of a long call and its follow-up).
ASSIST_HOURS = 2
CLAIM_CODE_HOURS = 72
CLAIM_CODES_PER_DAY = 3
# No 0/O/1/I: a code read out on the phone or copied from a text is unambiguous. 8 characters: 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8

OFFICERS_USE_THE_PHONE_LINE = gettext_lazy("Council officers act for residents through the console, not as referrers.")


def _field_errors(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(str(message))


# --- Becoming a referrer -------------------------------------------------------------------


@transaction.atomic
def referrer_apply(*, user: User, council: Council, organisation: str, role: str, phone: str) -> Referrer:
    """Ask to refer residents to a council. The council's officers are told."""
    errors: dict[str, list[str]] = {}
    if not user.is_authenticated:
        raise PermissionDenied
    if user.is_officer or user.is_staff:
        raise ValidationError(OFFICERS_USE_THE_PHONE_LINE, code="officer")
    organisation, role = (organisation or "").strip(), (role or "").strip()
    if not organisation:
        _field_errors(errors, "organisation", _("Enter the name of your organisation"))
    elif len(organisation) > 200:
        _field_errors(errors, "organisation", _("The organisation's name must be 200 characters or fewer"))
    if not role:
        _field_errors(errors, "role", _("Enter your role, for example social prescriber"))
    elif len(role) > 100:
        _field_errors(errors, "role", _("Your role must be 100 characters or fewer"))
    try:
        phone = phone_normalise(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    else:
        if not phone:
            _field_errors(errors, "phone", _("Enter a work phone number a helper can call"))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            referrer = Referrer.objects.create(
                user=user, council=council, organisation=organisation, role=role, phone=phone
            )
    except IntegrityError:
        raise ValidationError(
            {"council": _("You have already asked to refer residents to this council")}, code="duplicate"
        ) from None
    audit_record(actor=user, action="referrer.applied", obj=referrer, council=council)
    officers = User.objects.filter(role=User.Role.OFFICER, council=council, is_active=True)
    notify_each(kind=REFERRER_APPLIED, users=officers, url=reverse("marketplace:referrer_queue"), referrer=referrer)
    return referrer


@transaction.atomic
def referrer_decide(
    *, referrer: Referrer, officer: User, approve: bool, reason: str = "", request: HttpRequest | None = None
) -> Referrer:
    """An officer approves or refuses a pending request (a refusal needs a reason,
    which the applicant is told). Audited with the reason."""
    require_officer_of(user=officer, council_id=referrer.council_id)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Enter the reason for refusing")}, code="required")
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason must be 500 characters or fewer")}, code="max_length")
    status = Referrer.Status.APPROVED if approve else Referrer.Status.REFUSED
    now = timezone.now()
    updated = Referrer.objects.filter(pk=referrer.pk, status=Referrer.Status.PENDING).update(
        status=status, decision_reason=reason, decided_by=officer, decided_at=now
    )
    if not updated:
        raise ValidationError(_("This request has already been decided."), code="decided")
    referrer.refresh_from_db()
    audit_record(
        actor=officer,
        action="referrer.approved" if approve else "referrer.refused",
        obj=referrer,
        council=referrer.council,
        reason=reason,
        request=request,
    )
    notify(
        kind=REFERRER_APPROVED if approve else REFERRER_REFUSED,
        user=referrer.user,
        url=reverse("referrals:dashboard"),
        referrer=referrer,
    )
    return referrer


@transaction.atomic
def referrer_withdraw(
    *, referrer: Referrer, officer: User, reason: str, request: HttpRequest | None = None
) -> Referrer:
    """An officer ends an approval (the person left the organisation, a concern
    was raised): from now on the referrer sees none of the people they referred.
    Audited with the reason, which the referrer is told."""
    require_officer_of(user=officer, council_id=referrer.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter the reason for withdrawing the approval")}, code="required")
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason must be 500 characters or fewer")}, code="max_length")
    updated = Referrer.objects.filter(pk=referrer.pk, status=Referrer.Status.APPROVED).update(
        status=Referrer.Status.REFUSED, decision_reason=reason, decided_by=officer, decided_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Only an approved referrer can have their approval withdrawn."), code="not_approved")
    referrer.refresh_from_db()
    audit_record(
        actor=officer,
        action="referrer.withdrawn",
        obj=referrer,
        council=referrer.council,
        reason=reason,
        request=request,
    )
    notify(kind=REFERRER_WITHDRAWN, user=referrer.user, url=reverse("referrals:dashboard"), referrer=referrer)
    return referrer


# --- Acting for a resident -----------------------------------------------------------------


def assisted_access_for(*, officer: User, resident: Resident) -> AssistedAccess | None:
    """The officer's access for this resident that has not ended, or None."""
    if not officer.is_authenticated or not officer.is_officer:
        return None
    return (
        AssistedAccess.objects.filter(officer=officer, resident=resident, ends_at__gt=timezone.now())
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def assist_start(
    *, officer: User, resident: Resident, reason: str, request: HttpRequest | None = None
) -> AssistedAccess:
    """An officer on the phone line starts acting for a resident of their council,
    for a reason recorded in the audit log with every page and change that follows."""
    require_officer_of(user=officer, council_id=resident.council_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter why you are acting for this resident")}, code="required")
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason must be 500 characters or fewer")}, code="max_length")
    now = timezone.now()
    access = AssistedAccess.objects.create(
        officer=officer, resident=resident, reason=reason, started_at=now, ends_at=now + timedelta(hours=ASSIST_HOURS)
    )
    audit_record(
        actor=officer,
        action="resident.assist_started",
        obj=resident,
        council=resident.council,
        reason=reason,
        data={"ends_at": access.ends_at.isoformat()},
        request=request,
    )
    return access


def acting_record(*, by: User | None, resident: Resident, action: str, obj: Any = None) -> None:
    """The one check a residents' service makes when someone may be acting for the
    resident: `by` must be allowed (themself, their referrer, an assisting
    officer), and an officer's change is audited with their stated reason."""
    if by is None or by.pk == resident.user_id:
        return
    require_may_act_for(user=by, resident=resident)
    if by.is_officer:
        access = assisted_access_for(officer=by, resident=resident)
        audit_record(
            actor=by,
            action=action,
            obj=obj if obj is not None else resident,
            council=resident.council,
            reason=access.reason if access else "",
            data={"resident": resident.pk, "assisted": True},
        )


CONSENT_FIELDS = ("given_by", "agreed_to", "given_on", "method")


def _consent_errors(consent: dict[str, Any], errors: dict[str, list[str]]) -> None:
    given_by = (consent.get("given_by") or "").strip()
    if not given_by:
        _field_errors(errors, "consent_given_by", _("Enter who agreed"))
    elif len(given_by) > 200:
        _field_errors(errors, "consent_given_by", _("Who agreed must be 200 characters or fewer"))
    agreed_to = (consent.get("agreed_to") or "").strip()
    if not agreed_to:
        _field_errors(errors, "consent_agreed_to", _("Enter what they agreed to"))
    elif len(agreed_to) > 1000:
        _field_errors(errors, "consent_agreed_to", _("What they agreed to must be 1000 characters or fewer"))
    given_on = consent.get("given_on")
    if not isinstance(given_on, date):
        _field_errors(errors, "consent_given_on", _("Enter the date they agreed"))
    elif given_on > timezone.localdate():
        _field_errors(errors, "consent_given_on", _("The date they agreed must be today or in the past"))
    if consent.get("method") not in ConsentRecord.Method.values:
        _field_errors(errors, "consent_method", _("Select how they agreed"))


@transaction.atomic
def referred_resident_create(
    *,
    by: User,
    full_name: str,
    address_line_1: str,
    postcode: str,
    consent: dict[str, Any],
    address_line_2: str = "",
    town: str = "",
    phone: str = "",
    contact_preference: str = ContactPreference.PHONE,
    accessibility_needs: str = "",
    vulnerability_notes: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> Resident:
    """Create a resident for someone who is not online: an approved referrer for
    the postcode's council, or an officer of it (with a reason). Without a whole
    consent record (who agreed, to what, when, how) nothing is saved. The
    resident's account has no password and no e-mail address until they claim it."""
    from ..services import resident_save

    errors: dict[str, list[str]] = {}
    _consent_errors(consent or {}, errors)
    referrer: Referrer | None = None
    place = None
    try:
        place = locate(postcode)
    except ValidationError:
        pass  # resident_save below says what is wrong with it
    if by.is_officer:
        if not (reason or "").strip():
            _field_errors(errors, "reason", _("Enter why you are creating this resident"))
        if place is not None and place.council.pk != by.council_id:
            _field_errors(errors, "postcode", _("Enter a postcode in %(council)s") % {"council": by.council.name})
        if contact_preference == ContactPreference.REFERRER:
            _field_errors(errors, "contact_preference", _("Select how the helper should contact them"))
    else:
        approved = Referrer.objects.filter(user=by, status=Referrer.Status.APPROVED).select_related("council")
        if not approved.exists():
            raise PermissionDenied(_("Only an approved referrer can refer residents."))
        if place is not None:
            referrer = approved.filter(council=place.council).first()
            if referrer is None:
                _field_errors(
                    errors,
                    "postcode",
                    _("This address is in %(council)s, which has not approved you as a referrer")
                    % {"council": place.council.name},
                )
    user = User(email=placeholder_email(), role=User.Role.RESIDENT, is_active=True)
    user.set_unusable_password()
    resident: Resident | None = None
    try:
        with transaction.atomic():
            user.save()
            resident = resident_save(
                user=user,
                full_name=full_name,
                address_line_1=address_line_1,
                address_line_2=address_line_2,
                town=town,
                postcode=postcode,
                phone=phone,
                contact_preference=contact_preference,
                accessibility_needs=accessibility_needs,
                vulnerability_notes=vulnerability_notes,
                # The consent record covers sharing with the helper they confirm.
                consent_share_details=True,
            )
            if errors:
                raise ValidationError(errors)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    errors.setdefault(field, []).append(message)
        raise ValidationError(errors) from None
    assert resident is not None
    Referral.objects.create(resident=resident, referrer=referrer, created_by=by)
    ConsentRecord.objects.create(
        resident=resident,
        given_by=consent["given_by"].strip(),
        agreed_to=consent["agreed_to"].strip(),
        given_on=consent["given_on"],
        method=consent["method"],
        recorded_by=by,
    )
    if by.is_officer:
        assist_start(officer=by, resident=resident, reason=reason, request=request)
    audit_record(
        actor=by,
        action="resident.referred",
        obj=resident,
        council=resident.council,
        reason=(reason or "").strip(),
        data={"referrer": referrer.pk if referrer else None},
        request=request,
    )
    return resident


# --- Claiming the account ------------------------------------------------------------------


def _digest(code: str) -> str:
    """A keyed hash: a stolen table gives no code, and a code finds its row."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), f"claim:{normalised}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def claim_code_issue(*, by: User, resident: Resident, channel: str, email: str = "") -> ClaimCode:
    """Send a referred resident a one-time code, by text to their mobile or by
    e-mail to an address they gave. Earlier codes stop working; at most
    CLAIM_CODES_PER_DAY are sent a day."""
    require_may_act_for(user=by, resident=resident)
    resident = Resident.objects.select_for_update().select_related("user").get(pk=resident.pk)
    referral = Referral.objects.filter(resident=resident).first()
    if referral is None or referral.claimed_at is not None or not is_placeholder_email(resident.user.email):
        raise ValidationError(_("This resident already manages their own account."), code="claimed")
    now = timezone.now()
    if ClaimCode.objects.filter(resident=resident, created_at__gte=now - timedelta(days=1)).count() >= (
        CLAIM_CODES_PER_DAY
    ):
        raise ValidationError(_("We have sent 3 codes today. Try again tomorrow."), code="rate_limited")
    if channel == ClaimCode.Channel.SMS:
        if not phone_is_mobile(resident.phone):
            raise ValidationError(
                {"channel": _("They have no mobile number: send the code by email")}, code="no_mobile"
            )
        route = ContactRoute(channels=frozenset({"sms"}), phone=resident.phone)
        email = ""
    elif channel == ClaimCode.Channel.EMAIL:
        email = (email or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": _("Enter an email address in the correct format, like name@example.com")}, code="invalid"
            ) from None
        if is_placeholder_email(email) or User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": _("Enter an email address that has no account here")}, code="taken")
        route = ContactRoute(channels=frozenset({"email"}), email=email)
    else:
        raise ValidationError({"channel": _("Select how to send the code")}, code="required")
    ClaimCode.objects.filter(resident=resident, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = _new_code()
    claim = ClaimCode.objects.create(
        resident=resident,
        digest=_digest(code),
        channel=channel,
        email=email,
        issued_by=by,
        created_at=now,
        expires_at=now + timedelta(hours=CLAIM_CODE_HOURS),
    )
    notify(kind=CLAIM_CODE, user=resident.user, url=reverse("claim"), route=route, code=code, expires=claim.expires_at)
    acting_record(by=by, resident=resident, action="resident.claim_code_sent", obj=claim)
    return claim


@transaction.atomic
def claim_code_redeem(*, code: str, email: str, password: str, request: HttpRequest | None = None) -> User:
    """A referred resident takes their account over: the code (once, before it
    expires) lets them choose an e-mail address and password. The address is
    verified already when the code went to it; otherwise allauth asks them to
    confirm it before they can sign in."""
    from allauth.account.models import EmailAddress

    claim = (
        ClaimCode.objects.select_for_update()
        .select_related("resident__user")
        .filter(digest=_digest(code), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if claim is None:
        raise ValidationError({"code": _("The code is wrong or has expired. Ask for a new one")}, code="invalid")
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    user = claim.resident.user
    try:
        validate_email(email)
    except ValidationError:
        _field_errors(errors, "email", _("Enter an email address in the correct format, like name@example.com"))
    else:
        if is_placeholder_email(email) or User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            _field_errors(errors, "email", _("Enter an email address that has no account here"))
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if not ClaimCode.objects.filter(pk=claim.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError({"code": _("The code is wrong or has expired. Ask for a new one")}, code="invalid")
    user.email = email
    user.set_password(password)
    user.save(update_fields=["email", "password"])
    verified = claim.channel == ClaimCode.Channel.EMAIL and claim.email == email
    EmailAddress.objects.filter(user=user).delete()
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    if not verified and request is not None:
        # allauth's own confirmation mail (through the outbox, after commit); sign-in waits for it.
        address.send_confirmation(request)
    Referral.objects.filter(resident=claim.resident, claimed_at__isnull=True).update(claimed_at=now)
    # Any other code stops working, and none stays readable in a notification.
    ClaimCode.objects.filter(resident=claim.resident, used_at__isnull=True).update(expires_at=now)
    audit_record(
        actor=user, action="resident.claimed", obj=claim.resident, council=claim.resident.council, request=request
    )
    referral = Referral.objects.select_related("referrer__user").filter(resident=claim.resident).first()
    if referral is not None and referral.referrer is not None:
        notify(
            kind=REFERRAL_CLAIMED,
            user=referral.referrer.user,
            url=reverse("referrals:resident_detail", kwargs={"pk": claim.resident_id}),
        )
    return user


# --- Their data ----------------------------------------------------------------------------


@transaction.atomic
def referred_resident_erase(*, by: User, resident: Resident, request: HttpRequest | None = None) -> None:
    """Erase a resident's account at their request, made to the referrer or the
    officer who acts for them: as if they had erased it themself (their needs
    cancelled, their details blanked), audited with who did it."""
    from platform_core.privacy import account_erase

    require_may_act_for(user=by, resident=resident)
    if resident.user_id == by.pk:
        raise PermissionDenied(_("Erase your own account from your account pages."))
    access = assisted_access_for(officer=by, resident=resident) if by.is_officer else None
    audit_record(
        actor=by,
        action="resident.erased_for",
        obj=resident,
        council=resident.council,
        reason=access.reason if access else "",
        request=request,
    )
    account_erase(user=resident.user)
