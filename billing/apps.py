from typing import Any

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from audit.registry import register
        from billing.models import Subscription
        from tenancy.models import Membership

        register(Subscription)

        def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
            # Seats follow the members: billing subscribes to tenancy's change (a lower app
            # cannot call billing) and syncs after the change commits.
            from billing.stripe_api import configured
            from billing.tasks import sync_seats
            from tenancy import outbox
            from tenancy.context import current_tenant

            if configured():
                # A membership is saved only in its own company's context (TenantModel.save).
                tenant = current_tenant()
                if tenant is None or tenant.pk != instance.tenant_id:
                    tenant = instance.tenant
                outbox.enqueue(sync_seats.name, str(instance.tenant_id), tenant=tenant)

        post_save.connect(membership_changed, sender=Membership, weak=False,
                          dispatch_uid="billing-seat-sync")  # fmt: skip

        from billing.home_panels import billing_overview
        from tenancy.home import HomePanel, register_panel
        from tenancy.permissions import Permission

        register_panel(HomePanel(
            key="billing", template="billing/home/overview.html", build=billing_overview,
            order=70, permission=Permission.MANAGE_BILLING, column="side",
        ))  # fmt: skip
