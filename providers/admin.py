"""Admin for superusers. Officers use the console; clearance is never edited by hand."""

from django.contrib import admin
from django.db import models

from providers.models import Offer, Provider, ProviderInvitation, ProviderMember, VerificationEvidence
from providers.services import provider_recompute_clearance


class VerificationEvidenceInline(admin.TabularInline):
    model = VerificationEvidence
    extra = 0
    fields = ("kind", "reference", "issued_on", "expires_on", "status", "decision_reason", "submitted_at")
    readonly_fields = ("submitted_at",)


class ProviderMemberInline(admin.TabularInline):
    model = ProviderMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "council", "verification_status", "clearance", "is_suspended")
    list_filter = ("council", "kind", "verification_status", "is_suspended")
    search_fields = ("name", "email", "postcode")
    list_select_related = ("council",)
    readonly_fields = ("verification_status", "clearance", "rating_average", "rating_count", "created_at")
    inlines = [VerificationEvidenceInline, ProviderMemberInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["recompute_clearance"]

    @admin.action(description="Recompute verification and clearance from evidence")
    def recompute_clearance(self, request, queryset):
        for provider in queryset:
            provider_recompute_clearance(provider=provider)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Evidence edited inline changes what the provider is cleared for.
        provider_recompute_clearance(provider=form.instance)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("title", "provider", "council", "status", "capacity", "capacity_left", "cost_type")
    list_filter = ("council", "status", "cost_type")
    search_fields = ("title", "provider__name")
    list_select_related = ("provider", "council")
    raw_id_fields = ("provider",)
    filter_horizontal = ("categories",)


@admin.register(ProviderInvitation)
class ProviderInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "provider", "created_at", "accepted_at")
    readonly_fields = ("token",)
    list_select_related = ("provider",)
