"""The bare reference of benchmarks/bench_web.py: Django answering one JsonResponse,
no database, no middleware, served by the same gunicorn settings as the app."""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-a-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import re_path  # noqa: E402


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [re_path(r"", bare)]
application = get_wsgi_application()
