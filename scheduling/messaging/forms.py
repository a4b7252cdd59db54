"""Forms of messaging: a message and its audience, email preferences, automatic texts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.messaging.reminders import SHIFT_PLACEHOLDERS, UNPUBLISHED_PLACEHOLDERS
from scheduling.messaging.selectors import Audience
from scheduling.messaging.services import template_check
from scheduling.models import Position, SchedulingSettings, Site
from tenancy.models import Membership

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip


def _set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


class AudienceForm(forms.Form):
    """Who a message goes to: chosen people, and/or everyone at a site, and/or everyone in a
    position (each person once)."""

    people = forms.MultipleChoiceField(
        label=_("People"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )  # fmt: skip
    site = forms.ChoiceField(label=_("Everyone who works at"), required=False)
    position = forms.ChoiceField(label=_("Everyone who works as"), required=False)

    def __init__(
        self, people: list[Membership], sites: list[Site], positions: list[Position],
        *args: Any, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.people_by_id = {str(person.pk): person for person in people}
        self.sites_by_id = {str(site.pk): site for site in sites}
        self.positions_by_id = {str(position.pk): position for position in positions}
        _set_choices(self.fields["people"],
                     [(k, p.user.display_name) for k, p in self.people_by_id.items()])  # fmt: skip
        _set_choices(self.fields["site"], [
            ("", _("No site")), *((k, s.name) for k, s in self.sites_by_id.items())])  # fmt: skip
        _set_choices(self.fields["position"], [
            ("", _("No position")),
            *((k, p.name) for k, p in self.positions_by_id.items())])  # fmt: skip

    def audience(self) -> Audience:
        """The audience chosen (call after is_valid)."""
        data = self.cleaned_data
        return Audience(
            people=tuple(self.people_by_id[key] for key in data.get("people") or ()),
            site=self.sites_by_id.get(data.get("site") or ""),
            position=self.positions_by_id.get(data.get("position") or ""),
        )


class MessageForm(AudienceForm):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}))  # fmt: skip

    field_order = ["subject", "body", "people", "site", "position"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not (data.get("people") or data.get("site") or data.get("position")):
            self.add_error(None, _("Choose at least one person, a site or a position."))
        return data


class EmailPreferencesForm(forms.Form):
    messages = forms.BooleanField(label=_("Messages from managers"), required=False)
    requests = forms.BooleanField(
        label=_("Requests waiting for me, and decisions on mine"), required=False
    )
    reminders = forms.BooleanField(label=_("Reminders of my shifts"), required=False)
    schedule = forms.BooleanField(
        label=_("My published shifts and changes to them"), required=False
    )


def _placeholders(names: tuple[str, ...]) -> str:
    return " ".join("{" + name + "}" for name in names)


class MessageSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    """The automatic messages: the shift reminder and the unpublished-week reminder."""

    unpublished_reminder_weekday = forms.TypedChoiceField(
        label=_("On"), choices=WEEKDAYS, coerce=int,
        help_text=_("From 09:00 in the company's time zone."),
    )  # fmt: skip

    class Meta:
        model = SchedulingSettings
        fields = [
            "shift_reminder_hours", "shift_reminder_text", "unpublished_reminder_enabled",
            "unpublished_reminder_weekday", "unpublished_reminder_text",
        ]  # fmt: skip
        labels = {
            "shift_reminder_hours": _("Hours before a shift"),
            "shift_reminder_text": _("Shift reminder text"),
            "unpublished_reminder_enabled": _(
                "Remind those who publish the rota when next week has unpublished shifts"
            ),
            "unpublished_reminder_text": _("Unpublished week reminder text"),
        }
        help_texts = {
            "shift_reminder_hours": _("0 turns shift reminders off. At most 168 (a week)."),
            "shift_reminder_text": _("Placeholders: %(names)s.")
            % {"names": _placeholders(SHIFT_PLACEHOLDERS)},
            "unpublished_reminder_text": _("Placeholders: %(names)s.")
            % {"names": _placeholders(UNPUBLISHED_PLACEHOLDERS)},
        }
        widgets = {
            "shift_reminder_text": forms.Textarea(attrs={"rows": 3}),
            "unpublished_reminder_text": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_shift_reminder_text(self) -> str:
        text: str = self.cleaned_data["shift_reminder_text"]
        template_check(text, SHIFT_PLACEHOLDERS)
        return text

    def clean_unpublished_reminder_text(self) -> str:
        text: str = self.cleaned_data["unpublished_reminder_text"]
        template_check(text, UNPUBLISHED_PLACEHOLDERS)
        return text
