from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenancy import signals  # noqa: F401  (connects the post-migrate grant)
        from tenancy.models import Invitation, Membership
        from tenancy.onboarding import OnboardingStep, register_step

        register_step(
            OnboardingStep(
                key="invite",
                label="Invite your people",
                url_name="people",
                done=lambda tenant: (
                    Invitation.objects.filter(tenant=tenant).exists()
                    or Membership.objects.filter(tenant=tenant).count() > 1
                ),
                order=20,
            )
        )
        register_step(
            OnboardingStep(
                key="dpo",
                label="Name your Data Protection Officer",
                url_name="privacy-settings",
                done=lambda tenant: tenant.has_dpo,
                order=15,
            )
        )
