"""Forms of the marketplace."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenancy.models import Membership


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    comment = forms.CharField(required=False, max_length=1000)
    override_reason = forms.CharField(required=False, max_length=1000)


class SwapOfferForm(forms.Form):
    offered_to = forms.ChoiceField(
        label=gettext_lazy("Offer it to"), required=False,
        help_text=gettext_lazy("Anyone whose work profile lists this shift's position and site "
                               "can take an offer to anyone; each of them is told."),
    )  # fmt: skip
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(
        self, people: list[Membership], qualified: set[uuid.UUID], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        can = [(str(p.pk), p.user.display_name) for p in people if p.pk in qualified]
        cannot = [(str(p.pk), p.user.display_name) for p in people if p.pk not in qualified]
        choices: list[Any] = [("", _("Anyone who can work it"))]
        if can:
            choices.append((_("Can work this shift"), can))
        if cannot:
            choices.append((_("Not qualified for this shift"), cannot))
        field = self.fields["offered_to"]
        if isinstance(field, forms.ChoiceField):
            field.choices = choices

    def colleague(self) -> Membership | None:
        return self.people.get(self.cleaned_data["offered_to"] or "")


class AcceptForm(forms.Form):
    return_shift = forms.UUIDField(required=False)
