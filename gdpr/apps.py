from django.apps import AppConfig


class GdprConfig(AppConfig):
    name = "gdpr"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register
        from gdpr.models import (
            DataExport,
            ErasureRequest,
            PersonalDetails,
            Policy,
            PolicyAcceptance,
            PolicyVersion,
        )
        from tenancy.models import SensitiveKind

        # Creation and deletion are logged; the values never are (changes are logged by
        # gdpr.services as "personal_data.changed", with the field names only).
        register(PersonalDetails, exclude_fields=[*SensitiveKind.values, "updated_at"])
        register(Policy)
        register(PolicyVersion, exclude_fields=["content"])
        # The address is on the row and in the "policy.accepted" entry about the person.
        register(PolicyAcceptance, exclude_fields=["ip_address"])
        # The ZIP itself and its progress ticks are not logged; its creation, completion and
        # every download are ("data_export.*" events).
        register(DataExport, exclude_fields=["content", "progress", "download_count"])
        # The person's note and the reason for declining may name people: not copied into the
        # log, which keeps each step's event, status and who decided.
        register(ErasureRequest, exclude_fields=["note", "decline_reason"])
