from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.catalogue import Category
        from attendance import models, personal_data
        from audit.registry import register

        # The kiosk's device token, its enrolment link and the PIN are hashes; none goes into the
        # trail (enrolment and revocation are named events of their own).
        # Wrong attempts are named events of their own (kiosk.pin_failed), not counter changes.
        register(models.Kiosk, category=Category.SCHEDULE,
                 exclude_fields=["token_hash", "enrol_hash", "enrol_expires_at", "failed_attempts",
                                 "paused_until"])  # fmt: skip
        counters = ["pin_hash", "failed_attempts", "locked_until", "updated_at"]
        register(models.KioskPin, category=Category.SECURITY, exclude_fields=counters)
        for model in (models.AttendanceSettings, models.SiteLocation):
            register(model, category=Category.SCHEDULE)
        # The person's note on their timesheet is their own words; the trail keeps the answer.
        register(models.Timesheet, category=Category.SCHEDULE,
                 exclude_fields=["answer_note", "approved_days"])  # fmt: skip
        # Where someone stood is location data: the trail keeps that a punch changed, not where.
        location = ["in_place", "in_distance_m", "out_place", "out_distance_m"]
        register(models.Punch, category=Category.SCHEDULE, exclude_fields=location)
        register(models.Break, category=Category.SCHEDULE)
        # The reason may say personal things (illness); the trail keeps who, what and when.
        register(models.PunchEdit, category=Category.SCHEDULE, exclude_fields=["reason"])

        from tenancy.personal_data import PersonalDataHook, register_personal_data

        register_personal_data(PersonalDataHook(
            key="attendance", label="punches and timesheets", export=personal_data.export,
            erase=personal_data.erase, forget_kinds=personal_data.forget_kinds,
            holders=personal_data.holders,
        ))  # fmt: skip

        from attendance.clocking.views import clock_panel
        from scheduling.employee.panels import register_my_shifts_panel
        from tenancy.home import HomePanel

        register_my_shifts_panel(HomePanel(
            key="clock", template="attendance/clocking/panel.html", build=clock_panel, order=10,
        ))  # fmt: skip
