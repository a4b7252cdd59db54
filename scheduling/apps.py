from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register
        from scheduling import models

        for model in (
            models.Site, models.SiteUserObjectPermission, models.Position,
            models.SchedulingSettings, models.WorkProfilePosition, models.WorkProfileSite,
            models.Shift, models.Publication, models.LeaveType, models.LeaveAllowance,
        ):  # fmt: skip
            register(model)
        # Neither the calendar secret's hash nor the pay rate (personal data, which auditors
        # may not see) is written into the audit trail; a rate change is logged as
        # "personal_data.changed" with the field name only.
        register(models.WorkProfile, exclude_fields=["calendar_token_hash", "hourly_rate"])
        # A person's notes and the reasons they are given may say personal things (health):
        # the trail keeps who asked, what, when, and who decided, not the free text.
        register(models.LeaveRequest, exclude_fields=["note", "decision_comment"])
        register(models.Availability)
        register(models.AvailabilityException, exclude_fields=["note"])
        register(models.ShiftWish, exclude_fields=["note"])
        register(models.ShiftClaim, exclude_fields=["decision_comment"])
        register(models.ShiftSwap, exclude_fields=["note", "decision_comment"])
        for pattern_model in (
            models.WeekTemplate, models.WeekTemplateShift, models.RotationPattern,
            models.RotationMember, models.EmailPreferences,
        ):  # fmt: skip
            register(pattern_model)
        # Who sent what to whom is kept; the text itself is the company's correspondence.
        register(models.Message, exclude_fields=["body"])

        from audit.sentences import register_names

        # Sentences name the site a rota event was about ({site:site}).
        register_names("site", "scheduling.Site")

        from tenancy.onboarding import OnboardingStep, register_step

        register_step(
            OnboardingStep(
                key="site",
                label="Add the places where your people work",
                url_name="site-new",
                done=lambda tenant: models.Site.objects.filter(tenant=tenant).exists(),
                order=10,
            )
        )
        register_step(
            OnboardingStep(
                key="rota",
                label="Build and publish your first rota",
                url_name="rota",
                done=lambda tenant: models.Shift.objects.filter(
                    tenant=tenant, status=models.Shift.Status.PUBLISHED
                ).exists(),
                order=40,
            )
        )

        from scheduling.home import panels
        from tenancy.home import HomePanel, register_panel
        from tenancy.permissions import Permission

        for panel in (
            HomePanel(key="today", template="scheduling/home/today.html",
                      build=panels.today_and_tomorrow, order=10,
                      permission=Permission.BUILD_ROTA),
            HomePanel(key="next-shifts", template="scheduling/home/next_shifts.html",
                      build=panels.next_shifts, order=20),
            HomePanel(key="waiting", template="scheduling/home/waiting.html",
                      build=panels.waiting_for_you, order=30, column="side"),
            HomePanel(key="drafts", template="scheduling/home/drafts.html",
                      build=panels.weeks_in_draft, order=40, column="side",
                      permission=Permission.BUILD_ROTA),
            HomePanel(key="my-requests", template="scheduling/home/my_requests.html",
                      build=panels.my_requests, order=50, column="side"),
        ):  # fmt: skip
            register_panel(panel)
