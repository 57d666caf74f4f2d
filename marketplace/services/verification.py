"""The verification queue: checks shown beside evidence, and the expiry reminders.

The officer's decision itself is `providers.services.evidence_accept` /
`evidence_reject`: providers owns the verification rules and re-checks the officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from platform_core.notifications import notify_each
from platform_core.services import audit_record
from providers.models import ProviderMember, VerificationEvidence
from providers.notifications import expiring_kind

REMINDER_DAYS = 30
FINAL_REMINDER_DAYS = 7


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    message: str


_CHECK_LABELS = {
    "kind": "Kind of evidence allowed for this provider",
    "reference": "Reference format",
    "issued_on": "Date of issue",
    "expires_on": "Expiry date",
    "update_service_consent": "DBS Update Service consent",
}


def evidence_checks(*, evidence: VerificationEvidence, today: date | None = None) -> list[Check]:
    """Run the providers app's own validation over stored evidence and show
    each rule as passed or failed, plus a warning if it expires soon."""
    from providers.services import evidence_validate

    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        evidence_validate(
            provider=evidence.provider,
            kind=evidence.kind,
            reference=evidence.reference,
            issued_on=evidence.issued_on,
            expires_on=evidence.expires_on,
            update_service_consent=evidence.update_service_consent,
            today=today,
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"reference": exc.messages}
    checks = [
        Check(label, key not in errors, "; ".join(errors.get(key, [])) or "Passed")
        for key, label in _CHECK_LABELS.items()
    ]
    if evidence.expires_on is not None and evidence.expires_on <= today + timedelta(days=REMINDER_DAYS):
        checks.append(Check("Time left", False, f"Expires on {evidence.expires_on:%-d %B %Y}, within 30 days"))
    return checks


def _verification_url(provider_id: int) -> str:
    try:
        return reverse("providers:verification", kwargs={"pk": provider_id})
    except NoReverseMatch:
        return ""


def evidence_expiry_reminders_send(*, today: date | None = None) -> int:
    """Warn each provider that accepted evidence expires: 30 days before and again
    7 days before, once each (a piece first seen within 7 days gets only the second).
    Person evidence names whose it is (ADR 0023). Safe to run twice and from two
    workers at once: `reminder_sent_at` / `final_reminder_sent_at` is claimed by a
    conditional update before any mail is queued."""
    today = today or timezone.localdate()
    sent = 0
    for field, days in (("final_reminder_sent_at", FINAL_REMINDER_DAYS), ("reminder_sent_at", REMINDER_DAYS)):
        due = VerificationEvidence.objects.filter(
            status=VerificationEvidence.Status.ACCEPTED,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
            **{f"{field}__isnull": True},
        ).select_related("provider", "provider__council", "member__user")
        for evidence in due:
            with transaction.atomic():
                now = timezone.now()
                changes = {field: now}
                if field == "final_reminder_sent_at":
                    changes["reminder_sent_at"] = evidence.reminder_sent_at or now  # the 30-day one is past
                claimed = VerificationEvidence.objects.filter(pk=evidence.pk, **{f"{field}__isnull": True}).update(
                    **changes
                )
                if not claimed:
                    continue
                members = ProviderMember.objects.filter(provider_id=evidence.provider_id).select_related("user")
                notify_each(
                    kind=expiring_kind(evidence),
                    users=[m.user for m in members],
                    url=_verification_url(evidence.provider_id),
                    evidence=evidence,
                )
                audit_record(
                    actor=None,
                    action="provider.evidence_reminder_sent",
                    obj=evidence,
                    council=evidence.provider.council,
                    data={
                        "expires_on": evidence.expires_on.isoformat() if evidence.expires_on else None,
                        "days": days,
                    },
                )
                sent += 1
    return sent
