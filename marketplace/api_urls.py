from django.urls import path

from . import api

app_name = "marketplace_api"
urlpatterns = [
    path("concerns/", api.ConcernListCreateApi.as_view(), name="concerns"),
    path("concerns/<int:pk>/", api.ConcernDetailApi.as_view(), name="concern_detail"),
    path("reports/", api.ReportCreateApi.as_view(), name="reports"),
    path("console/verification/", api.EvidenceQueueApi.as_view(), name="console_verification"),
    path("console/moderation/", api.ModerationQueueApi.as_view(), name="console_moderation"),
    path("console/concerns/", api.ConcernQueueApi.as_view(), name="console_concerns"),
    path("console/concerns/<int:pk>/", api.ConcernConsoleDetailApi.as_view(), name="console_concern_detail"),
    path(
        "console/residents/<int:pk>/exclusions/",
        api.ResidentExclusionsConsoleApi.as_view(),
        name="console_resident_exclusions",
    ),
    path("console/residents/<int:pk>/assist/", api.AssistStartConsoleApi.as_view(), name="console_resident_assist"),
]
