from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"

    def ready(self) -> None:
        from platform_core import privacy

        from .privacy import resident_data_erase, resident_data_export

        privacy.register(section="residents", export=resident_data_export, erase=resident_data_erase)

        from platform_core.notifications.contacts import register_contact_resolver
        from platform_core.notifications.kinds import Audience

        from .notifications import resident_contact_route

        register_contact_resolver(audience=Audience.RESIDENT, resolver=resident_contact_route)
