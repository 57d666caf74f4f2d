"""The officer console: every page here is for council officers with two-factor
(`officer_required`, and the middleware for everything under /console/).
marketplace/tests/test_permissions.py walks these patterns: a new one is tested
for cross-council access without anyone having to remember to."""

from django.urls import path

from .views import (
    analytics,
    at_risk,
    console,
    contacts,
    market_map,
    moderation,
    people,
    referrers,
    regulation,
    safeguarding,
    statement,
    verification,
)

app_name = "marketplace"
urlpatterns = [
    path("", console.console, name="console"),
    path("verification/", verification.verification_queue, name="verification_queue"),
    path("verification/<int:pk>/", verification.evidence_detail, name="evidence_detail"),
    path("moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("moderation/words/", moderation.blocked_words, name="blocked_words"),
    path("moderation/words/<int:pk>/delete/", moderation.blocked_word_delete, name="blocked_word_delete"),
    path("moderation/<str:target_type>/<int:pk>/", moderation.moderation_detail, name="moderation_detail"),
    path("safeguarding/", safeguarding.concern_queue, name="concern_queue"),
    path("safeguarding/<int:pk>/", safeguarding.concern_detail, name="concern_detail"),
    path("providers/", people.provider_search, name="provider_search"),
    path("providers/<int:pk>/", people.provider_detail, name="provider_detail"),
    path("residents/", people.resident_search, name="resident_search"),
    path("residents/<int:pk>/", people.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/exclusions/add/", people.resident_exclusion_add, name="resident_exclusion_add"),
    path("residents/<int:pk>/assist/", referrers.resident_assist, name="resident_assist"),
    path("referrers/", referrers.referrer_queue, name="referrer_queue"),
    path("referrers/<int:pk>/", referrers.referrer_detail, name="referrer_detail"),
    path("contacts/", contacts.contact_problems, name="contact_problems"),
    path("at-risk/", at_risk.needs_at_risk, name="needs_at_risk"),
    path("at-risk/<int:pk>/propose/", at_risk.need_propose, name="need_propose"),
    path("rules/", regulation.regulation, name="regulation"),
    path("rules/categories/new/", regulation.category_create, name="category_create"),
    path("rules/categories/<int:pk>/", regulation.category_edit, name="category_edit"),
    path("rules/market/", regulation.market_rule_edit, name="market_rule_edit"),
    path("rules/languages/", regulation.languages_edit, name="languages_edit"),
    path("analytics/", analytics.analytics_dashboard, name="analytics"),
    path("analytics/map/", market_map.market_map_page, name="market_map"),
    path("analytics/statement/", statement.market_statement, name="market_statement"),
    path("audit/", console.audit_log, name="audit_log"),
]
