"""Thin Celery entry points; each is safe to run twice."""

from celery import shared_task

from platform_core.models import Council


@shared_task(name="marketplace.tasks.evidence_expiry_reminders_task")
def evidence_expiry_reminders_task() -> int:
    """Remind providers of evidence expiring within 30 days (once per evidence)."""
    from .services.verification import evidence_expiry_reminders_send

    return evidence_expiry_reminders_send()


@shared_task(name="marketplace.tasks.moderation_scan_task")
def moderation_scan_task() -> int:
    """Flag contact details, links, prices and listed words in needs and offers
    changed since the last scan, council by council."""
    from .services.moderation import moderation_scan

    return sum(moderation_scan(council=council) for council in Council.objects.all())


@shared_task(name="marketplace.tasks.concern_referral_email_send_task")
def concern_referral_email_send_task(action_id: int) -> bool:
    """Mail a safeguarding referral to the team it was escalated to. Safe to run twice."""
    from .services.safeguarding import concern_referral_email_send

    return concern_referral_email_send(action_id=action_id)


@shared_task(name="marketplace.tasks.market_stats_refresh_task")
def market_stats_refresh_task(full: bool = False) -> int:
    """Roll up the days whose needs are past their 7 days, and recompute days of
    needs edited since the last run, for the officer dashboard (once a day, or
    with full=True, everything is rebuilt)."""
    from .services.analytics import market_stats_refresh

    return market_stats_refresh(full=full)
