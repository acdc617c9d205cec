"""Builders for scheduling tests and page smoke tests (no test data ships: these make rows)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.scheduling.models import (
    AppointmentKind,
    AppointmentType,
    Attendee,
    Booking,
    StaffHours,
)


def give_hours(staff: User, starts: dt.time = dt.time(9), ends: dt.time = dt.time(17),
               weekdays: range | list[int] = range(7)) -> None:
    StaffHours.objects.bulk_create(
        StaffHours(staff=staff, weekday=day, starts=starts, ends=ends) for day in weekdays
    )


def consultation(staff: User, **extra) -> AppointmentType:
    values = {
        "name": "Diagnostic consultation",
        "slug": "diagnostic-consultation",
        "kind": AppointmentKind.CONSULTATION,
        "duration_minutes": 60,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 15,
        "minimum_notice_minutes": 120,
        "booking_window_days": 14,
        "is_public": True,
        "location": "Video call: https://meet.example/goodwill",
    }
    values.update(extra)
    kind, _ = AppointmentType.objects.get_or_create(slug=values["slug"], defaults=values)
    kind.staff.add(staff)
    return kind


def review(staff: User, **extra) -> AppointmentType:
    values = {
        "name": "Quarterly business review",
        "slug": "quarterly-review",
        "kind": AppointmentKind.REVIEW,
        "duration_minutes": 45,
        "buffer_before_minutes": 30,
        "buffer_after_minutes": 30,
        "minimum_notice_minutes": 0,
        "booking_window_days": 60,
        "location": "At the client's office",
    }
    values.update(extra)
    kind, _ = AppointmentType.objects.get_or_create(slug=values["slug"], defaults=values)
    kind.staff.add(staff)
    return kind


def make_review(cast, *, days_ago: int = 2) -> Booking:
    """A past quarterly review by the account manager with Acme's boss (and the PA copied)."""
    from goodwill.scheduling.services import busy_range

    kind = review(cast.manager)
    start = (timezone.now() - dt.timedelta(days=days_ago)).replace(
        minute=0, second=0, microsecond=0
    )
    busy = busy_range(kind, start)
    booking = Booking.objects.create(
        appointment_type=kind, staff=cast.manager, client=cast.acme, starts_at=start,
        ends_at=start + kind.duration, busy_starts_at=busy[0], busy_ends_at=busy[1],
        location=kind.location,
    )
    Attendee.objects.create(booking=booking, person=cast.boss)
    Attendee.objects.create(booking=booking, person=cast.pa, arranges_for=cast.boss)
    return booking
