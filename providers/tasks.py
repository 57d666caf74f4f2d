"""Thin Celery entry points for providers."""

from celery import shared_task

from providers.services import evidence_expire_lapsed, invitation_email_send


@shared_task(name="providers.tasks.evidence_expire_lapsed_task")
def evidence_expire_lapsed_task() -> int:
    """Daily: evidence past its expiry stops counting. Safe to run twice."""
    return evidence_expire_lapsed()


@shared_task(name="providers.tasks.invitation_email_send_task")
def invitation_email_send_task(invitation_id: int) -> bool:
    """Mail one invitation (queued after the invitation is saved). Safe to run twice."""
    return invitation_email_send(invitation_id=invitation_id)
