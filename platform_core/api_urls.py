"""platform_core's own API routes: a person's data (`me/`)."""

from django.urls import path

from .privacy_api import MeDataApi, MeEraseApi

urlpatterns = [
    path("me/data/", MeDataApi.as_view(), name="me-data"),
    path("me/erase/", MeEraseApi.as_view(), name="me-erase"),
]
