from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace"

    def ready(self) -> None:
        from platform_core import privacy

        from . import notifications  # noqa: F401 - registers this app's notification kinds
        from .privacy import marketplace_data_erase, marketplace_data_export

        privacy.register(section="marketplace", export=marketplace_data_export, erase=marketplace_data_erase)
