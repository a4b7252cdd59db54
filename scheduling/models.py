"""Sites (and, with the scheduling issue, positions, shifts and the rota)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel, validate_time_zone
from tenancy.object_permissions import TenantUserObjectPermission

SCHEDULE_SITE = "scheduling.schedule_site"


class Site(TenantModel):
    """A place where people work: a care home, an office, a venue."""

    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]
        permissions = [("schedule_site", _("Schedule this site"))]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_site_name_unique"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class SiteUserObjectPermission(TenantUserObjectPermission):
    """Which sites a member limited to chosen sites may schedule (django-guardian direct FK)."""

    content_object = models.ForeignKey(Site, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "permission", "content_object"],
                name="scheduling_site_perm_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "content_object"], name="scheduling_siteperm_site"),
            models.Index(fields=["tenant", "permission"], name="scheduling_siteperm_perm"),
        ]
