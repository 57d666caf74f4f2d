"""Writes that every app shares: the audit log, marking notifications read, and
the announcement that the market changed (which wakes the matching engine).
Sending a notification is `platform_core.notifications.notify`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .cache import cache_is_shared
from .models import AuditEvent, Council, Language, Notification, OutgoingEmail, User
from .permissions import require_officer_of

logger = logging.getLogger(__name__)

MATCH_COUNCIL_TASK = "matching.tasks.match_council_task"
EMAIL_SEND_TASK = "platform_core.tasks.email_send_task"
# A sender holds a mail this long; a sender that died lets the sweep try again after it.
EMAIL_CLAIM = timedelta(minutes=5)
# The sweep leaves a fresh mail to the task queued for it.
EMAIL_SWEEP_AFTER = timedelta(minutes=1)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    council: Council | None = None,
    reason: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event: who, what, which object, when and from where."""
    if council is None and actor is not None and getattr(actor, "council_id", None):
        council = actor.council
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_email=getattr(actor, "email", "") or "",
        council=council,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        data=data or {},
        ip_address=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
    )


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def email_queue(*, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = "") -> OutgoingEmail:
    """Put a rendered e-mail in the outbox; a task sends it after commit."""
    email = OutgoingEmail.objects.create(
        to=list(to), subject=subject[:300], body=body, html_body=html_body, from_email=from_email
    )
    task_send_on_commit(EMAIL_SEND_TASK, email.pk)
    return email


def email_send(*, email_id: int, now: datetime | None = None) -> bool:
    """Send one mail of the outbox unless it has gone or another sender holds it.

    Claimed first (a conditional update), so the task and the sweep never both
    send it; marked sent, and emptied of its address and body, after sending.
    """
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = OutgoingEmail.objects.filter(free, pk=email_id, sent_at__isnull=True).update(
        claimed_until=now + EMAIL_CLAIM
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body, from_email=email.from_email or None, to=email.to
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    message.send()
    # Gone: keep that it was sent, not to whom or what it said (a secret link, an address).
    OutgoingEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), to=[], body="", html_body="")
    return True


def email_send_pending(*, now: datetime | None = None) -> int:
    """Send what the outbox still holds a minute after it was queued (its task
    was lost, or its sender died): the beat's safety net."""
    now = now or timezone.now()
    pending = OutgoingEmail.objects.filter(sent_at__isnull=True, created_at__lt=now - EMAIL_SWEEP_AFTER)
    return sum(email_send(email_id=pk, now=now) for pk in pending.values_list("pk", flat=True)[:500])


def task_send_on_commit(name: str, *args: Any) -> None:
    """Publish a Celery task by name once the current transaction commits.

    How every e-mail and text leaves: the request only writes rows, and a
    worker sends from them, so a slow or broken mail server never holds up a page.
    """
    transaction.on_commit(lambda: send_task_safely(name, *args))


def send_task_safely(name: str, *args: Any, **kwargs: Any) -> bool:
    """Publish a Celery task by name; never raise, never hang long.

    The rows are already committed in PostgreSQL, so if the broker is down the
    periodic sweeps pick the work up later: a lost message delays, never loses.
    """
    from platform_core.celery import app

    try:
        app.send_task(name, args=args, kwargs=kwargs, retry=False)
    except Exception:
        logger.warning("Could not publish %s; the periodic sweep will catch up.", name, exc_info=True)
        return False
    return True


MATCH_QUEUED_TTL_SECONDS = 120


def _match_queued_key(council_id: int) -> str:
    return f"matching:queued:{council_id}"


def market_changed(*, council_id: int, trigger: str | None = None) -> None:
    """Announce, after commit, that a council's needs or offers changed.

    Residents and providers call this instead of importing matching; the task
    is sent by name. Bursts coalesce: while a run for the council is queued
    and not yet started (a cache flag), later changes send nothing, because
    that run loads fresh rows when it starts. The run clears the flag first
    (`market_change_claim`), so a change that lands during a run queues the
    next one. Nothing waits on a timer: no ETA messages, which a Redis outage
    would otherwise have to restore. ``trigger`` labels the run (the beat's
    sweep passes ``"sweep"``, whose empty runs leave no MatchRun row).
    """

    def publish() -> None:
        key = _match_queued_key(council_id)
        try:
            # While the cache is this process's memory (Redis down) the worker can
            # never clear the flag: every change sends its nudge, a rerun is a no-op.
            first = cache.add(key, 1, timeout=MATCH_QUEUED_TTL_SECONDS) if cache_is_shared() else True
        except Exception:  # noqa: BLE001 - a cache outage must not block posting
            first = True
        args = (council_id,) if trigger is None else (council_id, trigger)
        if first and not send_task_safely(MATCH_COUNCIL_TASK, *args):
            # Not queued after all: let the next change try again.
            _cache_delete_quietly(key)

    transaction.on_commit(publish)


def market_change_claim(*, council_id: int) -> None:
    """Called by a matching run as it starts: changes from now on queue another run."""
    _cache_delete_quietly(_match_queued_key(council_id))


def _cache_delete_quietly(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # the flag expires by itself; the sweep catches up
        logger.warning("Could not clear %s", key, exc_info=True)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """A person chooses the language of their pages and of everything sent to them."""
    if language not in Language.values:
        raise ValidationError({"language": "Select a language"})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


@transaction.atomic
def council_languages_update(
    *, council: Council, officer: User, welsh_enabled: bool, request: HttpRequest | None = None
) -> Council:
    """An officer turns Welsh on or off for their council (audited). Off: the
    switcher goes, pages and messages fall back to English; people's choices
    are kept for when it is turned on again."""
    require_officer_of(user=officer, council_id=council.pk)
    council = Council.objects.select_for_update().get(pk=council.pk)
    before = council.welsh_enabled
    if before != welsh_enabled:
        council.welsh_enabled = welsh_enabled
        council.save(update_fields=["welsh_enabled"])
        audit_record(
            actor=officer,
            action="regulation.languages_update",
            obj=council,
            council=council,
            data={"welsh_enabled": {"before": before, "after": welsh_enabled}},
            request=request,
        )
    return council
