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

        from tenancy import home_panels
        from tenancy.home import HomePanel, register_panel
        from tenancy.permissions import Permission

        register_panel(HomePanel(
            key="set-up", template="tenancy/home/set_up.html", build=home_panels.set_up,
            order=5, permission=Permission.MANAGE_SETTINGS,
        ))  # fmt: skip
        register_panel(HomePanel(
            key="people", template="tenancy/home/people.html",
            build=home_panels.people_to_follow_up, order=60,
            permission=Permission.MANAGE_PEOPLE, column="side",
        ))  # fmt: skip
