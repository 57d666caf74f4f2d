"""Content moderation: the automatic scan, users' reports, and the officer's
decisions (hide, restore, request changes, dismiss) with a reason the author sees.

The scan runs from `marketplace.tasks.moderation_scan_task` (beat, every five
minutes) and when an officer asks for it from the queue (a POST: opening the
queue never writes), rather than from residents' or providers' services,
because those apps may not import marketplace. It reads only rows changed
since its watermark.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from platform_core.models import Council, User
from platform_core.money import pounds
from platform_core.notifications import Kind, notify_each
from platform_core.permissions import require_officer, require_officer_of
from platform_core.services import audit_record, market_changed
from providers.models import Offer, Provider, ProviderMember
from residents.models import Need

from .. import notifications as kinds
from ..contact_patterns import EMAIL_RE, PHONE_RE, PRICE_RE, URL_RE
from ..models import (
    BlockedWord,
    ModerationDecision,
    ModerationFlag,
    ModerationScanState,
    Report,
    TargetType,
)

Cause = ModerationFlag.Cause


@dataclass(frozen=True)
class Finding:
    cause: str
    detail: str


def text_findings(text: str, *, blocked_words: list[str] | None = None) -> list[Finding]:
    """What in a piece of free text needs a moderator's eye. Pure: no database."""
    findings: list[Finding] = []
    text = text or ""
    emails = EMAIL_RE.findall(text)
    findings += [Finding(Cause.EMAIL, e) for e in emails]
    # An e-mail's domain is not also a link.
    without_emails = EMAIL_RE.sub(" ", text)
    findings += [Finding(Cause.URL, u.rstrip(".,;:)")) for u in URL_RE.findall(without_emails)]
    findings += [Finding(Cause.PHONE, p.strip()) for p in PHONE_RE.findall(without_emails)]
    findings += [Finding(Cause.PRICE, p.strip()) for p in PRICE_RE.findall(text)]
    for word in blocked_words or []:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            findings.append(Finding(Cause.BLOCKED_WORD, word))
    # One finding per cause and detail, in order.
    seen: set[tuple[str, str]] = set()
    unique = []
    for f in findings:
        if (f.cause, f.detail.lower()) not in seen:
            seen.add((f.cause, f.detail.lower()))
            unique.append(f)
    return unique


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _flag(*, council_id: int, target_type: str, target_id: int, finding: Finding, content_hash: str) -> bool:
    try:
        with transaction.atomic():
            _, created = ModerationFlag.objects.get_or_create(
                target_type=target_type,
                target_id=target_id,
                cause=finding.cause,
                content_hash=content_hash,
                report=None,
                defaults={"council_id": council_id, "detail": finding.detail[:300]},
            )
    except IntegrityError:  # another scan won the race for the same finding
        return False
    return created


# A row saved in a transaction that commits after a scan may carry an
# `updated_at` a little before the scan's time; reading only up to a few
# seconds ago keeps such rows above the watermark for the next scan.
SCAN_SETTLE = timedelta(seconds=5)
_TICK = timedelta(microseconds=1)


def _watermark(last: datetime | None, previous: datetime | None, count: int, batch: int) -> datetime | None:
    if last is None:
        return previous
    # A full batch may have stopped in the middle of rows sharing one timestamp:
    # read that timestamp again next time (flags are unique, so nothing doubles).
    return last - _TICK if count >= batch else last


def moderation_scan(
    *, council: Council, officer: User | None = None, now: datetime | None = None, batch: int = 2000
) -> int:
    """Scan needs and offers changed since the last scan; flag what needs review.

    Safe to run twice or concurrently: flags are unique per (target, cause, text
    hash), so a re-scan of unchanged text adds nothing, while an edit that still
    carries a phone number is flagged again. Returns how many flags were created.
    `officer`: the officer who asked for the scan from the console (checked);
    None when the beat runs it.
    """
    if officer is not None:
        require_officer_of(user=officer, council_id=council.pk)
    now = now or timezone.now() - SCAN_SETTLE
    state, _ = ModerationScanState.objects.get_or_create(council=council)
    words = list(BlockedWord.objects.filter(council=council).values_list("word", flat=True))
    created = 0

    needs = Need.objects.filter(council=council).exclude(status=Need.Status.DRAFT).filter(updated_at__lte=now)
    if state.needs_scanned_to:
        needs = needs.filter(updated_at__gt=state.needs_scanned_to)
    last, count = None, 0
    for need in needs.order_by("updated_at", "id").only("id", "title", "description", "updated_at")[:batch]:
        count += 1
        text = f"{need.title}\n{need.description}"
        digest = _hash(text)
        for finding in text_findings(text, blocked_words=words):
            created += _flag(
                council_id=council.pk,
                target_type=TargetType.NEED,
                target_id=need.pk,
                finding=finding,
                content_hash=digest,
            )
        last = need.updated_at
    needs_to = _watermark(last, state.needs_scanned_to, count, batch)

    offers = (
        Offer.objects.filter(council=council)
        .exclude(status=Offer.Status.CLOSED)
        .filter(updated_at__lte=now)
        .prefetch_related("categories")
    )
    if state.offers_scanned_to:
        offers = offers.filter(updated_at__gt=state.offers_scanned_to)
    last, count = None, 0
    for offer in offers.order_by("updated_at", "id")[:batch]:
        count += 1
        text = f"{offer.title}\n{offer.description}"
        digest = _hash(f"{text}\n{offer.cost_type}:{offer.price_pence}")
        findings = text_findings(text, blocked_words=words)
        over_cap = offer.categories_over_cap()
        if over_cap:
            capped = over_cap[0]
            findings.append(
                Finding(
                    Cause.OVER_CAP,
                    f"{pounds(offer.price_pence)} is above the {capped.name} cap of {pounds(capped.price_cap_pence)}",
                )
            )
        for finding in findings:
            created += _flag(
                council_id=council.pk,
                target_type=TargetType.OFFER,
                target_id=offer.pk,
                finding=finding,
                content_hash=digest,
            )
        last = offer.updated_at
    offers_to = _watermark(last, state.offers_scanned_to, count, batch)

    ModerationScanState.objects.filter(pk=state.pk).update(
        needs_scanned_to=needs_to, offers_scanned_to=offers_to, scanned_at=now
    )
    return created


# --- Users' reports -----------------------------------------------------------


def _target_council_id(target_type: str, target_id: int) -> int:
    models: dict[str, type[Need] | type[Offer] | type[Provider]] = {
        TargetType.NEED: Need,
        TargetType.OFFER: Offer,
        TargetType.PROVIDER: Provider,
    }
    model = models.get(target_type)
    if model is None:
        raise ValidationError({"target_type": gettext("You can report a need, an offer or a provider")})
    council_id = model.objects.filter(pk=target_id).values_list("council_id", flat=True).first()
    if council_id is None:
        raise ValidationError("We could not find what you are reporting.")
    return council_id


@transaction.atomic
def report_create(*, reporter: User, target_type: str, target_id: int, reason: str) -> Report:
    """A user reports a need, an offer or a provider. It lands in the moderation queue."""
    if not reporter.is_authenticated:
        raise PermissionDenied("Sign in to report something.")
    reason = (reason or "").strip()
    council_id = _target_council_id(target_type, target_id)
    report = Report(
        council_id=council_id, reporter=reporter, target_type=target_type, target_id=target_id, reason=reason
    )
    if not reason:
        raise ValidationError({"reason": gettext("Tell us what is wrong")})
    report.full_clean()
    report.save()
    ModerationFlag.objects.create(
        council_id=council_id,
        target_type=target_type,
        target_id=target_id,
        cause=Cause.USER_REPORT,
        detail=reason[:300],
        report=report,
    )
    audit_record(
        actor=reporter,
        action="moderation.report",
        obj=report,
        council=Council.objects.get(pk=council_id),
        data={"target_type": target_type, "target_id": target_id},
    )
    return report


# --- Officer decisions ----------------------------------------------------------


def _authors(target: Need | Offer) -> list[User]:
    if isinstance(target, Need):
        return [target.resident.user]
    return [m.user for m in ProviderMember.objects.filter(provider_id=target.provider_id).select_related("user")]


def _target_type(target: Need | Offer) -> str:
    return TargetType.NEED if isinstance(target, Need) else TargetType.OFFER


def _resolve_flags(*, target: Need | Offer, officer: User, upheld: bool) -> None:
    now = timezone.now()
    flags = ModerationFlag.objects.filter(
        target_type=_target_type(target), target_id=target.pk, status=ModerationFlag.Status.OPEN
    )
    report_ids = [r for r in flags.values_list("report_id", flat=True) if r]
    flags.update(status=ModerationFlag.Status.RESOLVED, resolved_at=now, resolved_by=officer)
    Report.objects.filter(pk__in=report_ids).update(
        status=Report.Status.UPHELD if upheld else Report.Status.DISMISSED, resolved_at=now
    )


def _decide(
    *, target: Need | Offer, officer: User, action: str, reason: str, request: HttpRequest | None
) -> ModerationDecision:
    decision = ModerationDecision(
        council_id=target.council_id,
        target_type=_target_type(target),
        target_id=target.pk,
        action=action,
        reason=reason,
        officer=officer,
    )
    decision.full_clean()
    decision.save()
    audit_record(
        actor=officer,
        action=f"moderation.{action}",
        obj=target,
        council=officer.council,
        reason=reason,
        data={"status": target.status},
        request=request,
    )
    return decision


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter a reason the author will see"})
    return reason[:300]


def _tell_authors(target: Need | Offer, *, need_kind: Kind, offer_kind: Kind, reason: str = "") -> None:
    """The author of a need (its resident) or of an offer (its provider's members)."""
    if isinstance(target, Need):
        notify_each(kind=need_kind, users=_authors(target), need=target, reason=reason)
    else:
        notify_each(kind=offer_kind, users=_authors(target), offer=target, reason=reason)


@transaction.atomic
def moderation_hide(
    *, target: Need | Offer, officer: User, reason: str, request: HttpRequest | None = None
) -> ModerationDecision:
    """Take a need or an offer out of view with a reason the author sees."""
    reason = _require_reason(reason)
    if isinstance(target, Offer):
        from providers.services import offer_hide

        offer_hide(offer=target, officer=officer, reason=reason, request=request)  # checks the officer
        target.refresh_from_db()
    else:
        # Residents' services offer no hide of their own; a need already with a
        # provider is a matter for the match, not for moderation.
        require_officer_of(user=officer, council_id=target.council_id)
        # Locked and read afresh: the engine may have proposed this need since the page loaded.
        target.refresh_from_db(from_queryset=Need.objects.select_for_update())
        if target.status not in (Need.Status.OPEN, Need.Status.DRAFT):
            raise ValidationError("Only a need waiting for a match can be hidden. Contact the resident instead.")
        target.status = Need.Status.HIDDEN
        target.status_reason = reason
        target.save(update_fields=["status", "status_reason", "updated_at"])
        market_changed(council_id=target.council_id)
    _resolve_flags(target=target, officer=officer, upheld=True)
    _tell_authors(target, need_kind=kinds.NEED_HIDDEN, offer_kind=kinds.OFFER_HIDDEN, reason=reason)
    return _decide(
        target=target, officer=officer, action=ModerationDecision.Action.HIDE, reason=reason, request=request
    )


@transaction.atomic
def moderation_restore(
    *, target: Need | Offer, officer: User, reason: str = "", request: HttpRequest | None = None
) -> ModerationDecision:
    """Put hidden content back (or approve an offer waiting for review)."""
    if isinstance(target, Offer):
        from providers.services import offer_approve

        # Checks the officer, and that the offer is hidden or waiting for review.
        offer_approve(offer=target, officer=officer, request=request)
        target.refresh_from_db()
    else:
        require_officer_of(user=officer, council_id=target.council_id)
        target.refresh_from_db(from_queryset=Need.objects.select_for_update())
        if target.status != Need.Status.HIDDEN:
            raise ValidationError("Only a hidden need can be restored.")
        target.status = Need.Status.OPEN
        target.status_reason = ""
        target.save(update_fields=["status", "status_reason", "updated_at"])
        market_changed(council_id=target.council_id)
    _resolve_flags(target=target, officer=officer, upheld=False)
    _tell_authors(target, need_kind=kinds.NEED_RESTORED, offer_kind=kinds.OFFER_RESTORED)
    return _decide(
        target=target, officer=officer, action=ModerationDecision.Action.RESTORE, reason=reason, request=request
    )


@transaction.atomic
def moderation_request_changes(
    *, target: Need | Offer, officer: User, reason: str, request: HttpRequest | None = None
) -> ModerationDecision:
    """Ask the author to change something. The content stays as it is; the flag
    is closed, and the next scan flags the edit again if it still breaks a rule."""
    require_officer_of(user=officer, council_id=target.council_id)
    reason = _require_reason(reason)
    _resolve_flags(target=target, officer=officer, upheld=True)
    _tell_authors(
        target, need_kind=kinds.NEED_CHANGES_REQUESTED, offer_kind=kinds.OFFER_CHANGES_REQUESTED, reason=reason
    )
    return _decide(
        target=target,
        officer=officer,
        action=ModerationDecision.Action.REQUEST_CHANGES,
        reason=reason,
        request=request,
    )


@transaction.atomic
def moderation_dismiss(
    *, target: Need | Offer, officer: User, reason: str = "", request: HttpRequest | None = None
) -> ModerationDecision:
    """Close the open flags on something that is fine as it is."""
    require_officer_of(user=officer, council_id=target.council_id)
    _resolve_flags(target=target, officer=officer, upheld=False)
    return _decide(
        target=target, officer=officer, action=ModerationDecision.Action.DISMISS, reason=reason, request=request
    )


# --- The council's word list ------------------------------------------------------


@transaction.atomic
def blocked_word_add(*, officer: User, word: str, request: HttpRequest | None = None) -> BlockedWord:
    """Add a word to the officer's council's list (ADR 0006: every console write re-checks the officer)."""
    council_id = require_officer(user=officer)
    word = " ".join((word or "").split()).lower()
    if not word:
        raise ValidationError({"word": "Enter a word or phrase"})
    if BlockedWord.objects.filter(council_id=council_id, word=word).exists():
        raise ValidationError({"word": "That word is already on the list"})
    blocked = BlockedWord(council_id=council_id, word=word, created_by=officer)
    blocked.full_clean()
    blocked.save()
    # Text already scanned is scanned again against the longer list.
    ModerationScanState.objects.filter(council_id=council_id).update(needs_scanned_to=None, offers_scanned_to=None)
    audit_record(actor=officer, action="moderation.blocked_word_add", obj=blocked, data={"word": word}, request=request)
    return blocked


@transaction.atomic
def blocked_word_remove(*, officer: User, blocked: BlockedWord, request: HttpRequest | None = None) -> None:
    require_officer_of(user=officer, council_id=blocked.council_id)
    audit_record(
        actor=officer,
        action="moderation.blocked_word_remove",
        obj=blocked,
        data={"word": blocked.word},
        request=request,
    )
    blocked.delete()
