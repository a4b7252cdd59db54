"""The company sign-up form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tenancy.models import RESERVED_SLUGS, Tenant


def suggest_slug(company_name: str) -> str:
    """A free address from the company's name: acme-care, then acme-care-2, -3..."""
    base = slugify(company_name)[:40].strip("-") or "company"
    if base in RESERVED_SLUGS:
        base = f"{base}-team"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class SignupForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=120)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=50,
        required=False,
        help_text=_("Lower-case letters, digits and hyphens. Leave empty to use the company name."),
    )
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    email = forms.EmailField(label=_("Your work email"), max_length=254)
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A few unrelated words are long and easy to remember."),
    )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data.get("slug", "").strip().lower()
        if not slug:
            return ""
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("That address is reserved; choose another."))
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("That address is taken; choose another."))
        return slug

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("slug") and data.get("company_name") and "slug" not in self.errors:
            data["slug"] = suggest_slug(data["company_name"])
        password = data.get("password")
        if password:
            candidate = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
