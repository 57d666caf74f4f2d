"""Thin Celery entry points; the work is in residents.services."""

from celery import shared_task

from .services import need_expire_overdue


@shared_task(name="residents.tasks.need_expire_overdue_task")
def need_expire_overdue_task() -> int:
    """Expire one-off needs whose window has passed. One UPDATE: safe to run twice."""
    return need_expire_overdue()
