"""Django admin for superusers only; officers work in the console."""

from django.contrib import admin

from .models import Need, Resident


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "council", "postcode", "contact_preference", "consent_share_details", "created_at"]
    list_filter = ["council", "contact_preference", "consent_share_details"]
    search_fields = ["user__email", "user__full_name", "postcode"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "council"]
    readonly_fields = ["latitude", "longitude", "consent_given_at", "created_at", "updated_at"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "council", "category", "status", "urgency", "timing", "posted_at"]
    list_filter = ["status", "timing", "urgency", "council"]
    search_fields = ["reference", "title", "resident__user__email"]
    raw_id_fields = ["resident", "category"]
    list_select_related = ["council", "category"]
    readonly_fields = ["reference", "latitude", "longitude", "posted_at", "closed_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
