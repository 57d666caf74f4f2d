from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"

    def ready(self) -> None:
        from platform_core import privacy
        from platform_core.disclosure import register_personal_fields

        from .models import Referrer, Resident
        from .privacy import resident_data_erase, resident_data_export

        privacy.register(section="residents", export=resident_data_export, erase=resident_data_erase)
        # Whoever reads these for an officer or staff is audited, naming the resident's account (ADR 0015).
        register_personal_fields(
            Resident,
            [
                "preferred_name",
                "address_line_1",
                "address_line_2",
                "postcode",
                "phone",
                "accessibility_needs",
                "vulnerability_notes",
            ],
            person=lambda resident: resident.user_id,
        )
        register_personal_fields(Referrer, ["phone"], person=lambda referrer: referrer.user_id)

        from platform_core.notifications.contacts import register_contact_resolver
        from platform_core.notifications.kinds import Audience
        from platform_core.notifications.services import register_observer

        from .notifications import referral_observer, resident_contact_route

        register_contact_resolver(audience=Audience.RESIDENT, resolver=resident_contact_route)
        # A referred resident's referrer is told of every step (ADR 0021).
        register_observer(audience=Audience.RESIDENT, observer=referral_observer)
