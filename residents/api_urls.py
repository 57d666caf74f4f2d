from django.urls import path

from . import api

app_name = "residents_api"
urlpatterns = [
    path("needs/", api.NeedListCreateApi.as_view(), name="need_list"),
    path("needs/<str:reference>/", api.NeedDetailApi.as_view(), name="need_detail"),
    path("needs/<str:reference>/post/", api.NeedPostApi.as_view(), name="need_post"),
    path("needs/<str:reference>/cancel/", api.NeedCancelApi.as_view(), name="need_cancel"),
    path("residents/me/", api.ResidentMeApi.as_view(), name="resident_me"),
]
