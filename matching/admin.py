"""Superusers' admin (officers use the console). Read-mostly: lifecycle changes go through services."""

from django.contrib import admin

from matching.models import Match, MatchRun, Message, Review


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = ("id", "council", "started_at", "status", "trigger", "needs", "offers", "matched", "seconds")
    list_filter = ("status", "trigger", "council")
    list_select_related = ("council",)
    readonly_fields = [f.name for f in MatchRun._meta.fields]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "council", "need", "offer", "status", "score", "distance_km", "proposed_at", "respond_by")
    list_filter = ("status", "council")
    list_select_related = ("council", "need", "offer")
    raw_id_fields = ("need", "offer", "run")
    readonly_fields = ("status", "score", "distance_km", "terms", "explanation", "consent_recorded_at")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "match", "sender", "created_at")
    raw_id_fields = ("match", "sender")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("id", "match", "rating", "created_at")
    raw_id_fields = ("match",)
