from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"

    def ready(self) -> None:
        from platform_core import privacy

        from .privacy import resident_data_erase, resident_data_export

        privacy.register(section="residents", export=resident_data_export, erase=resident_data_erase)
