from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"

    def ready(self) -> None:
        from platform_core import privacy

        from . import notifications  # noqa: F401 - registers this app's notification kinds
        from .privacy import match_data_erase, match_data_export

        privacy.register(section="matching", export=match_data_export, erase=match_data_erase)
