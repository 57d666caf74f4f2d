"""Sending notifications: `notify` writes the rows, workers deliver them.

`notify(kind=..., user=..., **objects)` is the only way anything is sent to a
person. In one transaction it writes the in-app Notification (rendered in the
recipient's language) and one Delivery per channel the person chose for the
kind's audience; after commit, a task per e-mail or text is published by name
(`platform_core.tasks.delivery_send_task`). Letters wait for an officer.

The task calls `delivery_send`, which claims the row (pending -> sending, one
conditional UPDATE, so a redelivered or doubled message sends nothing), sends
through the channel and records the outcome:
- sent: `sent_at` and the transport's reference;
- a temporary failure (5xx, timeout, rate limit): back to pending, and the
  task retries after an exponential backoff, up to NOTIFICATIONS_MAX_ATTEMPTS;
- a permanent failure (a 4xx such as an invalid number, or retries used up):
  `failed`, listed for officers, and the person's other channel is tried
  (text -> e-mail, e-mail -> text) unless they already get that one.
A worker that dies mid-send leaves the row `sending`; the beat's sweep puts it
back after NOTIFICATIONS_STALE_SECONDS (at least once, never lost), and
re-publishes pending rows whose message was lost (a broker outage).
See docs/decisions/0011-notification-channels.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from platform_core import services as core_services
from platform_core.models import Delivery, Notification, User
from platform_core.services import task_send_on_commit

from .backends import PermanentFailure, TemporaryFailure
from .channels import CHANNELS, FALLBACK
from .contacts import ContactRoute, account_contact_route, contact_route_for
from .kinds import Kind, kind_get
from .language import recipient_language

logger = logging.getLogger(__name__)

DELIVERY_SEND_TASK = "platform_core.tasks.delivery_send_task"
Status = Delivery.Status


Observer = Callable[[Notification, Kind, dict[str, Any]], None]
_observers: dict[str, list[Observer]] = {}


def register_observer(*, audience: str, observer: Observer) -> None:
    """Let an app hear of every notice sent to one audience, inside notify's
    transaction (residents tells a referred resident's referrer, ADR 0021).
    platform_core never imports the apps above it: they register from ready()."""
    if observer not in _observers.setdefault(audience, []):
        _observers[audience].append(observer)


@transaction.atomic
def notify(*, kind: Kind, user: User, url: str = "", route: ContactRoute | None = None, **objects: Any) -> Notification:
    """Tell one person something: in-app, and by e-mail, text or letter as they chose.

    `objects` are what the kind's context needs (`kind.params`), e.g.
    `notify(kind=MATCH_ACCEPTED, user=resident.user, url=..., match=match)`.
    `route` replaces the person's own choice, for a message that must go to one
    address (a one-time code sent to the number or e-mail address it proves).
    """
    if kind_get(kind.code) is not kind:
        raise ValueError(f"Notification kind {kind.code!r} is not registered.")
    language = recipient_language(user)
    with translation.override(language):
        message = kind.render(**objects)
    notification = Notification.objects.create(
        user=user, kind=kind.code, message=message[:300], url=url, language=language
    )
    if route is None:
        route = contact_route_for(user=user, audience=kind.audience)
    for channel in sorted(route.channels):
        _delivery_start(notification=notification, channel=channel, route=route)
    for observer in _observers.get(kind.audience, ()):
        observer(notification, kind, objects)
    return notification


def notify_each(*, kind: Kind, users: Iterable[User], url: str = "", **objects: Any) -> list[Notification]:
    """The same notice to several people (every member of a provider, every officer)."""
    return [notify(kind=kind, user=user, url=url, **objects) for user in users]


def _delivery_start(
    *, notification: Notification, channel: str, route: ContactRoute, fallback_of: Delivery | None = None
) -> Delivery | None:
    handler = CHANNELS[channel]
    to = handler.address(route)
    if handler.sent_by_worker and not to:
        return None
    delivery, created = Delivery.objects.get_or_create(
        notification=notification,
        channel=channel,
        defaults={
            "to": to,
            "status": Status.PENDING if handler.sent_by_worker else Status.TO_POST,
            "fallback_of": fallback_of,
        },
    )
    if created and handler.sent_by_worker:
        task_send_on_commit(DELIVERY_SEND_TASK, delivery.pk)
    return delivery if created else None


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after `attempts` tries: base, 2x base, 4x base, ... capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def delivery_send(*, delivery_id: int) -> int | None:
    """Send one delivery if it is still waiting. Returns the seconds to wait
    before retrying after a temporary failure, else None (sent, failed for
    good, or not ours to send)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification", "notification__user").get(pk=delivery_id)
    try:
        reference = CHANNELS[delivery.channel].send(delivery=delivery)
    except TemporaryFailure as exc:
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delivery_fail(delivery=delivery, error=f"Gave up after {delivery.attempts} tries. {exc}")
            return None
        wait = backoff_seconds(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.PENDING, claimed_at=None, next_attempt_at=now + timedelta(seconds=wait), error=str(exc)[:300]
        )
        logger.info(
            "Delivery %s failed for now (try %s), retrying in %ss: %s", delivery.pk, delivery.attempts, wait, exc
        )
        return wait
    except PermanentFailure as exc:
        delivery_fail(delivery=delivery, error=str(exc))
        return None
    # Sent: keep that it went and the transport's id, not the address (as the e-mail outbox does).
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), provider_reference=(reference or "")[:64], error="", to=""
    )
    _forget_secret(delivery.notification)
    return None


def _forget_secret(notification: Notification) -> None:
    """A one-time code stays in the database only until it has been sent."""
    kind = kind_get(notification.kind)
    if kind is None or not kind.secret:
        return
    if Delivery.objects.filter(notification=notification, status__in=[Status.PENDING, Status.SENDING]).exists():
        return
    with translation.override(notification.language or settings.LANGUAGE_CODE):
        message = str(kind.text_sent)
    Notification.objects.filter(pk=notification.pk).update(message=message[:300])


@transaction.atomic
def delivery_fail(*, delivery: Delivery, error: str) -> Delivery | None:
    """Record that a delivery can never go through, and try the person's other
    channel. Returns the fallback delivery, if one was started."""
    updated = Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.FAILED, failed_at=timezone.now(), error=(error or "")[:300], claimed_at=None
    )
    if not updated:
        return None
    logger.warning("Delivery %s (%s) is undeliverable: %s", delivery.pk, delivery.channel, error)
    other = FALLBACK.get(delivery.channel)
    if other is None:
        return None
    notification = delivery.notification
    kind = kind_get(notification.kind)
    user = notification.user
    if kind is not None and kind.secret:
        # A code proves one address: it never falls back to another.
        _forget_secret(notification)
        return None
    route = contact_route_for(user=user, audience=kind.audience) if kind else account_contact_route(user)
    return _delivery_start(notification=notification, channel=other, route=route, fallback_of=delivery)


def delivery_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat's safety net: free deliveries whose worker died mid-send, and
    re-publish pending ones whose message never arrived. Returns how many were published."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATIONS_STALE_SECONDS)
    # Due since the dead sender claimed it: republished below.
    Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.PENDING, next_attempt_at=F("claimed_at"), claimed_at=None
    )
    overdue = now - timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE_SECONDS)
    ids = list(
        Delivery.objects.filter(Q(status=Status.PENDING) & Q(next_attempt_at__lt=overdue))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        core_services.send_task_safely(DELIVERY_SEND_TASK, pk)
    return len(ids)


@transaction.atomic
def account_contact_update(*, user: User, notify_by: str, phone: str = "") -> User:
    """A provider member or an officer chooses how notices reach them (residents
    choose on their profile). Texts need a mobile number."""
    from django.core.exceptions import ValidationError

    from platform_core.models import NotifyBy
    from platform_core.phones import MOBILE_MESSAGE, phone_is_mobile, phone_normalise

    errors: dict[str, list[str]] = {}
    if notify_by not in NotifyBy.values:
        errors["notify_by"] = ["Select how we should send you notifications"]
    try:
        phone = phone_normalise(phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    else:
        if notify_by in (NotifyBy.TEXT, NotifyBy.BOTH) and not phone_is_mobile(phone):
            errors["phone"] = [str(MOBILE_MESSAGE)]
    if errors:
        raise ValidationError(errors)
    user.notify_by, user.phone = notify_by, phone
    user.save(update_fields=["notify_by", "phone"])
    return user
