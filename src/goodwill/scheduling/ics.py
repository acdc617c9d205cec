"""iCalendar files for bookings: invitations (REQUEST), cancellations (CANCEL) and staff feeds.

Every booking keeps one UID for its life; each change raises SEQUENCE, so calendar programs
replace the event they already have instead of adding a second one (RFC 5546).
Times carry the staff member's TZID with a VTIMEZONE, so the event lands at the right instant
in any calendar and still reads in the zone it was arranged in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from goodwill.scheduling.slots import zone_or_default

PRODID = "-//Goodwill//Scheduling//EN"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def _calendar(method: str | None, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def booking_event(booking, *, method: str | None, stamp: dt.datetime | None = None,
                  description: str = "") -> Event:
    zone = zone_or_default(booking.staff.time_zone)
    cancelled = method == "CANCEL" or not booking.is_confirmed
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (stamp or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", booking.title())
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if booking.location:
        event.add("location", booking.location)
    if description:
        event.add("description", description)
    staff = booking.staff
    event.add("organizer", _address(staff.email or settings.DEFAULT_FROM_EMAIL, str(staff)))
    for attendee in booking.attendees.select_related("person", "prospect", "arranges_for"):
        if not attendee.email:
            continue
        if attendee.arranges_for_id:
            # The PA is copied on the boss's invitation: informed, not required.
            params = {"ROLE": "NON-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"}
        else:
            params = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
        event.add("attendee", _address(attendee.email, attendee.name, **params), encode=0)
    return event


def invitation(booking, *, method: str = "REQUEST", description: str = "",
               stamp: dt.datetime | None = None) -> bytes:
    """One booking as an e-mail attachment: METHOD:REQUEST, or METHOD:CANCEL when cancelled."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    calendar = _calendar(method)
    calendar.add_component(
        booking_event(booking, method=method, stamp=stamp, description=description)
    )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed(bookings: Iterable, *, name: str, stamp: dt.datetime | None = None) -> bytes:
    """A subscription feed (no METHOD): a staff member's bookings."""
    calendar = _calendar(None, name)
    for booking in bookings:
        calendar.add_component(booking_event(booking, method=None, stamp=stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
