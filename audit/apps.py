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

        from audit.home_panels import audit_overview
        from tenancy.home import HomePanel, register_panel
        from tenancy.permissions import Permission

        register_panel(HomePanel(
            key="audit", template="audit/home/overview.html", build=audit_overview, order=15,
            permission=Permission.VIEW_AUDIT_LOG,
        ))  # fmt: skip
