from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, AuditEvent, Council, CouncilDistrict, MarketRule, Notification, ServiceCategory, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "council", "is_active"]
    list_filter = ["role", "council", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "role", "council"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "council", "password1", "password2"]})]


class CouncilDistrictInline(admin.TabularInline):
    model = CouncilDistrict
    extra = 1


class MarketRuleInline(admin.StackedInline):
    model = MarketRule


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MarketRuleInline, CouncilDistrictInline]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "council", "safeguarding_tier", "price_cap_pence", "is_active"]
    list_filter = ["council", "safeguarding_tier", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be edited or deleted through the application."""

    list_display = ["created_at", "actor_email", "action", "object_type", "object_id", "council"]
    list_filter = ["action", "council"]
    search_fields = ["actor_email", "object_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff can see and revoke (delete) anyone's token, e.g. an officer who left;
    tokens are made only by their owner, on the account page (ADR 0014)."""

    list_display = ["name", "user", "token_key", "two_factor", "created", "last_used_at", "expiry"]
    list_filter = ["two_factor"]
    fields = ["name", "user", "token_key", "two_factor", "created", "last_used_at", "expiry"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "message", "read_at"]
