from django.urls import path

from . import api

app_name = "referrals_api"
urlpatterns = [
    path("referrers/", api.ReferrerListCreateApi.as_view(), name="referrer_list"),
    path("referrals/residents/", api.ReferredResidentListCreateApi.as_view(), name="resident_list"),
    path("referrals/residents/<int:id>/", api.ReferredResidentDetailApi.as_view(), name="resident_detail"),
    path("referrals/residents/<int:id>/claim-code/", api.ClaimCodeApi.as_view(), name="claim_code"),
]
