"""The Celery application.

Task discovery is part of the composition root: it is the one place in
platform_core that knows about the apps above it (see DESIGN.md).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = Celery("convene")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
