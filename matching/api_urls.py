from django.urls import path

from . import api, visit_api

app_name = "matching_api"
urlpatterns = [
    path("matches/", api.MatchListApi.as_view(), name="list"),
    path("matches/<int:pk>/", api.MatchDetailApi.as_view(), name="detail"),
    path("matches/<int:pk>/accept/", api.MatchAcceptApi.as_view(), name="accept"),
    path("matches/<int:pk>/decline/", api.MatchDeclineApi.as_view(), name="decline"),
    path("matches/<int:pk>/confirm/", api.MatchConfirmApi.as_view(), name="confirm"),
    path("matches/<int:pk>/cancel/", api.MatchCancelApi.as_view(), name="cancel"),
    path("matches/<int:pk>/done/", api.MatchDoneApi.as_view(), name="done"),
    path("matches/<int:pk>/complete/", api.MatchCompleteApi.as_view(), name="complete"),
    path("matches/<int:pk>/messages/", api.MatchMessagesApi.as_view(), name="messages"),
    path("matches/<int:pk>/review/", api.MatchReviewApi.as_view(), name="review"),
    path("matches/<int:pk>/visits/", visit_api.VisitListApi.as_view(), name="visits"),
    path("matches/<int:pk>/visits/pause/", visit_api.ArrangementPauseApi.as_view(), name="visits_pause"),
    path("matches/<int:pk>/visits/end/", visit_api.ArrangementEndApi.as_view(), name="visits_end"),
    path("exclusions/", api.ExclusionListCreateApi.as_view(), name="exclusions"),
    path("exclusions/<int:pk>/", api.ExclusionDetailApi.as_view(), name="exclusion_detail"),
    path("visits/<int:pk>/record/", visit_api.VisitRecordApi.as_view(), name="visit_record"),
    path("visits/<int:pk>/dispute/", visit_api.VisitDisputeApi.as_view(), name="visit_dispute"),
]
