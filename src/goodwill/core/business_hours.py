"""Business-hours arithmetic for SLA clocks.

Pure arithmetic over a `BusinessCalendarSpec`; only `spec_for_calendar` (at the bottom) knows the
contracts models.

Definition (the property tests' brute-force oracle is the truth): an instant t is business time
iff, with ``local = t.astimezone(ZoneInfo(spec.time_zone))``, ``local.date()`` is not a day off
and local's wall time (time since local midnight, read off the clock face) lies inside one of the
spans of ``local.weekday()``. Hence wall times skipped by a spring-forward gap contain no instants
and wall times repeated by an autumn fallback count twice: a 24/7 day lasts 23 or 25 hours, while
a 09:00–17:30 day stays 8.5 hours unless the transition falls inside it.

Everything inside works on integer POSIX microseconds, so `add_business_seconds` and
`business_seconds_between` are exact inverses of each other.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from goodwill.contracts.models import BusinessCalendar

__all__ = [
    "SEARCH_LIMIT_DAYS",
    "BusinessCalendarSpec",
    "add_business_minutes",
    "add_business_seconds",
    "business_minutes_between",
    "business_seconds_between",
    "is_business_time",
    "spec_for_calendar",
]

Span = tuple[int, int]
Interval = tuple[int, int]  # [start, end) in POSIX microseconds

MINUTES_PER_DAY = 1440
# add_business_seconds gives up (ValueError) after this many days without any business time.
SEARCH_LIMIT_DAYS = 3 * 366

_US = 1_000_000
_DAY_S = 86_400
_DAY_US = _DAY_S * _US
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ONE_US = dt.timedelta(microseconds=1)
# Offsets are probed this far apart when looking for transitions; tzdata has no zone whose
# offset changes twice (and back) within two hours.
_SCAN_STEP_S = 2 * 3600


def _never_off(day: dt.date) -> bool:
    return False


def _normalise_spans(
    weekly: Mapping[int, tuple[tuple[int, int], ...]],
) -> tuple[tuple[Span, ...], ...]:
    """Validate and merge each weekday's spans; index 0 is Monday."""
    days: list[list[Span]] = [[] for _ in range(7)]
    for weekday, spans in weekly.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"Weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}.")
        for span in spans:
            start, end = span
            if not (isinstance(start, int) and isinstance(end, int)):
                raise ValueError(f"Span bounds must be whole minutes: {span!r}.")
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"Span must satisfy 0 <= start < end <= 1440 minutes: {span!r}.")
            days[weekday].append((start, end))
    merged: list[tuple[Span, ...]] = []
    for spans in days:
        out: list[Span] = []
        for start, end in sorted(spans):
            # Overlapping or touching spans become one, so no instant is counted twice.
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        merged.append(tuple(out))
    return tuple(merged)


@dataclass(frozen=True)
class BusinessCalendarSpec:
    """Weekly opening spans in an IANA zone, less the local dates that are closed all day.

    ``weekly`` maps weekday (Monday = 0) to spans in minutes from local midnight, [start, end),
    with 0 <= start < end <= 1440; 1440 means midnight at the end of the day. Weekdays left out
    are closed. Overlapping spans are merged. ``is_day_off`` gets local dates.
    """

    time_zone: str
    weekly: Mapping[int, tuple[tuple[int, int], ...]]
    is_day_off: Callable[[dt.date], bool] = _never_off
    _spans: tuple[tuple[Span, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:  # fail now on a bad zone name, not mid-calculation
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"Unknown time zone {self.time_zone!r}.") from error
        object.__setattr__(self, "_spans", _normalise_spans(self.weekly))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo caches instances per key

    @property
    def has_hours(self) -> bool:
        return any(self._spans)


# --- instants as integers -------------------------------------------------------------------


def _to_us(instant: dt.datetime) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"Business-hours arithmetic needs aware datetimes, got {instant!r}.")
    return (instant - _EPOCH) // _ONE_US


def _from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def _wall_midnight_s(day: dt.date) -> int:
    """The local date's midnight as if its wall clock were UTC, in POSIX seconds."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY_S


# --- UTC offsets, piece by piece ------------------------------------------------------------


def _offset_s(zone: ZoneInfo, ts: int) -> int:
    # zoneinfo always gives an offset for an aware datetime; `or` only satisfies the type checker.
    offset = dt.datetime.fromtimestamp(ts, zone).utcoffset() or dt.timedelta(0)
    return offset // dt.timedelta(seconds=1)


@lru_cache(maxsize=1024)
def _transitions(zone_key: str, year: int) -> tuple[tuple[int, int], ...]:
    """(UTC second, offset in seconds from then on) for each offset change in the UTC year.

    zoneinfo does not expose its transition table, so probe the offset every two hours and
    bisect to the second where it changes. Cached: a zone-year costs a few milliseconds once.
    """
    zone = ZoneInfo(zone_key)
    ts = int((dt.datetime(year, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds())
    end = int((dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds())
    offset = _offset_s(zone, ts)
    found: list[tuple[int, int]] = []
    while ts < end:
        probe = min(ts + _SCAN_STEP_S, end)
        if _offset_s(zone, probe) == offset:
            ts = probe
            continue
        low, high = ts, probe  # offset(low) == offset != offset(high)
        while high - low > 1:
            mid = (low + high) // 2
            if _offset_s(zone, mid) == offset:
                low = mid
            else:
                high = mid
        offset = _offset_s(zone, high)
        found.append((high, offset))
        ts = high
    return tuple(found)


def _year_of(ts: int) -> int:
    return dt.datetime.fromtimestamp(ts, dt.UTC).year


def _offset_pieces(zone_key: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Split UTC seconds [start, end) into (piece start, piece end, constant offset)."""
    changes = [
        change
        for year in range(_year_of(start), _year_of(end) + 1)
        for change in _transitions(zone_key, year)
        if start < change[0] < end
    ]
    pieces = []
    piece_start, offset = start, _offset_s(ZoneInfo(zone_key), start)
    for ts, new_offset in changes:
        pieces.append((piece_start, ts, offset))
        piece_start, offset = ts, new_offset
    pieces.append((piece_start, end, offset))
    return pieces


# --- business intervals ---------------------------------------------------------------------


def _day_intervals(spec: BusinessCalendarSpec, day: dt.date) -> list[Interval]:
    """UTC intervals whose instants read as `day` and a wall time inside one of its spans."""
    spans = spec._spans[day.weekday()]
    if not spans or spec.is_day_off(day):
        return []
    midnight = _wall_midnight_s(day)
    # |UTC offset| < 24 h, so every instant of this local date lies within a day either side.
    pieces = _offset_pieces(spec.time_zone, midnight - _DAY_S, midnight + 2 * _DAY_S)
    found: list[Interval] = []
    for span_start, span_end in spans:
        wall_start, wall_end = midnight + span_start * 60, midnight + span_end * 60
        for piece_start, piece_end, offset in pieces:
            # Within a piece, wall = t + offset, so the span is t in [wall_start - offset, ...).
            start = max(piece_start, wall_start - offset)
            end = min(piece_end, wall_end - offset)
            if start < end:
                found.append((start * _US, end * _US))
    found.sort()
    merged: list[Interval] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intervals(
    spec: BusinessCalendarSpec, start_us: int, until_us: int | None = None
) -> Iterator[Interval]:
    """Business intervals in UTC order, clipped to begin no earlier than start_us.

    Stops once nothing further can begin before until_us; without until_us it runs on, raising
    ValueError after SEARCH_LIMIT_DAYS local dates in a row without business time.
    """
    # A zone may fall back across midnight, so local dates are not monotonic in UTC; days are
    # gathered in a heap and released once no later date can produce anything earlier.
    day = _from_us(start_us).date() - dt.timedelta(days=2)
    last_found = day
    pending: list[Interval] = []
    while True:
        for start, end in _day_intervals(spec, day):
            if end > start_us:
                heapq.heappush(pending, (max(start, start_us), end))
                last_found = day
        # Every instant of a later local date is at or after its wall midnight minus a day.
        safe = _wall_midnight_s(day + dt.timedelta(days=1)) * _US - _DAY_US
        while pending and pending[0][0] < safe:
            yield heapq.heappop(pending)
        if until_us is not None and safe >= until_us:
            return
        if until_us is None and (day - last_found).days > SEARCH_LIMIT_DAYS:
            raise ValueError(
                f"No business time within {SEARCH_LIMIT_DAYS} days in the calendar "
                f"({spec.time_zone}); check its hours, holidays and closures."
            )
        day += dt.timedelta(days=1)


# --- public API -----------------------------------------------------------------------------


def add_business_seconds(
    spec: BusinessCalendarSpec, start: dt.datetime, seconds: int
) -> dt.datetime:
    """The instant (aware, UTC) at which `seconds` of business time have elapsed after `start`.

    A deadline that uses up a span exactly lands on the span's end (17:30, not next 09:00).
    With seconds == 0 the answer is `start` itself (in UTC) even outside business hours: no
    business time is needed, so nothing is rolled forward to the next opening.
    Raises ValueError if the calendar has no business time for SEARCH_LIMIT_DAYS days.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {type(seconds).__name__}.")
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}.")
    start_us = _to_us(start)
    if seconds == 0:
        return start.astimezone(dt.UTC)
    if not spec.has_hours:
        raise ValueError(f"The calendar ({spec.time_zone}) has no business hours at all.")
    remaining = seconds * _US
    for interval_start, interval_end in _intervals(spec, start_us):
        length = interval_end - interval_start
        if remaining <= length:
            return _from_us(interval_start + remaining)
        remaining -= length
    raise AssertionError("unreachable: _intervals runs until it finds time or raises")


def business_seconds_between(
    spec: BusinessCalendarSpec, start: dt.datetime, end: dt.datetime
) -> int:
    """Whole business seconds in [start, end) (floored); 0 if end <= start."""
    start_us, end_us = _to_us(start), _to_us(end)
    if end_us <= start_us:
        return 0
    total = 0
    for interval_start, interval_end in _intervals(spec, start_us, end_us):
        if interval_start >= end_us:
            break
        total += min(interval_end, end_us) - interval_start
    return total // _US


def add_business_minutes(
    spec: BusinessCalendarSpec, start: dt.datetime, minutes: int
) -> dt.datetime:
    return add_business_seconds(spec, start, minutes * 60)


def business_minutes_between(
    spec: BusinessCalendarSpec, start: dt.datetime, end: dt.datetime
) -> int:
    """Whole business minutes in [start, end) (floored)."""
    return business_seconds_between(spec, start, end) // 60


def is_business_time(spec: BusinessCalendarSpec, instant: dt.datetime) -> bool:
    _to_us(instant)  # reject naive datetimes
    local = instant.astimezone(spec.zone)
    if spec.is_day_off(local.date()):
        return False
    wall = dt.timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return any(
        dt.timedelta(minutes=start) <= wall < dt.timedelta(minutes=end)
        for start, end in spec._spans[local.weekday()]
    )


# --- adapter from the contracts models ------------------------------------------------------


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


@lru_cache(maxsize=64)
def public_holidays(country: str, subdivision: str = "") -> Any:
    """The public holidays of a country (and region), shared by every calendar in it.

    Kept for the life of the process: they depend only on the country, the region and the
    `holidays` package, never on anything staff edit, and building them (the package computes
    each year on first use) was most of an SLA refresh's cost. Hours and closures, which staff
    do edit, are read fresh every time.
    """
    import holidays as holidays_lib

    return holidays_lib.country_holidays(country, subdiv=subdivision or None)


def spec_for_calendar(calendar: BusinessCalendar) -> BusinessCalendarSpec:
    """Build the spec from a BusinessCalendar, reading its hours and closures once.

    A BusinessHours row closing at 00:00 runs to midnight at the end of the day (1440). Public
    holidays (with observed substitute days) come from the `holidays` package for the
    calendar's country and subdivision; it fills in years lazily as dates are tested.
    """
    weekly: dict[int, list[Span]] = {}
    for row in calendar.hours.all():
        closes = _minutes(row.closes) or MINUTES_PER_DAY
        weekly.setdefault(row.weekday, []).append((_minutes(row.opens), closes))
    closures = tuple(calendar.closures.values_list("start_date", "end_date"))
    public = public_holidays(calendar.country, calendar.subdivision) if calendar.country else None

    def is_day_off(day: dt.date) -> bool:
        if public is not None and day in public:
            return True
        return any(first <= day <= last for first, last in closures)

    return BusinessCalendarSpec(
        time_zone=calendar.time_zone,
        weekly={weekday: tuple(spans) for weekday, spans in weekly.items()},
        is_day_off=is_day_off,
    )
