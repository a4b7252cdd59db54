from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.catalogue import Category
        from audit import receivers  # noqa: F401  (connects the signal receivers)
        from audit.registry import register
        from tenancy.models import Invitation, Membership, PrivacySettings, Role, SecurityPolicy

        # tenancy sits below audit and cannot register itself; the apps above register theirs.
        register(Role)
        register(Membership)
        register(Invitation, mask_fields=["token_hash"])
        register(SecurityPolicy, category=Category.SECURITY)
        register(PrivacySettings, category=Category.PRIVACY)

        from audit.sentences import register_names

        # Sentences name the site a rota event was about ({site:site}). The model is named as a
        # string, like a cross-app foreign key; its registration belongs with scheduling's own
        # (scheduling/apps.py), where it can move once that app's restructuring has landed.
        register_names("site", "scheduling.Site")
