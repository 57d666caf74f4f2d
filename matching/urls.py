from django.urls import path

from . import views

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
]
