"""Thin Celery entry points for platform_core."""

from celery import shared_task

from .notifications.services import delivery_send, delivery_sweep
from .services import email_send, email_send_pending


@shared_task(name="platform_core.tasks.email_send_task")
def email_send_task(email_id: int) -> bool:
    """Send one mail of the outbox (queued after the request that wrote it commits). Safe to run twice."""
    return email_send(email_id=email_id)


@shared_task(name="platform_core.tasks.email_send_pending_task")
def email_send_pending_task() -> int:
    """Beat: send what the outbox still holds after a minute (a task lost to a broker outage)."""
    return email_send_pending()


@shared_task(bind=True, name="platform_core.tasks.delivery_send_task", max_retries=None)
def delivery_send_task(self, delivery_id: int) -> None:
    """Send one e-mail or text. Safe to run twice: the row is claimed first.
    A temporary failure retries with exponential backoff (the count of tries,
    and the limit, are kept on the row: NOTIFICATIONS_MAX_ATTEMPTS)."""
    wait = delivery_send(delivery_id=delivery_id)
    if wait is not None:
        raise self.retry(countdown=wait)


@shared_task(name="platform_core.tasks.delivery_sweep_task")
def delivery_sweep_task() -> int:
    return delivery_sweep()
