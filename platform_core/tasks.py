"""Thin Celery entry points for platform_core."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification
from .services import email_send, email_send_pending


@shared_task(name="platform_core.tasks.notification_email_send_task")
def notification_email_send_task(notification_id: int) -> None:
    """Mail one notification. Sent before it is marked, so a crash means a
    repeat rather than a lost mail; a redelivery after marking does nothing."""
    notification = (
        Notification.objects.select_related("user").filter(pk=notification_id, emailed_at__isnull=True).first()
    )
    if notification is None:
        return
    link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    send_mail(
        subject=f"Convene: {notification.message[:80]}",
        message=f"{notification.message}{link}\n\nSign in to Convene to see the details.",
        from_email=None,
        recipient_list=[notification.user.email],
    )
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


@shared_task(name="platform_core.tasks.email_send_task")
def email_send_task(email_id: int) -> bool:
    """Send one mail of the outbox (queued after the request that wrote it commits). Safe to run twice."""
    return email_send(email_id=email_id)


@shared_task(name="platform_core.tasks.email_send_pending_task")
def email_send_pending_task() -> int:
    """Beat: send what the outbox still holds after a minute (a task lost to a broker outage)."""
    return email_send_pending()
