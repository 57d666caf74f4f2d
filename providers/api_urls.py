from django.urls import path

from . import api

app_name = "providers_api"
urlpatterns = [
    path("providers/", api.ProviderListCreateApi.as_view(), name="provider_list"),
    path("providers/<int:pk>/", api.ProviderDetailApi.as_view(), name="provider_detail"),
    path("providers/<int:pk>/members/", api.ProviderMemberListApi.as_view(), name="member_list"),
    path("providers/<int:pk>/members/<int:member_pk>/", api.ProviderMemberDeleteApi.as_view(), name="member_delete"),
    path("providers/<int:pk>/evidence/", api.ProviderEvidenceListApi.as_view(), name="evidence_list"),
    path("offers/", api.OfferListCreateApi.as_view(), name="offer_list"),
    path("offers/<int:pk>/", api.OfferDetailApi.as_view(), name="offer_detail"),
    path("offers/<int:pk>/pause/", api.OfferPauseApi.as_view(), name="offer_pause"),
    path("offers/<int:pk>/resume/", api.OfferResumeApi.as_view(), name="offer_resume"),
    path("offers/<int:pk>/close/", api.OfferCloseApi.as_view(), name="offer_close"),
]
