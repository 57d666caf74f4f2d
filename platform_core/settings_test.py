"""Settings for the test suite and the type checker: the project's settings,
with the local defaults a developer's machine has unless the environment says
otherwise (DEBUG on at import, so static files need no collectstatic and a
throwaway SECRET_KEY is allowed). pytest-django still runs every test with
DEBUG off; a Celery worker a test starts inherits the same environment.
"""

import os

os.environ.setdefault("DEBUG", "true")

from .settings import *  # noqa: F403
