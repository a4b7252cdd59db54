"""A member's published shifts as an RFC 5545 calendar (made with the icalendar package)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone
from icalendar import Calendar, Event

from scheduling.employee.selectors import feed_shifts
from tenancy.models import Membership, Tenant


def calendar(tenant: Tenant, membership: Membership) -> bytes:
    """Only this person's published shifts: never drafts, never anyone else's. Each event
    keeps the shift's id as its UID, so calendar apps update an event when the shift moves."""
    feed = Calendar()
    feed.add("prodid", "-//Parim//Shifts//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", f"{tenant.name} shifts")
    feed.add("x-published-ttl", "PT1H")
    stamp = timezone.now()
    for shift in feed_shifts(membership):
        zone = zoneinfo.ZoneInfo(shift.site.time_zone)
        event = Event()
        event.add("uid", f"{shift.pk}@parim")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start_at.astimezone(zone))
        event.add("dtend", shift.end_at.astimezone(zone))
        event.add("summary", f"{shift.position.name} at {shift.site.name}")
        event.add("location", shift.site.address.replace("\n", ", ") or shift.site.name)
        description = []
        if shift.break_minutes:
            description.append(f"Unpaid break: {shift.break_minutes} min")
        if shift.notes:
            description.append(shift.notes)
        if description:
            event.add("description", "\n".join(description))
        event.add("sequence", shift.version)
        feed.add_component(event)
    feed.add_missing_timezones()
    return bytes(feed.to_ical())
