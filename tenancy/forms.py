"""Forms of the tenancy app. Choice fields are limited to the active tenant's rows, so a forged
form naming another tenant's role is answered with a field error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tenancy.models import Membership, Role, SecurityPolicy, Tenant
from tenancy.permissions import Permission
from tenancy.validators import check_password_length


class RoleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class InviteForm(forms.Form):
    """Roles come from the list the page already loaded (the tenant's own): a forged id of
    another tenant's role is not among the choices."""

    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, roles: list[Role], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = {str(role.pk): role for role in roles}
        field = self.fields["role"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(key, role.name) for key, role in self.roles.items()]

    def clean_role(self) -> Role:
        return self.roles[self.cleaned_data["role"]]


class MemberRoleForm(forms.Form):
    role = RoleChoiceField(label=_("Role"), queryset=Role.objects.none(), empty_label=None)

    def __init__(self, tenant: Tenant, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, RoleChoiceField)  # noqa: S101
        field.queryset = Role.objects.filter(tenant=tenant).order_by("name")


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        choices=Permission.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requires_two_factor = forms.BooleanField(
        label=_("Require two-factor authentication for this role"),
        required=False,
        help_text=_("Applies when the security policy requires it for chosen roles."),
    )


class SecurityPolicyForm(forms.Form):
    two_factor = forms.ChoiceField(
        label=_("Two-factor authentication"),
        choices=SecurityPolicy.TwoFactor.choices,
        widget=forms.RadioSelect,
    )
    two_factor_roles = RoleMultipleChoiceField(
        label=_("Roles that must use it"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_password_length = forms.IntegerField(
        label=_("Minimum password length"),
        min_value=12,
        max_value=64,
        help_text=_("Between 12 and 64. Longer passwords are always allowed, up to 256."),
    )

    def __init__(self, tenant: Tenant, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["two_factor_roles"]
        assert isinstance(roles, forms.ModelMultipleChoiceField)  # noqa: S101
        roles.queryset = Role.objects.filter(tenant=tenant).order_by("name")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("two_factor") == SecurityPolicy.TwoFactor.ROLES and not data.get(
            "two_factor_roles"
        ):
            self.add_error("two_factor_roles", _("Choose at least one role."))
        return data


class JoinForm(forms.Form):
    """A new account from an invitation: the invited address is fixed, the rest is chosen."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, email: str, min_length: int, *args: Any, **kwargs: Any) -> None:
        self.email = email
        self.min_length = min_length
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = _(
            "At least %(min)d characters. A few unrelated words are long and easy to remember."
        ) % {"min": min_length}

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        password = data.get("password")
        if password:
            candidate = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                check_password_length(password, self.min_length)
                validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class MemberStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Membership.Status.choices)


class PrivacySettingsForm(forms.Form):
    dpo_name = forms.CharField(label=_("Data Protection Officer"), max_length=150)
    dpo_email = forms.EmailField(label=_("DPO email address"), max_length=254)
    dpo_phone = forms.RegexField(
        label=_("DPO phone number"),
        regex=r"^\+?[0-9 ()-]{6,32}$",
        error_messages={
            "invalid": _("Enter a phone number: digits, spaces, brackets and hyphens.")
        },
    )


def add_service_errors(
    form: forms.Form, error: ValidationError, *, default_field: str | None = None
) -> None:
    """Show a service's ValidationError on the form: each message on its field when the form
    has that field, the rest at the top (or on `default_field`)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, error.messages)
