from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit import receivers  # noqa: F401  (connects the signal receivers)
        from audit.registry import register
        from tenancy.models import Invitation, Membership, PrivacySettings, Role, SecurityPolicy

        # tenancy sits below audit and cannot register itself; the apps above register theirs.
        register(Role)
        register(Membership)
        register(Invitation, mask_fields=["token_hash"])
        register(SecurityPolicy)
        register(PrivacySettings)
