from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "providers"

    def ready(self) -> None:
        from platform_core import privacy

        from . import notifications  # noqa: F401 - registers this app's notification kinds
        from .privacy import provider_data_erase, provider_data_export

        privacy.register(section="providers", export=provider_data_export, erase=provider_data_erase)
