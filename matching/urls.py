from django.urls import path

from . import views, visit_views

app_name = "matching"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.match_detail, name="detail"),
    path("<int:pk>/accept/", views.match_accept, name="accept"),
    path("<int:pk>/decline/", views.match_decline, name="decline"),
    path("<int:pk>/confirm/", views.match_confirm, name="confirm"),
    path("<int:pk>/cancel/", views.match_cancel, name="cancel"),
    path("<int:pk>/done/", views.match_mark_done, name="done"),
    path("<int:pk>/complete/", views.match_complete, name="complete"),
    path("<int:pk>/messages/", views.message_send, name="message"),
    path("<int:pk>/review/", views.review_create, name="review"),
    # Ongoing help (ADR 0018).
    path("<int:pk>/visits/", visit_views.arrangement_detail, name="visits"),
    path("<int:pk>/visits/pause/", visit_views.arrangement_pause, name="visits_pause"),
    path("<int:pk>/visits/end/", visit_views.arrangement_end, name="visits_end"),
    path("visits/", visit_views.provider_visits, name="provider_visits"),
    path("visits/export.csv", visit_views.provider_visits_export, name="visits_export"),
    path("visits/hours.csv", visit_views.volunteer_hours_export, name="hours_export"),
    path("visits/<int:pk>/record/", visit_views.visit_record, name="visit_record"),
    path("visits/<int:pk>/dispute/", visit_views.visit_dispute, name="visit_dispute"),
    path("<int:pk>/exclude/", views.exclusion_add, name="exclude"),
    path("exclusions/", views.exclusion_list, name="exclusions"),
    path("exclusions/<int:pk>/remove/", views.exclusion_remove, name="exclusion_remove"),
]
