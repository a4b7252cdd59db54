from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register
        from scheduling.models import Site, SiteUserObjectPermission

        register(Site)
        register(SiteUserObjectPermission)

        from tenancy.onboarding import OnboardingStep, register_step

        register_step(
            OnboardingStep(
                key="site",
                label="Add the places where your people work",
                url_name="site-new",
                done=lambda tenant: Site.objects.filter(tenant=tenant).exists(),
                order=10,
            )
        )
