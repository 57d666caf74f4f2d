from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConveneAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: sign-in through allauth, second factor required."""

    default = False  # named in INSTALLED_APPS explicitly; PlatformCoreConfig is this module's default
    default_site = "platform_core.admin_site.ConveneAdminSite"


class PlatformCoreConfig(AppConfig):
    default = True  # this module also holds the admin's config
    default_auto_field = "django.db.models.BigAutoField"
    name = "platform_core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from allauth.account.models import EmailAddress
        from allauth.mfa import signals

        from .disclosure import register_personal_fields
        from .models import AuditEvent, Delivery, User

        register_personal_fields(User, ["email", "full_name", "phone"], person=lambda user: user.pk)
        register_personal_fields(EmailAddress, ["email"], person=lambda address: address.user_id)
        # The address or number a notice went to (officers see failed ones and letters to post).
        register_personal_fields(Delivery, ["to"], person=lambda delivery: delivery.notification.user_id)
        # The audit log keeps the actor's address even after erasure: it is the actor's personal data too.
        register_personal_fields(AuditEvent, ["actor_email"], person=lambda event: event.actor_id)
        signals.authenticator_added.connect(_record_second_factor_on_activation, dispatch_uid="convene-mfa-activated")


def _record_second_factor_on_activation(sender, request, user, authenticator, **kwargs) -> None:
    """Typing a valid code to activate an authenticator proves the second
    factor for this session, as a code at sign-in does: an officer sent to set
    up TOTP goes on to the console without signing in again. allauth records
    sign-in and re-authentication steps itself, but not activation."""
    from allauth.account.internal.flows.login import record_authentication

    if request is not None and getattr(request, "user", None) == user:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
