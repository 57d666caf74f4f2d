"""Convene's project package: settings, URLs, the Celery app, and what every app stands on."""

from .celery import app as celery_app

__all__ = ("celery_app",)
