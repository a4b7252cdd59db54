from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.catalogue import Category
        from audit.registry import register
        from planning.models import CoverageException, CoverageRow, PlanningSettings

        # Every change to a coverage plan is in the activity log (the runs have their events).
        register(CoverageRow, category=Category.SCHEDULE, exclude_fields=["updated_at"])
        register(CoverageException, category=Category.SCHEDULE)
        register(PlanningSettings, category=Category.SCHEDULE, exclude_fields=["updated_at"])
