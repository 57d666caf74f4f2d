"""Pages for anyone party to a match or using the service (mounted at /concerns/):
raise a safeguarding concern, see the concerns you raised, report something."""

from django.urls import path

from .views import moderation, safeguarding

app_name = "concerns"
urlpatterns = [
    path("", safeguarding.my_concerns, name="mine"),
    path("raise/<int:match_id>/", safeguarding.concern_raise, name="raise"),
    path("report/<str:target_type>/<int:target_id>/", moderation.report_create, name="report"),
]
