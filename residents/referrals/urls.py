from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
    path("residents/new/", views.resident_new, name="resident_new"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/claim-code/", views.claim_code, name="claim_code"),
    path("residents/<int:pk>/data/", views.resident_data, name="resident_data"),
    path("residents/<int:pk>/erase/", views.resident_erase, name="resident_erase"),
]
