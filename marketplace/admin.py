"""Superusers only; officers use the console. Safeguarding concerns are left
out of the admin on purpose: their only door is the audited console."""

from django.contrib import admin

from .models import BlockedWord, ModerationDecision, ModerationFlag, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "council", "target_type", "target_id", "status", "created_at"]
    list_filter = ["council", "status", "target_type"]


@admin.register(ModerationFlag)
class ModerationFlagAdmin(admin.ModelAdmin):
    list_display = ["id", "council", "target_type", "target_id", "cause", "status", "created_at"]
    list_filter = ["council", "cause", "status"]


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    list_display = ["id", "council", "target_type", "target_id", "action", "officer", "created_at"]
    list_filter = ["council", "action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BlockedWord)
class BlockedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "council", "created_at"]
    list_filter = ["council"]
