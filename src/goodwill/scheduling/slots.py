"""Free slots: weekly hours in the staff member's zone, less time off and busy bookings.

The pure part (working_spans, free_starts, compute_slots) takes plain values so the property
tests can drive it across zones and DST; available_slots reads the database around it.

Wall-clock rules (PEP 495):
- A working span [a, b) on a day is the stretch of instants whose local clock reads between a
  and b, so 09:00–17:00 is eight hours on a DST day too.
- A wall time that does not exist (in a spring-forward gap) starts or ends the span at the
  instant the clocks jump.
- A wall time that happens twice (in an autumn overlap): a span starts at its second
  occurrence (fold=1) and ends at its first (fold=0), so no instant in the span reads outside
  [a, b) on the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

UTC = dt.UTC


@dataclass(frozen=True, order=True)
class Interval:
    start: dt.datetime
    end: dt.datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class WeeklySpan:
    weekday: int  # Monday = 0
    starts: dt.time
    ends: dt.time


@dataclass(frozen=True, order=True)
class Slot:
    start: dt.datetime  # UTC
    end: dt.datetime
    staff_ids: tuple[int, ...] = field(default=(), compare=False)

    def local_start(self, zone: ZoneInfo) -> dt.datetime:
        return self.start.astimezone(zone)

    def local_end(self, zone: ZoneInfo) -> dt.datetime:
        return self.end.astimezone(zone)

    @property
    def key(self) -> str:
        """The slot's instant in a URL: 20261201T0900Z."""
        return slot_key(self.start)


def slot_key(instant: dt.datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def parse_slot_key(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


# --- Wall clock to instants -------------------------------------------------------------------


def _wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _jump_instant(before: dt.datetime, after: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant in (before, after] at which the zone's offset changes (to the minute)."""
    offset = before.astimezone(zone).utcoffset()
    low, high = before, after
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + dt.timedelta(minutes=1)
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def local_instant(day: dt.date, wall: dt.time, zone: ZoneInfo, *, edge: str) -> dt.datetime:
    """The UTC instant where a span that starts (edge="start") or ends (edge="end") at `wall`
    on `day` begins or stops, following the module's gap and overlap rules."""
    naive = dt.datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return first
    if _wall(first, zone) == naive:  # it happens twice: an overlap
        return second if edge == "start" else first
    # It never happens: a gap. Both readings straddle the jump; the span edge is the jump.
    return _jump_instant(min(first, second), max(first, second), zone)


def working_spans(
    hours: Iterable[WeeklySpan], zone: ZoneInfo, first_day: dt.date, last_day: dt.date
) -> list[Interval]:
    """Working time between two local dates (inclusive) as UTC intervals, sorted."""
    by_weekday: dict[int, list[WeeklySpan]] = {}
    for span in hours:
        by_weekday.setdefault(span.weekday, []).append(span)
    result = []
    day = first_day
    while day <= last_day:
        for span in by_weekday.get(day.weekday(), ()):
            start = local_instant(day, span.starts, zone, edge="start")
            end = local_instant(day, span.ends, zone, edge="end")
            if start < end:
                result.append(Interval(start, end))
        day += dt.timedelta(days=1)
    return sorted(result)


def _ceil_to_step(instant: dt.datetime, origin: dt.datetime, step: dt.timedelta) -> dt.datetime:
    if instant <= origin:
        return origin
    steps = -(-(instant - origin) // step)
    return origin + steps * step


def free_starts(
    spans: Sequence[Interval],
    busy: Sequence[Interval],
    *,
    duration: dt.timedelta,
    before: dt.timedelta,
    after: dt.timedelta,
    earliest: dt.datetime,
    latest: dt.datetime,
    step: dt.timedelta,
) -> list[dt.datetime]:
    """Starts (UTC) of meetings that fit inside a working span, start in [earliest, latest),
    and whose busy range (meeting plus buffers) overlaps no busy interval."""
    busy = sorted(busy)
    result = []
    for span in spans:
        start = _ceil_to_step(max(span.start, earliest), span.start, step)
        while start + duration <= span.end and start < latest:
            held = Interval(start - before, start + duration + after)
            if not any(held.overlaps(b) for b in busy if b.start < held.end):
                result.append(start)
            start += step
    return result


def compute_slots(
    *,
    hours: Iterable[WeeklySpan],
    zone: ZoneInfo,
    busy: Sequence[Interval],
    duration: dt.timedelta,
    before: dt.timedelta,
    after: dt.timedelta,
    notice: dt.timedelta,
    window: dt.timedelta,
    now: dt.datetime,
    step: dt.timedelta,
    staff_id: int = 0,
) -> list[Slot]:
    earliest, latest = now + notice, now + window
    first_day = earliest.astimezone(zone).date() - dt.timedelta(days=1)
    last_day = latest.astimezone(zone).date() + dt.timedelta(days=1)
    spans = working_spans(hours, zone, first_day, last_day)
    starts = free_starts(
        spans, busy, duration=duration, before=before, after=after,
        earliest=earliest, latest=latest, step=step,
    )
    return [Slot(s, s + duration, (staff_id,)) for s in starts]


# --- From the database ------------------------------------------------------------------------


def step_for(duration: dt.timedelta) -> dt.timedelta:
    configured = dt.timedelta(minutes=settings.GOODWILL_BOOKING_STEP_MINUTES)
    return min(configured, duration)


def busy_ranges(staff_ids: Sequence[int], start: dt.datetime, end: dt.datetime,
                *, ignore_booking: int | None = None) -> dict[int, list[Interval]]:
    """Confirmed bookings (with their buffers) and time off, per staff member."""
    from goodwill.scheduling.models import Booking, BookingStatus, TimeOff

    busy: dict[int, list[Interval]] = {pk: [] for pk in staff_ids}
    bookings = Booking.objects.filter(
        staff_id__in=staff_ids, status=BookingStatus.CONFIRMED,
        busy_starts_at__lt=end, busy_ends_at__gt=start,
    )
    if ignore_booking:
        bookings = bookings.exclude(pk=ignore_booking)
    for staff_id, s, e in bookings.values_list("staff_id", "busy_starts_at", "busy_ends_at"):
        busy[staff_id].append(Interval(s, e))
    for staff_id, s, e in TimeOff.objects.filter(
        staff_id__in=staff_ids, starts_at__lt=end, ends_at__gt=start
    ).values_list("staff_id", "starts_at", "ends_at"):
        busy[staff_id].append(Interval(s, e))
    return busy


def available_slots(
    appointment_type,
    *,
    now: dt.datetime | None = None,
    staff: Sequence | None = None,
    notice: dt.timedelta | None = None,
    window: dt.timedelta | None = None,
    ignore_booking: int | None = None,
) -> list[Slot]:
    """Free slots of one appointment type, merged over the staff who can take it: one Slot per
    start time, with every staff member free then. Staff are ordered by id within a slot."""
    from goodwill.scheduling.models import StaffHours

    now = now or timezone.now()
    notice = (
        dt.timedelta(minutes=appointment_type.minimum_notice_minutes) if notice is None else notice
    )
    window = dt.timedelta(days=appointment_type.booking_window_days) if window is None else window
    members = list(staff) if staff is not None else list(
        appointment_type.staff.filter(is_active=True)
    )
    if not members:
        return []
    ids = [m.pk for m in members]
    hours: dict[int, list[WeeklySpan]] = {pk: [] for pk in ids}
    for row in StaffHours.objects.filter(staff_id__in=ids):
        hours[row.staff_id].append(WeeklySpan(row.weekday, row.starts, row.ends))
    busy = busy_ranges(ids, now - dt.timedelta(days=1), now + window + dt.timedelta(days=1),
                       ignore_booking=ignore_booking)
    merged: dict[dt.datetime, list[int]] = {}
    for member in members:
        for slot in compute_slots(
            hours=hours[member.pk],
            zone=zone_or_default(member.time_zone),
            busy=busy[member.pk],
            duration=appointment_type.duration,
            before=appointment_type.buffer_before,
            after=appointment_type.buffer_after,
            notice=notice,
            window=window,
            now=now,
            step=step_for(appointment_type.duration),
            staff_id=member.pk,
        ):
            merged.setdefault(slot.start, []).append(member.pk)
    return [
        Slot(start, start + appointment_type.duration, tuple(sorted(staff_ids)))
        for start, staff_ids in sorted(merged.items())
    ]


def zone_or_default(name: str | None) -> ZoneInfo:
    from goodwill.core.timezones import time_zone_names

    if name and name in time_zone_names():
        return ZoneInfo(name)
    return ZoneInfo(settings.TIME_ZONE)


def group_by_day(slots: Iterable[Slot], zone: ZoneInfo) -> list[tuple[dt.date, list[Slot]]]:
    """Slots grouped by the visitor's local date, in order."""
    days: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.local_start(zone).date(), []).append(slot)
    return sorted(days.items())


def nearest(slots: Sequence[Slot], around: dt.datetime, count: int = 5) -> list[Slot]:
    """The `count` free slots closest in time to `around`, in time order."""
    closest = sorted(slots, key=lambda s: (abs(s.start - around), s.start))[:count]
    return sorted(closest)
