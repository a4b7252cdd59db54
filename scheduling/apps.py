from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register
        from scheduling.models import Site, SiteUserObjectPermission

        register(Site)
        register(SiteUserObjectPermission)
