"""The words of the working-time rules: each rule break's message, translated once per check, in
the company's time zone, with durations and times written for people."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from scheduling.rules.engine import TimeOff

MINUTE = timedelta(minutes=1)

# A shift's (start, end), as the messages name it.
Span = tuple[datetime, datetime]


def format_minutes(minutes: int) -> str:
    """A duration for people: "9 h 30 min", "11 h", "45 min"."""
    if minutes < 0:
        return "-" + format_minutes(-minutes)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": minutes}
    if not minutes:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def gettext_noop(message: str) -> str:
    """Marks ``message`` for makemessages without translating it (Django's own ``gettext_noop``
    would need settings as this module is imported)."""
    return message


# The messages, marked for translation here and translated once per check by Wording.
_OVERLAP = gettext_noop("Overlaps the shift from %(start)s to %(end)s.")


_REST_BEFORE = gettext_noop(
    "Only %(rest)s rest before the shift starting %(time)s (at least %(minimum)s)."
)


_REST_AFTER = gettext_noop(
    "Only %(rest)s rest after the shift ending %(time)s (at least %(minimum)s)."
)


_MAX_HOURS = gettext_noop(
    "%(worked)s of paid work in the 7 days up to %(time)s (at most %(maximum)s)."
)


_WEEKLY_REST = gettext_noop(
    "The longest rest in the week from %(week)s is %(rest)s (at least %(minimum)s)."
)


NOT_QUALIFIED = gettext_noop("The person is not qualified for this shift's position.")


NOT_AT_SITE = gettext_noop("The person does not work at this shift's site.")


_LEAVE = gettext_noop("The person is on leave (%(what)s) from %(start)s to %(end)s.")


_UNAVAILABLE = gettext_noop("The person is unavailable (%(what)s) from %(start)s to %(end)s.")


_MAX_DAYS = gettext_noop("%(count)d working days in a row up to %(day)s (at most %(maximum)d).")


_WEEKENDS = gettext_noop(
    "%(count)d weekends worked in the %(weeks)d weeks up to the weekend of %(day)s "
    "(at most %(maximum)d)."
)


_PERIOD_MAX_HOURS = gettext_noop(
    "%(worked)s of paid work in the period %(first)s to %(last)s by %(time)s (at most %(maximum)s)."
)


_PERIOD_MIN_HOURS = gettext_noop(
    "Only %(worked)s of paid work in the period %(first)s to %(last)s (at least %(minimum)s)."
)


_FOLLOWED_BY = gettext_noop(
    "This %(kind)s shift is followed the next day by the %(other)s shift at %(time)s, which "
    "the rules do not allow."
)


_FOLLOWS = gettext_noop(
    "This %(kind)s shift follows the %(other)s shift at %(time)s the day before, which the "
    "rules do not allow."
)


KINDS = {"early": gettext_noop("early"), "late": gettext_noop("late"),
         "night": gettext_noop("night")}  # fmt: skip


# A day and a time, like "Tue 17 Nov" and "Tue 17 Nov 22:00".
_DAY = gettext_noop("%(weekday)s %(day)d %(month)s")


_DAY_AND_TIME = gettext_noop("%(day)s %(time)s")


# Django's own message ids (django.utils.dates), so its catalogues translate them.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class Wording:
    """Writes the messages of one check, in the active language and the tenant's zone.

    Checking a busy rota can report thousands of violations, so translations, times and
    durations are each worked out once.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._texts: dict[str, str] = {}
        self._times: dict[datetime, str] = {}
        self._durations: dict[int, str] = {}

    def text(self, message: str) -> str:
        if message not in self._texts:
            self._texts[message] = _(message)
        return self._texts[message]

    def overlap(self, shift: Span, other: Span) -> str:
        return self.text(_OVERLAP) % {"start": self.time(other[0]), "end": self.time(other[1])}

    def rest(self, shift: Span, other: Span, *, minimum: int) -> str:
        if shift[1] <= other[0]:
            message, rest, instant = _REST_BEFORE, other[0] - shift[1], other[0]
        else:
            message, rest, instant = _REST_AFTER, shift[0] - other[1], other[1]
        return self.text(message) % {
            "rest": self.duration(rest // MINUTE),
            "time": self.time(instant),
            "minimum": self.duration(minimum),
        }

    def max_hours(self, start: datetime, worked: int, maximum: int) -> str:
        return self.text(_MAX_HOURS) % {
            "worked": self.duration(worked),
            "time": self.time(start),
            "maximum": self.duration(maximum),
        }

    def weekly_rest(self, week_start: datetime, longest: int, minimum: int) -> str:
        return self.text(_WEEKLY_REST) % {
            "week": self.day(week_start),
            "rest": self.duration(longest),
            "minimum": self.duration(minimum),
        }

    def max_days(self, day: date, count: int, maximum: int) -> str:
        return self.text(_MAX_DAYS) % {
            "count": count, "day": self.date(day), "maximum": maximum,
        }  # fmt: skip

    def days_off(self, day: date, off: int, minimum: int) -> str:
        return ngettext(
            "Back at work on %(day)s after %(off)d day off (at least %(minimum)d days off in a "
            "row).",
            "Back at work on %(day)s after %(off)d days off (at least %(minimum)d days off in a "
            "row).",
            off,
        ) % {
            "day": self.date(day), "off": off, "minimum": minimum,
        }  # fmt: skip

    def weekends(self, monday: date, count: int, weeks: int, maximum: int) -> str:
        return self.text(_WEEKENDS) % {
            "count": count, "weeks": weeks, "day": self.date(monday + timedelta(days=5)),
            "maximum": maximum,
        }  # fmt: skip

    def period_max_hours(
        self, first: date, last: date, start: datetime, worked: int, maximum: int
    ) -> str:
        return self.text(_PERIOD_MAX_HOURS) % {
            "worked": self.duration(worked), "first": self.date(first), "last": self.date(last),
            "time": self.time(start), "maximum": self.duration(maximum),
        }  # fmt: skip

    def period_min_hours(self, first: date, last: date, worked: int, minimum: int) -> str:
        return self.text(_PERIOD_MIN_HOURS) % {
            "worked": self.duration(worked), "first": self.date(first), "last": self.date(last),
            "minimum": self.duration(minimum),
        }  # fmt: skip

    def followed_by(self, kind: str, other: str, start: datetime) -> str:
        return self.text(_FOLLOWED_BY) % {
            "kind": self.text(KINDS[kind]), "other": self.text(KINDS[other]),
            "time": self.time(start),
        }  # fmt: skip

    def follows(self, kind: str, other: str, start: datetime) -> str:
        return self.text(_FOLLOWS) % {
            "kind": self.text(KINDS[kind]), "other": self.text(KINDS[other]),
            "time": self.time(start),
        }  # fmt: skip

    def leave(self, stretch: TimeOff) -> str:
        return self._time_off(_LEAVE, stretch)

    def unavailable(self, stretch: TimeOff) -> str:
        return self._time_off(_UNAVAILABLE, stretch)

    def _time_off(self, message: str, stretch: TimeOff) -> str:
        start, end, what = stretch
        return self.text(message) % {
            "what": what, "start": self.time(start), "end": self.time(end),
        }  # fmt: skip

    def duration(self, minutes: int) -> str:
        if minutes not in self._durations:
            self._durations[minutes] = format_minutes(minutes)
        return self._durations[minutes]

    def time(self, instant: datetime) -> str:
        """``instant`` in the tenant's zone, like "Tue 17 Nov 22:00"."""
        if instant not in self._times:
            local = instant.astimezone(self.zone)
            self._times[instant] = self.text(_DAY_AND_TIME) % {
                "day": self.day(local),
                "time": f"{local:%H:%M}",
            }
        return self._times[instant]

    def day(self, instant: datetime) -> str:
        """The local day of ``instant``, like "Tue 17 Nov"."""
        return self.date(instant.astimezone(self.zone).date())

    def date(self, local: date) -> str:
        """A day, like "Tue 17 Nov"."""
        return self.text(_DAY) % {
            "weekday": self.text(_WEEKDAYS[local.weekday()]),
            "day": local.day,
            "month": self.text(_MONTHS[local.month - 1]).title(),
        }
