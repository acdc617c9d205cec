"""Slot generation across time zones and DST: property tests and hand-checked transition days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.scheduling.slots import (
    Interval,
    WeeklySpan,
    compute_slots,
    local_instant,
    parse_slot_key,
    slot_key,
    working_spans,
)

UTC = dt.UTC
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Australia/Sydney"]
# Days the clocks change in 2026 (and the ones around them are where bugs live).
TRANSITIONS = [
    dt.date(2026, 3, 29), dt.date(2026, 10, 25),  # Europe
    dt.date(2026, 3, 8), dt.date(2026, 11, 1),  # New York
    dt.date(2026, 4, 5), dt.date(2026, 10, 4),  # Sydney
]
Q = dt.timedelta(minutes=15)


def quarter_times(low: int = 0, high: int = 95):
    return st.integers(low, high).map(lambda q: dt.time(q // 4, (q % 4) * 15))


@st.composite
def weekly_hours(draw):
    spans = []
    for weekday in range(7):
        if draw(st.booleans()):
            start = draw(st.integers(0, 90))  # quarter hours from midnight; night hours hit DST
            length = draw(st.integers(1, 95 - start))
            spans.append(WeeklySpan(
                weekday, dt.time(start // 4, (start % 4) * 15),
                dt.time((start + length) // 4, ((start + length) % 4) * 15),
            ))
    return spans


@st.composite
def moments(draw):
    day = draw(st.sampled_from(TRANSITIONS)) - dt.timedelta(days=draw(st.integers(0, 4)))
    minute = draw(st.integers(0, 24 * 60 - 1))
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC) + dt.timedelta(minutes=minute)


@st.composite
def busy_lists(draw, now):
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        start = now + draw(st.integers(0, 7 * 24 * 4)) * Q
        busy.append(Interval(start, start + draw(st.integers(1, 16)) * Q))
    return busy


def wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


@settings(max_examples=250, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    visitor_zone=st.sampled_from(ZONES + ["Asia/Kolkata", "UTC"]),
    hours=weekly_hours(),
    now=moments(),
    data=st.data(),
    duration=st.integers(1, 8).map(lambda n: n * Q),
    before=st.integers(0, 4).map(lambda n: n * Q),
    after=st.integers(0, 4).map(lambda n: n * Q),
    notice=st.integers(0, 48 * 4).map(lambda n: n * Q),
    window_days=st.integers(1, 7),
    step=st.sampled_from([Q, 2 * Q, 4 * Q]),
)
def test_slots_respect_hours_busy_notice_and_zones(
    zone_name, visitor_zone, hours, now, data, duration, before, after, notice, window_days, step
):
    zone = ZoneInfo(zone_name)
    busy = data.draw(busy_lists(now))
    window = dt.timedelta(days=window_days)
    slots = compute_slots(
        hours=hours, zone=zone, busy=busy, duration=duration, before=before, after=after,
        notice=notice, window=window, now=now, step=step,
    )
    by_weekday: dict[int, list[WeeklySpan]] = {}
    for span in hours:
        by_weekday.setdefault(span.weekday, []).append(span)
    visitor = ZoneInfo(visitor_zone)
    for slot in slots:
        assert slot.end - slot.start == duration
        # In the future, beyond the minimum notice, inside the booking window.
        assert slot.start >= now + notice
        assert slot.start < now + window
        # No overlap with anything busy, buffers included.
        held = Interval(slot.start - before, slot.end + after)
        assert not any(held.overlaps(b) for b in busy), (slot, busy)
        # Inside working hours on the staff member's clock, at every quarter of the meeting.
        day = wall(slot.start, zone).date()
        spans = by_weekday.get(day.weekday(), [])
        # Every instant of the meeting reads inside the span (checked each quarter hour and in
        # its last minute; the end instant itself may read later when the clocks jump then).
        checkpoints = [slot.start + i * Q for i in range(duration // Q)]
        checkpoints.append(slot.end - dt.timedelta(minutes=1))
        assert any(
            all(
                wall(t, zone).date() == day and span.starts <= wall(t, zone).time() < span.ends
                for t in checkpoints
            )
            for span in spans
        ), (slot, zone_name, [wall(t, zone) for t in checkpoints], spans)
        # Shown in the visitor's zone and read back, it is the same instant.
        shown = slot.start.astimezone(visitor)
        assert dt.datetime.fromisoformat(shown.isoformat()) == slot.start
        assert parse_slot_key(slot_key(shown)) == slot.start


@given(zone_name=st.sampled_from(ZONES), day_offset=st.integers(0, 730))
def test_a_nine_to_five_day_is_eight_hours_every_day(zone_name, day_offset):
    zone = ZoneInfo(zone_name)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=day_offset)
    spans = working_spans(
        [WeeklySpan(d, dt.time(9), dt.time(17)) for d in range(7)], zone, day, day
    )
    assert [s.end - s.start for s in spans] == [dt.timedelta(hours=8)]
    assert wall(spans[0].start, zone) == dt.datetime.combine(day, dt.time(9))


def test_every_transition_day_keeps_nine_to_five_at_eight_hours():
    for zone_name in ZONES:
        zone = ZoneInfo(zone_name)
        for day in TRANSITIONS:
            (span,) = working_spans([WeeklySpan(day.weekday(), dt.time(9), dt.time(17))],
                                    zone, day, day)
            assert span.end - span.start == dt.timedelta(hours=8), (zone_name, day)


LONDON = ZoneInfo("Europe/London")
SPRING = dt.date(2026, 3, 29)  # 01:00 GMT → 02:00 BST: 01:00–01:59 does not exist
AUTUMN = dt.date(2026, 10, 25)  # 02:00 BST → 01:00 GMT: 01:00–01:59 happens twice


def test_a_span_starting_in_the_spring_gap_starts_when_the_clocks_jump():
    start = local_instant(SPRING, dt.time(1, 30), LONDON, edge="start")
    assert start == dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 BST
    end = local_instant(SPRING, dt.time(1, 30), LONDON, edge="end")
    assert end == start


def test_a_night_span_across_the_spring_gap_is_an_hour_shorter():
    (span,) = working_spans([WeeklySpan(6, dt.time(0), dt.time(4))], LONDON, SPRING, SPRING)
    assert span.end - span.start == dt.timedelta(hours=3)


def test_no_slot_is_offered_at_a_wall_time_that_does_not_exist():
    hours = [WeeklySpan(6, dt.time(0), dt.time(4))]
    slots = compute_slots(
        hours=hours, zone=LONDON, busy=[], duration=Q * 2, before=dt.timedelta(0),
        after=dt.timedelta(0), notice=dt.timedelta(0), window=dt.timedelta(days=2),
        now=dt.datetime(2026, 3, 28, 12, tzinfo=UTC), step=Q * 2,
    )
    walls = [s.start.astimezone(LONDON).strftime("%H:%M") for s in slots]
    assert walls == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]
    assert not any("01:" in w for w in walls)
    assert len(slots) == 6  # 3 real hours of 30-minute slots


def test_autumn_overlap_uses_fold():
    # A span that starts at 01:30 starts at its second occurrence (GMT), so no instant in the
    # span reads earlier than 01:30; one that ends at 01:30 ends at the first (BST).
    start = local_instant(AUTUMN, dt.time(1, 30), LONDON, edge="start")
    end = local_instant(AUTUMN, dt.time(1, 30), LONDON, edge="end")
    assert start == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert end == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    (night,) = working_spans([WeeklySpan(6, dt.time(0), dt.time(4))], LONDON, AUTUMN, AUTUMN)
    assert night.end - night.start == dt.timedelta(hours=5)  # the repeated hour is worked


def test_overlap_slots_show_twice_in_the_visitor_zone_and_stay_distinct():
    hours = [WeeklySpan(6, dt.time(0), dt.time(4))]
    slots = compute_slots(
        hours=hours, zone=LONDON, busy=[], duration=Q * 4, before=dt.timedelta(0),
        after=dt.timedelta(0), notice=dt.timedelta(0), window=dt.timedelta(days=2),
        now=dt.datetime(2026, 10, 24, 12, tzinfo=UTC), step=Q * 4,
    )
    shown = [(s.start.astimezone(LONDON).strftime("%H:%M %Z")) for s in slots]
    assert shown == ["00:00 BST", "01:00 BST", "01:00 GMT", "02:00 GMT", "03:00 GMT"]
    assert len({s.start for s in slots}) == len(slots)
