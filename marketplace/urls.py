"""The officer console: every page here is for council officers with two-factor
(`officer_required`, and the middleware for everything under /console/).
marketplace/tests/test_permissions.py walks these patterns: a new one is tested
for cross-council access without anyone having to remember to."""

from django.urls import path

from . import views

app_name = "marketplace"
urlpatterns = [
    path("", views.console, name="console"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("verification/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/words/", views.blocked_words, name="blocked_words"),
    path("moderation/words/<int:pk>/delete/", views.blocked_word_delete, name="blocked_word_delete"),
    path("moderation/<str:target_type>/<int:pk>/", views.moderation_detail, name="moderation_detail"),
    path("safeguarding/", views.concern_queue, name="concern_queue"),
    path("safeguarding/<int:pk>/", views.concern_detail, name="concern_detail"),
    path("providers/", views.provider_search, name="provider_search"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("residents/", views.resident_search, name="resident_search"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("rules/", views.regulation, name="regulation"),
    path("rules/categories/new/", views.category_create, name="category_create"),
    path("rules/categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("rules/market/", views.market_rule_edit, name="market_rule_edit"),
    path("analytics/", views.analytics_dashboard, name="analytics"),
    path("audit/", views.audit_log, name="audit_log"),
]
