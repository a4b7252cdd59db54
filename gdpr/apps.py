from django.apps import AppConfig


class GdprConfig(AppConfig):
    name = "gdpr"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.registry import register
        from gdpr.models import PersonalDetails, Policy, PolicyAcceptance, PolicyVersion
        from tenancy.models import SensitiveKind

        # Creation and deletion are logged; the values never are (changes are logged by
        # gdpr.services as "personal_data.changed", with the field names only).
        register(PersonalDetails, exclude_fields=[*SensitiveKind.values, "updated_at"])
        register(Policy)
        register(PolicyVersion, exclude_fields=["content"])
        register(PolicyAcceptance)
