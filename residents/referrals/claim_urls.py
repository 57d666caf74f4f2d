"""The public page where a referred resident claims their account (no namespace: `claim`)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.claim, name="claim")]
