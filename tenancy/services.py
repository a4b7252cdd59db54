"""Writes of the tenancy app: tenants, roles, memberships, invitations and the security policy.

Each function takes the tenant and the acting member first, and validates, saves and schedules
its side effects in one transaction inside that tenant's context (nesting is safe)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from accounts.tokens import new_token, token_hash
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Invitation, Membership, PrivacySettings, Role, SecurityPolicy, Tenant
from tenancy.permissions import ALL_PERMISSIONS, BUILTIN_ROLES, RoleKind

if TYPE_CHECKING:
    from accounts.models import User

INVITATION_LIFETIME = timedelta(days=7)


def tenant_create(
    *,
    name: str,
    slug: str,
    time_zone: str = "Europe/London",
    status: str = Tenant.Status.ACTIVE,
    trial_ends_at: datetime | None = None,
) -> Tenant:
    """A new tenant with the built-in roles Owner, Admin, Manager, Employee and Auditor."""
    with transaction.atomic():
        tenant = Tenant(
            name=name, slug=slug, time_zone=time_zone, status=status, trial_ends_at=trial_ends_at
        )
        tenant.full_clean()
        tenant.save()
        with tenant_context(tenant):
            for kind, permissions in BUILTIN_ROLES.items():
                role = Role(
                    tenant=tenant,
                    name=str(kind.label),
                    kind=kind,
                    permissions=sorted(permissions),
                )
                role.full_clean()
                role.save()
            SecurityPolicy.objects.create(tenant=tenant)
    return tenant


def builtin_role(*, tenant: Tenant, kind: RoleKind) -> Role:
    with tenant_context(tenant):
        return Role.objects.get(tenant=tenant, kind=kind)


def membership_create(*, tenant: Tenant, user: User, role: Role) -> Membership:
    """Give `user` an active membership of `tenant` with `role` (a role of the same tenant)."""
    with tenant_context(tenant, account=user):  # the account is not a member yet
        membership = Membership(tenant=tenant, user=user, role=role)
        membership.full_clean()
        membership.save()
    return membership


# Owners --------------------------------------------------------------------------------------


def _active_owner_ids(tenant: Tenant) -> set[object]:
    # Locked, so that two admins demoting the last two owners at once cannot both succeed.
    return set(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, status=Membership.Status.ACTIVE, role__kind=RoleKind.OWNER)
        .values_list("pk", flat=True)
    )


def _guard_owner_change(*, tenant: Tenant, actor: Membership, target: Membership) -> None:
    if target.role.is_owner and not actor.role.is_owner:
        raise ValidationError(_("Only an owner can change or remove another owner."))


def _guard_grant(*, actor: Membership, permissions: list[str] | set[str]) -> None:
    """Nobody but an owner hands out a permission their own role does not have."""
    if actor.role.is_owner:
        return
    beyond = set(permissions) - set(actor.role.permissions)
    if beyond:
        raise ValidationError(
            _("You can only give permissions your own role has (not: %(names)s).")
            % {"names": ", ".join(sorted(beyond))}
        )


def _guard_outranks(*, actor: Membership, target: Membership) -> None:
    """Nobody but an owner changes someone whose role has a permission the actor lacks."""
    if not actor.role.is_owner and not set(target.role.permissions) <= set(actor.role.permissions):
        raise ValidationError(_("You cannot change someone whose role has more permissions."))


def _guard_last_owner(*, tenant: Tenant, target: Membership) -> None:
    owners = _active_owner_ids(tenant)
    if target.pk in owners and len(owners) == 1:
        raise ValidationError(
            _("A company must keep at least one owner. Make someone else an owner first.")
        )


# Members -------------------------------------------------------------------------------------


def membership_change_role(
    *, tenant: Tenant, actor: Membership, membership: Membership, role: Role
) -> Membership:
    with tenant_context(tenant):
        if role.tenant_id != tenant.pk:
            raise ValidationError(_("Choose a valid role."))
        if membership.pk == actor.pk:
            raise ValidationError(_("You cannot change your own role."))
        _guard_owner_change(tenant=tenant, actor=actor, target=membership)
        _guard_outranks(actor=actor, target=membership)
        _guard_grant(actor=actor, permissions=role.permissions)
        if role.is_owner and not actor.role.is_owner:
            raise ValidationError(_("Only an owner can make someone an owner."))
        if membership.role.is_owner and not role.is_owner:
            _guard_last_owner(tenant=tenant, target=membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_set_status(
    *, tenant: Tenant, actor: Membership, membership: Membership, status: str
) -> Membership:
    """Suspend, reactivate or remove (status "left") a member. A suspended or removed member
    loses access to this company at their next request."""
    if status not in Membership.Status.values:
        raise ValidationError(_("Unknown status."))
    with tenant_context(tenant):
        if membership.pk == actor.pk and status != Membership.Status.ACTIVE:
            raise ValidationError(_("You cannot suspend or remove yourself."))
        _guard_owner_change(tenant=tenant, actor=actor, target=membership)
        _guard_outranks(actor=actor, target=membership)
        if status != Membership.Status.ACTIVE:
            _guard_last_owner(tenant=tenant, target=membership)
        if membership.anonymised_at is not None:
            raise ValidationError(_("This person's data has been erased; they cannot return."))
        if status == Membership.Status.LEFT and membership.status != status:
            membership.left_at = timezone.now()
        elif status != Membership.Status.LEFT:
            membership.left_at = None
        membership.status = status
        membership.save(update_fields=["status", "left_at"])
    return membership


# Roles ---------------------------------------------------------------------------------------


def role_save(
    *,
    tenant: Tenant,
    actor: Membership,
    role: Role | None,
    name: str,
    permissions: list[str],
    requires_two_factor: bool,
) -> Role:
    """Create a custom role (role None) or edit one. The Owner role always has every permission."""
    with tenant_context(tenant):
        if role is None:
            role = Role(tenant=tenant, kind=RoleKind.CUSTOM)
        elif role.is_builtin and not actor.role.is_owner:
            raise ValidationError(_("Only an owner can change a built-in role."))
        if not role.is_owner:
            _guard_grant(actor=actor, permissions=permissions)
        if role.is_owner:
            permissions = sorted(ALL_PERMISSIONS)
        elif role.is_builtin:
            name = role.name  # built-in roles keep their names
        role.name = name.strip()
        role.permissions = sorted(set(permissions))
        role.requires_two_factor = requires_two_factor
        if Role.objects.filter(name__iexact=role.name).exclude(pk=role.pk).exists():
            raise ValidationError({"name": _("Another role already has that name.")})
        role.full_clean()
        role.save()
    return role


def role_delete(*, tenant: Tenant, actor: Membership, role: Role) -> None:
    with tenant_context(tenant):
        if role.is_builtin:
            raise ValidationError(_("Built-in roles cannot be deleted."))
        if role.memberships.exists() or role.invitations.filter(accepted_at__isnull=True).exists():
            raise ValidationError(
                _("People or invitations still have this role. Give them another role first.")
            )
        role.delete()


# Security policy -----------------------------------------------------------------------------


def security_policy_of(tenant: Tenant) -> SecurityPolicy:
    with tenant_context(tenant):
        policy, _created = SecurityPolicy.objects.get_or_create(tenant=tenant)
    return policy


def security_policy_update(
    *,
    tenant: Tenant,
    actor: Membership,
    two_factor: str,
    min_password_length: int,
    two_factor_role_ids: list[object],
) -> SecurityPolicy:
    with tenant_context(tenant):
        policy = security_policy_of(tenant)
        policy.two_factor = two_factor
        policy.min_password_length = min_password_length
        policy.full_clean()
        policy.save(update_fields=["two_factor", "min_password_length", "updated_at"])
        for role in Role.objects.filter(tenant=tenant):
            wanted = role.pk in set(two_factor_role_ids)
            if role.requires_two_factor != wanted:
                role.requires_two_factor = wanted
                role.save(update_fields=["requires_two_factor"])
    return policy


# Privacy settings ----------------------------------------------------------------------------


def privacy_settings_of(tenant: Tenant) -> PrivacySettings | None:
    with tenant_context(tenant):
        return PrivacySettings.objects.filter(tenant=tenant).first()


def privacy_settings_update(
    *, tenant: Tenant, actor: Membership, dpo_name: str, dpo_email: str, dpo_phone: str
) -> PrivacySettings:
    with tenant_context(tenant):
        settings_row = PrivacySettings.objects.filter(tenant=tenant).first() or PrivacySettings(
            tenant=tenant
        )
        settings_row.dpo_name = dpo_name.strip()
        settings_row.dpo_email = dpo_email.strip().lower()
        settings_row.dpo_phone = dpo_phone.strip()
        settings_row.full_clean()
        settings_row.save()
        Tenant.objects.filter(pk=tenant.pk).update(has_dpo=True)
        tenant.has_dpo = True
    return settings_row


# Invitations ---------------------------------------------------------------------------------


def invitation_create(
    *,
    tenant: Tenant,
    actor: Membership,
    email: str,
    role: Role,
    accept_url_for: Callable[[str], str],
) -> tuple[Invitation, str]:
    """Invite `email` with `role`; email them a one-time link. `accept_url_for(token)` builds the
    link. Returns the invitation and the token (which is not stored)."""
    email = email.strip().lower()
    with tenant_context(tenant):
        if role.tenant_id != tenant.pk:
            raise ValidationError({"role": _("Choose a valid role.")})
        if not Tenant.objects.filter(pk=tenant.pk, has_dpo=True).exists():
            raise ValidationError(
                _("Name your company's Data Protection Officer (Privacy settings) before inviting.")
            )
        if role.is_owner and not actor.role.is_owner:
            raise ValidationError({"role": _("Only an owner can invite another owner.")})
        try:
            _guard_grant(actor=actor, permissions=role.permissions)
        except ValidationError as error:
            raise ValidationError({"role": error.messages}) from None
        former = (
            Membership.objects.filter(tenant=tenant, user__email__iexact=email)
            .select_related("role")
            .first()
        )
        if former is not None and former.role.is_owner and not actor.role.is_owner:
            raise ValidationError({"email": _("Only an owner can invite a former owner back.")})
        if Membership.objects.filter(
            tenant=tenant, user__email__iexact=email, status=Membership.Status.ACTIVE
        ).exists():
            raise ValidationError({"email": _("This person is already a member.")})
        now = timezone.now()
        # One open invitation per address: a new one replaces the old.
        for earlier in Invitation.objects.filter(
            tenant=tenant, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            earlier.revoked_at = now
            earlier.save(update_fields=["revoked_at"])  # one by one, so each change is audited
        token = new_token()
        invitation = Invitation(
            tenant=tenant,
            email=email,
            role=role,
            token_hash=token_hash(token),
            invited_by=actor,
            expires_at=now + INVITATION_LIFETIME,
        )
        invitation.full_clean()
        invitation.save()
        url = accept_url_for(token)
        context = {"tenant": tenant, "inviter": actor.user, "role": role, "url": url,
                   "expires_at": invitation.expires_at}  # fmt: skip
        emit(Event.INVITATION_SENT, tenant=tenant, target=invitation,
             data={"email": email, "role": role.name})  # fmt: skip
        # Through the outbox: sent after commit, and still sent if the broker is down now.
        outbox.email(
            _("You're invited to join %(company)s on Parim") % {"company": tenant.name},
            render_to_string("emails/invitation.txt", context),
            [email],
            tenant=tenant,
        )
    return invitation, token


def invitation_find(*, tenant: Tenant, token: str) -> Invitation | None:
    """The invitation of `tenant` that `token` opens, if it is still open."""
    with tenant_context(tenant):
        invitation = (
            Invitation.objects.select_related("role")
            .filter(tenant=tenant, token_hash=token_hash(token))
            .first()
        )
    return invitation if invitation is not None and invitation.is_open else None


def invitation_accept(*, tenant: Tenant, invitation: Invitation, user: User) -> Membership:
    """`user` (whose email is the invited one) joins the company; a former member rejoins."""
    with tenant_context(tenant, account=user):  # the account is not a member yet
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValidationError(_("This invitation has already been used or has expired."))
        if user.email.lower() != locked.email.lower():
            raise ValidationError(_("This invitation is for a different email address."))
        membership = (
            Membership.objects.select_related("role").filter(tenant=tenant, user=user).first()
        )
        if membership is not None and membership.role.is_owner and not locked.role.is_owner:
            _guard_last_owner(tenant=tenant, target=membership)
        if membership is None:
            membership = Membership(tenant=tenant, user=user, role=locked.role)
            membership.full_clean()
            membership.save()
        else:
            # A former member rejoins; if their data was erased they start afresh.
            membership.role = locked.role
            membership.status = Membership.Status.ACTIVE
            membership.left_at = membership.anonymised_at = None
            membership.save(update_fields=["role", "status", "left_at", "anonymised_at"])
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        emit(Event.INVITATION_ACCEPTED, tenant=tenant, user=user, target=locked,
             data={"role": locked.role.name})  # fmt: skip
    return membership


def invitation_revoke(*, tenant: Tenant, actor: Membership, invitation: Invitation) -> None:
    with tenant_context(tenant):
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
