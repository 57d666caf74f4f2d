from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("needs/new/", views.need_new, name="need_new"),
    path("for/<int:pk>/needs/new/", views.need_new_for, name="need_new_for"),
    path("needs/<str:reference>/", views.need_detail, name="need_detail"),
    path("needs/<str:reference>/category/", views.need_category, name="need_category"),
    path("needs/<str:reference>/what/", views.need_what, name="need_what"),
    path("needs/<str:reference>/when/", views.need_when, name="need_when"),
    path("needs/<str:reference>/times/", views.need_times, name="need_times"),
    path("needs/<str:reference>/repeat/", views.need_repeat, name="need_repeat"),
    path("needs/<str:reference>/where/", views.need_where, name="need_where"),
    path("needs/<str:reference>/preferences/", views.need_preferences, name="need_preferences"),
    path("needs/<str:reference>/check/", views.need_check, name="need_check"),
    path("needs/<str:reference>/confirmation/", views.need_confirmation, name="need_confirmation"),
    path("needs/<str:reference>/cancel/", views.need_cancel_view, name="need_cancel"),
]
