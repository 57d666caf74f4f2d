from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("register/", views.provider_register, name="register"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<int:pk>/", views.provider_detail, name="provider_detail"),
    path("<int:pk>/edit/", views.provider_edit, name="provider_edit"),
    path("<int:pk>/verification/", views.verification, name="verification"),
    path("<int:pk>/verification/<str:kind>/", views.evidence_submit, name="evidence_submit"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/members/<int:member_pk>/checks/", views.member_evidence, name="member_evidence"),
    path("<int:pk>/members/<int:member_pk>/checks/<str:kind>/", views.evidence_submit, name="member_evidence_submit"),
    path("<int:pk>/offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/pause/", views.offer_pause, name="offer_pause"),
    path("offers/<int:pk>/resume/", views.offer_resume, name="offer_resume"),
    path("offers/<int:pk>/close/", views.offer_close, name="offer_close"),
]
