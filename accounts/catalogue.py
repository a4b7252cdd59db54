"""The catalogue of audit events: each one's code, label, category and sentence.

It lives in the lowest app so that every app can name its events (`Event.ROTA_PUBLISHED`);
`audit` writes the entries and renders the sentences (audit.catalogue, audit.sentences).

A sentence is a `str.format` template. `{actor}` is who did it and `{target}` what it is about
(both always given); any other field is a key of the event's `data`, written `{key:kind}`
where the kind says how the value reads: `date`, `site`, `member`, a counted noun (`shifts`,
`people`, ...), `fields`, ... (audit.sentences.KINDS lists them). A sentence whose data is
missing (an older entry, or one whose personal values were erased) reads as its label."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, cast

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(StrEnum):
    """What an event is about, for the auditor's filter."""

    label: Promise

    def __new__(cls, code: str, label: Promise) -> Category:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    SECURITY = "security", _("Security")
    PEOPLE = "people", _("People")
    SCHEDULE = "schedule", _("Schedule")
    PRIVACY = "privacy", _("Privacy")
    BILLING = "billing", _("Billing")
    AUDIT = "audit", _("Audit")


class UnknownEventError(ValueError):
    """An event code that is not in the catalogue."""


class Event(StrEnum):
    """Every named audit event. The member's value is the code stored in the entry; the
    member's name is the code in capitals with "." as "_" (a test checks it)."""

    category: Category
    label: Promise
    sentence: Promise

    def __new__(cls, code: str, category: Category, label: Promise, sentence: Promise) -> Event:
        member = str.__new__(cls, code)
        member._value_ = code
        member.category = category
        member.label = label
        member.sentence = sentence
        return member

    @classmethod
    def of(cls, code: Any) -> Event:
        """The catalogued event named `code` (a member or its code); anything else raises."""
        member = cls._value2member_map_.get(code) if isinstance(code, str) else None
        if member is None:
            raise UnknownEventError(f"{code!r} is not in the audit event catalogue")
        return cast(Event, member)

    # Security: signing in and out, two-factor, passwords, refused pages ------------------------
    AUTH_LOGIN = "auth.login", Category.SECURITY, _("Signed in"), _("{target} signed in")
    AUTH_LOGIN_FAILED = (
        "auth.login_failed", Category.SECURITY, _("Failed sign-in"),
        _("Someone failed to sign in as {target}"),
    )  # fmt: skip
    AUTH_LOCKOUT = (
        "auth.lockout", Category.SECURITY, _("Sign-in locked"),
        _("Signing in as {target} was locked after too many failed attempts"),
    )  # fmt: skip
    AUTH_LOGOUT = "auth.logout", Category.SECURITY, _("Signed out"), _("{target} signed out")
    SESSIONS_ENDED = (
        "sessions.ended", Category.SECURITY, _("Signed out elsewhere"),
        _("{target} signed out on every other device and browser"),
    )  # fmt: skip
    PASSWORD_CHANGED = (
        "password.changed", Category.SECURITY, _("Password changed"),
        _("{target} changed their password"),
    )  # fmt: skip
    PASSWORD_RESET = (
        "password.reset", Category.SECURITY, _("Password reset"),
        _("{target} set a new password from a reset email"),
    )  # fmt: skip
    EMAIL_CHANGED = (
        "email.changed", Category.SECURITY, _("Email address changed"),
        _("{target} changed their email address"),
    )  # fmt: skip
    TWO_FACTOR_ENABLED = (
        "two_factor.enabled", Category.SECURITY, _("Two-factor turned on"),
        _("{target} turned on two-factor authentication"),
    )  # fmt: skip
    TWO_FACTOR_DISABLED = (
        "two_factor.disabled", Category.SECURITY, _("Two-factor turned off"),
        _("{target} turned off two-factor authentication"),
    )  # fmt: skip
    TWO_FACTOR_FAILED = (
        "two_factor.failed", Category.SECURITY, _("Wrong two-factor code"),
        _("A wrong two-factor code was entered when signing in as {target}"),
    )  # fmt: skip
    TWO_FACTOR_BACKUP_CODE_USED = (
        "two_factor.backup_code_used", Category.SECURITY, _("Backup code used"),
        _("{target} signed in with a backup code; {remaining:backup_codes} left"),
    )  # fmt: skip
    TWO_FACTOR_BACKUP_CODES_REGENERATED = (
        "two_factor.backup_codes_regenerated", Category.SECURITY, _("New backup codes"),
        _("{target} made new backup codes"),
    )  # fmt: skip
    ACCESS_DENIED = (
        "access.denied", Category.SECURITY, _("Page refused"),
        _("{actor} was refused a page that needs the permission “{permission:permission}”"),
    )  # fmt: skip
    USER_DEACTIVATED = (
        "user.deactivated", Category.SECURITY, _("Account deactivated"),
        _("{actor} deactivated the account of {target}"),
    )  # fmt: skip

    # People: joining the company, and each person's own settings ------------------------------
    INVITATION_SENT = (
        "invitation.sent", Category.PEOPLE, _("Invitation sent"),
        _("{actor} invited {email} to join as {role}"),
    )  # fmt: skip
    INVITATION_ACCEPTED = (
        "invitation.accepted", Category.PEOPLE, _("Invitation accepted"),
        _("{actor} accepted an invitation and joined as {role}"),
    )  # fmt: skip
    EMAIL_PREFERENCES_CHANGED = (
        "email_preferences.changed", Category.PEOPLE, _("Email choices changed"),
        _("{actor} changed which emails they receive"),
    )  # fmt: skip

    # Schedule: the rota, patterns, leave, availability, the shift marketplace, messages --------
    ROTA_PUBLISHED = (
        "rota.published", Category.SCHEDULE, _("Rota published"),
        _("{actor} published {shifts:shifts} at {site:site} for the week of {week:date}"),
    )  # fmt: skip
    ROTA_WEEK_COPIED = (
        "rota.week_copied", Category.SCHEDULE, _("Previous week copied"),
        _("{actor} copied {shifts:shifts} from the week before into the week of {week:date} "
          "at {site:site}"),
    )  # fmt: skip
    ROTA_DRAFTS_CLEARED = (
        "rota.drafts_cleared", Category.SCHEDULE, _("Draft shifts cleared"),
        _("{actor} deleted {shifts:draft_shifts} at {site:site} for the week of {week:date}"),
    )  # fmt: skip
    ROTA_RULES_OVERRIDDEN = (
        "rota.rules_overridden", Category.SCHEDULE, _("Rules overridden"),
        _("{actor} overrode the working-time rules, giving the reason “{reason}”"),
    )  # fmt: skip
    TEMPLATE_SAVED = (
        "template.saved", Category.SCHEDULE, _("Week template saved"),
        _("{actor} saved the week of {week:date} at {site:site} as the template “{target}” "
          "({shifts:shifts})"),
    )  # fmt: skip
    TEMPLATE_APPLIED = (
        "template.applied", Category.SCHEDULE, _("Week template applied"),
        _("{actor} applied the template “{target}” from {from:date} to {to:date}, "
          "adding {created:shifts}"),
    )  # fmt: skip
    ROTATION_SAVED = (
        "rotation.saved", Category.SCHEDULE, _("Rotating pattern saved"),
        _("{actor} saved the rotating pattern “{target}” for {site:site}"),
    )  # fmt: skip
    ROTATION_APPLIED = (
        "rotation.applied", Category.SCHEDULE, _("Rotating pattern applied"),
        _("{actor} applied the rotating pattern “{target}” from {from:date} to {to:date}, "
          "adding {created:shifts}"),
    )  # fmt: skip
    COVERAGE_FROM_RECENT = (
        "coverage.from_recent", Category.SCHEDULE, _("Coverage plan taken from recent weeks"),
        _("{actor} set the coverage plan of {site:site} from the shifts of the {weeks} weeks "
          "before {week:date}"),
    )  # fmt: skip
    AUTOBUILD_STARTED = (
        "autobuild.started", Category.SCHEDULE, _("Auto-build started"),
        _("{actor} started an auto-build of {site:site} for {weeks} week(s) from {week:date} "
          "with a time limit of {seconds} seconds"),
    )  # fmt: skip
    AUTOBUILD_CANCELLED = (
        "autobuild.cancelled", Category.SCHEDULE, _("Auto-build cancelled"),
        _("{actor} cancelled the auto-build of {site:site} from {week:date}"),
    )  # fmt: skip
    AUTOBUILD_ACCEPTED = (
        "autobuild.accepted", Category.SCHEDULE, _("Auto-build accepted"),
        _("{actor} accepted {shifts:shifts} of the auto-build of {site:site} from {week:date} "
          "as drafts"),
    )  # fmt: skip
    AVAILABILITY_CHANGED = (
        "availability.changed", Category.SCHEDULE, _("Availability changed"),
        _("{actor} changed their availability"),
    )  # fmt: skip
    SHIFT_WISH_CHANGED = (
        "shift_wish.changed", Category.SCHEDULE, _("Shift wish changed"),
        _("{actor} changed their shift wishes"),
    )  # fmt: skip
    LEAVE_REQUESTED = (
        "leave.requested", Category.SCHEDULE, _("Leave requested"),
        _("{actor} asked for {type} from {from:date} to {to:date} ({amount} {unit})"),
    )  # fmt: skip
    LEAVE_APPROVED = (
        "leave.approved", Category.SCHEDULE, _("Leave approved"),
        _("{actor} approved {type} for {member:member} from {from:date} to {to:date}"),
    )  # fmt: skip
    LEAVE_DECLINED = (
        "leave.declined", Category.SCHEDULE, _("Leave declined"),
        _("{actor} declined {type} for {member:member} from {from:date} to {to:date}"),
    )  # fmt: skip
    LEAVE_CANCELLED = (
        "leave.cancelled", Category.SCHEDULE, _("Leave cancelled"),
        _("{actor} cancelled their leave request"),
    )  # fmt: skip
    OPEN_SHIFT_CLAIMED = (
        "open_shift.claimed", Category.SCHEDULE, _("Open shift claimed"),
        _("{actor} claimed an open shift at {site:site} on {day:date}"),
    )  # fmt: skip
    OPEN_SHIFT_CLAIM_APPROVED = (
        "open_shift.claim_approved", Category.SCHEDULE, _("Claim approved"),
        _("{actor} gave {member:member} the open shift at {site:site} on {day:date}"),
    )  # fmt: skip
    OPEN_SHIFT_CLAIM_DECLINED = (
        "open_shift.claim_declined", Category.SCHEDULE, _("Claim declined"),
        _("{actor} declined the claim of {member:member} on the open shift at {site:site} "
          "on {day:date}"),
    )  # fmt: skip
    OPEN_SHIFT_CLAIM_WITHDRAWN = (
        "open_shift.claim_withdrawn", Category.SCHEDULE, _("Claim withdrawn"),
        _("{actor} withdrew their claim for an open shift"),
    )  # fmt: skip
    SWAP_OFFERED = (
        "swap.offered", Category.SCHEDULE, _("Shift offered"),
        _("{actor} offered their shift at {site:site} on {day:date} to {to:member}"),
    )  # fmt: skip
    SWAP_ACCEPTED = (
        "swap.accepted", Category.SCHEDULE, _("Swap accepted"),
        _("{actor} accepted the shift at {site:site} on {day:date}"),
    )  # fmt: skip
    SWAP_REFUSED = (
        "swap.refused", Category.SCHEDULE, _("Swap refused"),
        _("{actor} refused the shift at {site:site} on {day:date} offered to them"),
    )  # fmt: skip
    SWAP_APPROVED = (
        "swap.approved", Category.SCHEDULE, _("Swap approved"),
        _("{actor} approved the swap of the shift at {site:site} on {day:date} from "
          "{giver:member} to {taker:member}"),
    )  # fmt: skip
    SWAP_DECLINED = (
        "swap.declined", Category.SCHEDULE, _("Swap declined"),
        _("{actor} declined the swap of the shift at {site:site} on {day:date} from "
          "{giver:member} to {taker:member}"),
    )  # fmt: skip
    SWAP_CANCELLED = (
        "swap.cancelled", Category.SCHEDULE, _("Swap cancelled"),
        _("{actor} cancelled a shift swap"),
    )  # fmt: skip
    MESSAGE_SENT = (
        "message.sent", Category.SCHEDULE, _("Message sent"),
        _("{actor} sent a message to {recipients:people}"),
    )  # fmt: skip
    REMINDERS_SENT = (
        "reminders.sent", Category.SCHEDULE, _("Reminders sent"),
        _("{actor} sent {count:reminders}"),
    )  # fmt: skip
    CALENDAR_RENEWED = (
        "calendar.renewed", Category.SCHEDULE, _("Calendar link renewed"),
        _("{actor} made a new link to their calendar feed"),
    )  # fmt: skip
    CALENDAR_REVOKED = (
        "calendar.revoked", Category.SCHEDULE, _("Calendar link turned off"),
        _("{actor} turned off the link to their calendar feed"),
    )  # fmt: skip
    PAYROLL_EXPORTED = (
        "payroll.exported", Category.SCHEDULE, _("Payroll exported"),
        _("{actor} exported payroll from {from:date} to {to:date}"),
    )  # fmt: skip
    # Attendance: clocking, timesheets (the attendance app) ---------------------------------------
    PUNCH_CLOCKED_IN = (
        "punch.clocked_in", Category.SCHEDULE, _("Clocked in"),
        _("{actor} clocked in at {site:site}"),
    )  # fmt: skip
    PUNCH_CLOCKED_OUT = (
        "punch.clocked_out", Category.SCHEDULE, _("Clocked out"),
        _("{actor} clocked out at {site:site}"),
    )  # fmt: skip
    PUNCH_BREAK_STARTED = (
        "punch.break_started", Category.SCHEDULE, _("Break started"),
        _("{actor} started a break at {site:site}"),
    )  # fmt: skip
    PUNCH_BREAK_ENDED = (
        "punch.break_ended", Category.SCHEDULE, _("Break ended"),
        _("{actor} ended a break at {site:site}"),
    )  # fmt: skip
    PUNCH_REFUSED = (
        "punch.refused", Category.SCHEDULE, _("Clocking refused"),
        _("{actor} could not clock at {site:site}: {why}"),
    )  # fmt: skip
    PUNCH_CLOCKED_FOR = (
        "punch.clocked_for", Category.SCHEDULE, _("Clocked in or out by a manager"),
        _("{actor} clocked {member:member} {direction} at {site:site}, giving a reason"),
    )  # fmt: skip
    PUNCH_CORRECTED = (
        "punch.corrected", Category.SCHEDULE, _("Punch corrected"),
        _("{actor} corrected the times of a punch of {member:member} on {day:date}, giving a "
          "reason"),
    )  # fmt: skip
    TIMESHEET_APPROVED = (
        "timesheet.approved", Category.SCHEDULE, _("Timesheet approved"),
        _("{actor} approved the timesheet of {member:member} from {from:date} to {to:date}"),
    )  # fmt: skip
    TIMESHEET_UNLOCKED = (
        "timesheet.unlocked", Category.SCHEDULE, _("Timesheet unlocked"),
        _("{actor} unlocked the approved timesheet of {member:member} from {from:date} to "
          "{to:date}"),
    )  # fmt: skip
    TIMESHEET_ANSWERED = (
        "timesheet.answered", Category.SCHEDULE, _("Timesheet confirmed or queried"),
        _("{actor} answered their timesheet from {from:date} to {to:date}: {answer}"),
    )  # fmt: skip
    KIOSK_SET_UP = (
        "kiosk.set_up", Category.SCHEDULE, _("Kiosk set up"),
        _("{actor} set up a kiosk at {site:site}"),
    )  # fmt: skip
    KIOSK_TURNED_OFF = (
        "kiosk.turned_off", Category.SCHEDULE, _("Kiosk turned off"),
        _("{actor} turned off a kiosk at {site:site}"),
    )  # fmt: skip
    KIOSK_ENROLMENT_STARTED = (
        "kiosk.enrolment_started", Category.SECURITY, _("Kiosk enrolment link made"),
        _("{actor} made a one-time link to enrol a device as a kiosk at {site:site}"),
    )  # fmt: skip
    KIOSK_DEVICE_ENROLLED = (
        "kiosk.device_enrolled", Category.SECURITY, _("Kiosk device enrolled"),
        _("A device was enrolled as a kiosk at {site:site} with a one-time link"),
    )  # fmt: skip
    KIOSK_DEVICE_REVOKED = (
        "kiosk.device_revoked", Category.SECURITY, _("Kiosk device revoked"),
        _("{actor} revoked the enrolled device of a kiosk at {site:site}"),
    )  # fmt: skip
    KIOSK_PIN_SET = (
        "kiosk.pin_set", Category.SECURITY, _("Kiosk PIN set"), _("{actor} set their kiosk PIN"),
    )  # fmt: skip
    KIOSK_PIN_FAILED = (
        "kiosk.pin_failed", Category.SECURITY, _("Wrong kiosk PIN"),
        _("A wrong PIN was entered for {member:member} on a kiosk at {site:site}"),
    )  # fmt: skip
    KIOSK_PIN_LOCKED = (
        "kiosk.pin_locked", Category.SECURITY, _("Kiosk PIN locked"),
        _("The kiosk PIN of {member:member} was locked after too many wrong attempts"),
    )  # fmt: skip
    NO_SHOW_NOTIFIED = (
        "no_show.notified", Category.SCHEDULE, _("No-show reported"),
        _("Managers were told that {member:member} had not clocked in at {site:site}"),
    )  # fmt: skip

    # Privacy: personal data, policies, the data protection rights ------------------------------
    PERSONAL_DATA_VIEWED = (
        "personal_data.viewed", Category.PRIVACY, _("Personal data viewed"),
        _("{actor} viewed {fields:fields} of {target}"),
    )  # fmt: skip
    PERSONAL_DATA_CHANGED = (
        "personal_data.changed", Category.PRIVACY, _("Personal data changed"),
        _("{actor} changed {fields:fields} of {target}"),
    )  # fmt: skip
    PRIVACY_KINDS_CHANGED = (
        "privacy.kinds_changed", Category.PRIVACY, _("Kept personal data changed"),
        _("{actor} changed which personal data the company keeps"),
    )  # fmt: skip
    POLICY_PUBLISHED = (
        "policy.published", Category.PRIVACY, _("Policy published"),
        _("{actor} published version {version} of the policy “{policy}”"),
    )  # fmt: skip
    POLICY_ACCEPTED = (
        "policy.accepted", Category.PRIVACY, _("Policy accepted"),
        _("{actor} accepted version {version} of the policy “{policy}”"),
    )  # fmt: skip
    POLICY_REMINDED = (
        "policy.reminded", Category.PRIVACY, _("Policy reminder sent"),
        _("{actor} reminded {people:people} to accept a policy"),
    )  # fmt: skip
    DATA_EXPORT_REQUESTED = (
        "data_export.requested", Category.PRIVACY, _("Data export requested"),
        _("{actor} asked for a copy of their data"),
    )  # fmt: skip
    DATA_EXPORT_READY = (
        "data_export.ready", Category.PRIVACY, _("Data export ready"),
        _("A copy of a person's data was prepared ({bytes:bytes})"),
    )  # fmt: skip
    DATA_EXPORT_DOWNLOADED = (
        "data_export.downloaded", Category.PRIVACY, _("Data export downloaded"),
        _("{actor} downloaded a copy of their data ({bytes:bytes})"),
    )  # fmt: skip
    ERASURE_REQUESTED = (
        "erasure.requested", Category.PRIVACY, _("Erasure requested"),
        _("{actor} asked for their data to be erased, to be answered by {due_by:date}"),
    )  # fmt: skip
    ERASURE_WITHDRAWN = (
        "erasure.withdrawn", Category.PRIVACY, _("Erasure withdrawn"),
        _("{actor} withdrew their request to be erased"),
    )  # fmt: skip
    ERASURE_DECLINED = (
        "erasure.declined", Category.PRIVACY, _("Erasure declined"),
        _("{actor} declined a request to be erased"),
    )  # fmt: skip
    ERASURE_APPROVED = (
        "erasure.approved", Category.PRIVACY, _("Erasure approved"),
        _("{actor} approved a request to be erased"),
    )  # fmt: skip
    PERSON_ANONYMISED = (
        "person.anonymised", Category.PRIVACY, _("Person anonymised"),
        _("{target} was anonymised {reason:anonymised_because}"),
    )  # fmt: skip

    # Billing: the company's sign-up and subscription -------------------------------------------
    TENANT_SIGNED_UP = (
        "tenant.signed_up", Category.BILLING, _("Company signed up"),
        _("{actor} signed the company up, with a free trial until {trial_ends_at:date}"),
    )  # fmt: skip
    BILLING_CHECKOUT_STARTED = (
        "billing.checkout_started", Category.BILLING, _("Checkout started"),
        _("{actor} started paying for a subscription"),
    )  # fmt: skip
    BILLING_PORTAL_OPENED = (
        "billing.portal_opened", Category.BILLING, _("Billing portal opened"),
        _("{actor} opened the billing portal"),
    )  # fmt: skip
    BILLING_ENTITLEMENT_CHANGED = (
        "billing.entitlement_changed", Category.BILLING, _("Company status changed"),
        _("The company's status changed from {from:tenant_status} to {to:tenant_status}"),
    )  # fmt: skip

    # Audit: the log itself ---------------------------------------------------------------------
    AUDIT_EXPORTED = (
        "audit.exported", Category.AUDIT, _("Audit log exported"),
        _("{actor} exported the audit log as {format:export_format}"),
    )  # fmt: skip
    AUDIT_RETENTION_PURGED = (
        "audit.retention_purged", Category.AUDIT, _("Old entries removed"),
        _("Entries up to number {purged_through} were removed after they were archived"),
    )  # fmt: skip
