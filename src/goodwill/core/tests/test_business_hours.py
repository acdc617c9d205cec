"""Business-hours arithmetic against a brute-force oracle, plus edges and the model adapter.

The oracle below is the definition of business time, written independently of the module: an
instant is business time iff its local date (in the calendar's zone) is not a day off and its
local wall time lies in one of that weekday's spans. It steps minute by minute in UTC, which is
exact because every zone used here changes offset on whole minutes and spans are whole minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from goodwill.contracts.models import BusinessHours, Closure
from goodwill.core.business_hours import (
    SEARCH_LIMIT_DAYS,
    BusinessCalendarSpec,
    add_business_minutes,
    add_business_seconds,
    business_minutes_between,
    business_seconds_between,
    is_business_time,
    spec_for_calendar,
)

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)

Weekly = Mapping[int, tuple[tuple[int, int], ...]]

# Local dates with a DST transition in 2025 for each zone; midnight transitions (Beirut,
# Havana, Santiago), half-hour DST (Lord Howe) and odd offsets (Chatham, St John's) included.
TRANSITION_DAYS: dict[str, tuple[dt.date, ...]] = {
    "Europe/London": (dt.date(2025, 3, 30), dt.date(2025, 10, 26)),
    "Europe/Berlin": (dt.date(2025, 3, 30), dt.date(2025, 10, 26)),
    "America/New_York": (dt.date(2025, 3, 9), dt.date(2025, 11, 2)),
    "Australia/Sydney": (dt.date(2025, 4, 6), dt.date(2025, 10, 5)),
    "Australia/Lord_Howe": (dt.date(2025, 4, 6), dt.date(2025, 10, 5)),
    "Asia/Beirut": (dt.date(2025, 3, 30), dt.date(2025, 10, 25)),
    "America/Havana": (dt.date(2025, 3, 9), dt.date(2025, 11, 2)),
    "America/Santiago": (dt.date(2025, 4, 5), dt.date(2025, 9, 7)),
    "Pacific/Chatham": (dt.date(2025, 4, 6), dt.date(2025, 9, 28)),
    "America/St_Johns": (dt.date(2025, 3, 9), dt.date(2025, 11, 2)),
    "Asia/Kolkata": (),
}
# Year end, a leap day and an ordinary week, for every zone.
OTHER_DAYS = (dt.date(2025, 12, 31), dt.date(2024, 2, 29), dt.date(2026, 6, 17))

OFFICE: Weekly = {day: ((540, 1050),) for day in range(5)}  # Mon–Fri 09:00–17:30
ALWAYS: Weekly = {day: ((0, 1440),) for day in range(7)}
NIGHTS: Weekly = {day: ((0, 240), (1200, 1440)) for day in range(7)}  # 20:00–04:00
SMALL_HOURS: Weekly = {day: ((60, 180),) for day in range(7)}  # 01:00–03:00, inside DST jumps
PRESETS = (OFFICE, ALWAYS, NIGHTS, SMALL_HOURS)


# --- the oracle -----------------------------------------------------------------------------


def oracle_is_business(
    zone: str, weekly: Weekly, days_off: frozenset[dt.date], instant: dt.datetime
) -> bool:
    local = instant.astimezone(ZoneInfo(zone))
    if local.date() in days_off:
        return False
    wall = local.hour * 60 + local.minute + local.second / 60
    return any(start <= wall < end for start, end in weekly.get(local.weekday(), ()))


def oracle_seconds_between(
    zone: str, weekly: Weekly, days_off: frozenset[dt.date], start: dt.datetime, end: dt.datetime
) -> int:
    """Whole-minute start and end only: each UTC minute is wholly in or out of business time."""
    total, instant = 0, start
    while instant < end:
        if oracle_is_business(zone, weekly, days_off, instant):
            total += 60
        instant += MINUTE
    return total


# --- strategies -----------------------------------------------------------------------------

# Span bounds drawn mostly from the hours around DST jumps, midnight and office hours.
INTERESTING_MINUTES = (0, 30, 60, 90, 120, 150, 180, 210, 240, 540, 1050, 1380, 1410, 1440)
minute_of_day = st.one_of(st.sampled_from(INTERESTING_MINUTES), st.integers(0, 1440))


@st.composite
def spans(draw: st.DrawFn) -> tuple[int, int]:
    low, high = sorted((draw(minute_of_day), draw(minute_of_day)))
    assume(low < high)
    return (low, high)


weeklies = st.one_of(
    st.sampled_from(PRESETS),
    st.dictionaries(
        st.integers(0, 6), st.lists(spans(), max_size=3).map(tuple), min_size=1, max_size=7
    ),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, Weekly, frozenset[dt.date], dt.datetime]:
    """A zone, weekly hours, some days off near the anchor day, and a whole-minute start."""
    zone = draw(st.sampled_from(sorted(TRANSITION_DAYS)))
    anchor = draw(st.sampled_from(TRANSITION_DAYS[zone] + OTHER_DAYS))
    weekly = draw(weeklies)
    days_off = frozenset(
        anchor + dt.timedelta(days=offset) for offset in draw(st.sets(st.integers(-3, 4)))
    )
    # Start anywhere from two days before the anchor's midnight to a day after it.
    midnight = dt.datetime.combine(anchor, dt.time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    start = midnight + dt.timedelta(minutes=draw(st.integers(-2 * 1440, 1440)))
    return zone, weekly, days_off, start


def make_spec(zone: str, weekly: Weekly, days_off: frozenset[dt.date]) -> BusinessCalendarSpec:
    return BusinessCalendarSpec(time_zone=zone, weekly=weekly, is_day_off=days_off.__contains__)


def has_hours(weekly: Weekly) -> bool:
    return any(weekly.values())


PROPERTY = settings(
    max_examples=120,
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.filter_too_much],
)


# --- properties -----------------------------------------------------------------------------


@PROPERTY
@given(scenarios(), st.integers(0, 3 * 1440))
def test_between_agrees_with_oracle(scenario, minutes) -> None:
    zone, weekly, days_off, start = scenario
    end = start + dt.timedelta(minutes=minutes)
    spec = make_spec(zone, weekly, days_off)
    assert business_seconds_between(spec, start, end) == oracle_seconds_between(
        zone, weekly, days_off, start, end
    )


@PROPERTY
@given(scenarios(), st.integers(0, 2 * 86_400))
def test_add_is_the_inverse_of_between(scenario, seconds) -> None:
    zone, weekly, days_off, start = scenario
    assume(has_hours(weekly))
    spec = make_spec(zone, weekly, days_off)
    due = add_business_seconds(spec, start, seconds)
    assert due.utcoffset() == dt.timedelta(0)
    assert due >= start
    assert business_seconds_between(spec, start, due) == seconds
    if seconds:
        # The earliest such instant: the second before it was business time, so `due` is
        # business time itself or the end of a span.
        assert oracle_is_business(zone, weekly, days_off, due - SECOND)
    else:
        assert due == start


@PROPERTY
@given(scenarios(), st.integers(0, 86_400), st.integers(0, 86_400))
def test_add_is_monotonic(scenario, first, second) -> None:
    zone, weekly, days_off, start = scenario
    assume(has_hours(weekly))
    spec = make_spec(zone, weekly, days_off)
    low, high = sorted((first, second))
    assert add_business_seconds(spec, start, low) <= add_business_seconds(spec, start, high)


@PROPERTY
@given(scenarios(), st.integers(0, 3 * 86_400), st.integers(0, 3 * 86_400))
def test_between_is_monotonic_and_additive(scenario, first, second) -> None:
    zone, weekly, days_off, start = scenario
    spec = make_spec(zone, weekly, days_off)
    middle, end = (start + dt.timedelta(seconds=s) for s in sorted((first, second)))
    to_middle = business_seconds_between(spec, start, middle)
    to_end = business_seconds_between(spec, start, end)
    assert to_middle <= to_end
    assert to_middle + business_seconds_between(spec, middle, end) == to_end
    assert business_seconds_between(spec, end, start) == (0 if end > start else to_end)


@PROPERTY
@given(scenarios(), st.integers(0, 3 * 86_400 * 1_000_000), st.integers(1, 86_400))
def test_inverse_holds_to_the_microsecond(scenario, offset_us, seconds) -> None:
    zone, weekly, days_off, start = scenario
    assume(has_hours(weekly))
    spec = make_spec(zone, weekly, days_off)
    start += dt.timedelta(microseconds=offset_us)
    due = add_business_seconds(spec, start, seconds)
    assert business_seconds_between(spec, start, due) == seconds
    assert business_minutes_between(spec, start, due) == seconds // 60


@PROPERTY
@given(scenarios(), st.integers(0, 3 * 86_400))
def test_is_business_time_agrees_with_oracle(scenario, seconds) -> None:
    zone, weekly, days_off, start = scenario
    instant = start + dt.timedelta(seconds=seconds)
    spec = make_spec(zone, weekly, days_off)
    assert is_business_time(spec, instant) == oracle_is_business(zone, weekly, days_off, instant)


# --- edges ----------------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


def office(days_off: frozenset[dt.date] = frozenset()) -> BusinessCalendarSpec:
    return make_spec("Europe/London", OFFICE, days_off)


def london(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON, fold=fold)


def test_zero_seconds_returns_start_even_outside_hours() -> None:
    # Saturday: no business time is needed, so nothing rolls forward to Monday 09:00.
    saturday = london(2025, 3, 8, 10)
    assert add_business_seconds(office(), saturday, 0) == saturday
    assert add_business_seconds(office(), saturday, 0).tzinfo == UTC


def test_deadline_that_uses_up_a_span_lands_on_its_end() -> None:
    # Friday 16:00 + 90 min is exactly 17:30, not Monday 09:00.
    due = add_business_minutes(office(), london(2025, 3, 7, 16), 90)
    assert due == london(2025, 3, 7, 17, 30)
    assert not is_business_time(office(), due)


def test_result_is_utc_whatever_the_input_zone() -> None:
    start = dt.datetime(2025, 3, 7, 11, tzinfo=ZoneInfo("America/New_York"))  # 16:00 London
    due = add_business_minutes(office(), start, 240)
    assert due.tzinfo is UTC
    assert due == london(2025, 3, 10, 11, 30)


def test_naive_datetimes_are_refused() -> None:
    naive = dt.datetime(2025, 3, 7, 16)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        add_business_seconds(office(), naive, 60)
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(office(), naive, london(2025, 3, 8))
    with pytest.raises(ValueError, match="aware"):
        is_business_time(office(), naive)


def test_negative_and_non_integer_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(office(), london(2025, 3, 7, 16), -1)
    with pytest.raises(TypeError):
        add_business_seconds(office(), london(2025, 3, 7, 16), 1.5)  # type: ignore[arg-type]


def test_between_is_zero_when_end_is_not_after_start() -> None:
    start = london(2025, 3, 7, 10)
    assert business_seconds_between(office(), start, start) == 0
    assert business_seconds_between(office(), start, start - dt.timedelta(hours=1)) == 0


def test_between_floors_partial_seconds_and_minutes() -> None:
    start = london(2025, 3, 7, 10)
    end = start + dt.timedelta(minutes=1, seconds=59, microseconds=999_999)
    assert business_seconds_between(office(), start, end) == 119
    assert business_minutes_between(office(), start, end) == 1


@pytest.mark.parametrize(
    "weekly",
    [
        {day: ((0, 1440),) for day in range(7)},
        {day: ((540, 600), (570, 660)) for day in range(5)},
    ],
)
def test_spec_validates_and_merges_spans(weekly: Weekly) -> None:
    spec = make_spec("Europe/London", weekly, frozenset())
    assert is_business_time(spec, london(2025, 3, 7, 10, 59))


@pytest.mark.parametrize(
    ("zone", "weekly", "message"),
    [
        ("Mars/Olympus_Mons", OFFICE, "Unknown time zone"),
        ("", OFFICE, "Unknown time zone"),
        ("Europe/London", {7: ((0, 60),)}, "Weekday"),
        ("Europe/London", {0: ((60, 60),)}, "start < end"),
        ("Europe/London", {0: ((0, 1441),)}, "start < end"),
        ("Europe/London", {0: ((-1, 60),)}, "start < end"),
        ("Europe/London", {0: ((0.5, 60),)}, "whole minutes"),
    ],
)
def test_spec_rejects_bad_input(zone: str, weekly: Weekly, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendarSpec(time_zone=zone, weekly=weekly)


def test_calendar_without_hours_raises_instead_of_looping() -> None:
    spec = make_spec("Europe/London", {}, frozenset())
    with pytest.raises(ValueError, match="no business hours"):
        add_business_seconds(spec, london(2025, 3, 7, 16), 60)
    # Counting needs no search: none is none.
    assert business_seconds_between(spec, london(2020, 1, 1), london(2030, 1, 1)) == 0


def test_calendar_closed_for_years_raises_instead_of_looping() -> None:
    spec = BusinessCalendarSpec(
        time_zone="Europe/London", weekly=OFFICE, is_day_off=lambda day: day.year < 2030
    )
    with pytest.raises(ValueError, match=f"No business time within {SEARCH_LIMIT_DAYS} days"):
        add_business_seconds(spec, london(2025, 3, 7, 16), 60)
    # A gap just under the limit is crossed: 2028-01-01 is a Saturday, so Monday 3 Jan
    # 09:00 + 1 h.
    reopening = BusinessCalendarSpec(
        time_zone="Europe/London", weekly=OFFICE, is_day_off=lambda day: day.year < 2028
    )
    assert add_business_minutes(reopening, london(2025, 3, 7, 16), 60) == london(2028, 1, 3, 10)


def test_a_month_of_business_time_is_quick() -> None:
    import time

    spec = office()
    began = time.perf_counter()
    for hour in range(100):
        add_business_minutes(spec, london(2025, 1, 6) + dt.timedelta(hours=hour), 20 * 510)
    # 100 deadlines a month out: generous bound, it takes a few milliseconds in practice.
    assert time.perf_counter() - began < 2


# --- the adapter from the contracts models --------------------------------------------------


def test_spec_for_calendar_reads_hours_holidays_and_closures(
    cast, django_assert_num_queries
) -> None:
    calendar = cast.calendar
    Closure.objects.create(
        calendar=calendar,
        name="Christmas shutdown",
        start_date=dt.date(2025, 12, 29),
        end_date=dt.date(2025, 12, 31),
    )
    # Saturday support all day: closing at 00:00 means midnight at the end of Saturday.
    BusinessHours.objects.create(calendar=calendar, weekday=5, opens=dt.time(0), closes=dt.time(0))
    with django_assert_num_queries(2):  # hours and closures, once
        spec = spec_for_calendar(calendar)
    assert spec.time_zone == "Europe/London"

    with django_assert_num_queries(0):
        # Mon–Fri 09:00–17:30 from the personas.
        assert is_business_time(spec, london(2025, 3, 7, 9))
        assert not is_business_time(spec, london(2025, 3, 7, 17, 30))
        # Saturday 00:00–24:00; Sunday closed.
        assert business_minutes_between(spec, london(2025, 3, 8), london(2025, 3, 9)) == 1440
        assert business_minutes_between(spec, london(2025, 3, 9), london(2025, 3, 10)) == 0
        # Good Friday 2025 (GB/ENG) is a public holiday.
        assert not is_business_time(spec, london(2025, 4, 18, 10))
        # Wed 24 Dec 16:00 + 4 h: 1.5 h on Wednesday; Thu 25 and Fri 26 are bank holidays;
        # Saturday counts from 00:00: 2.5 h later is Sat 27 Dec 02:30.
        assert add_business_minutes(spec, london(2025, 12, 24, 16), 240) == london(
            2025, 12, 27, 2, 30
        )
        # Fri 26 Dec 2025 (Boxing Day) 12:00 + 30 h: Sat 27 gives 24 h, Sun closed, Mon 29 to
        # Wed 31 closed (the closure, inclusive), Thu 1 Jan is New Year's Day, so the last 6 h
        # run Fri 2 Jan 09:00–15:00.
        assert add_business_minutes(spec, london(2025, 12, 26, 12), 30 * 60) == london(
            2026, 1, 2, 15
        )
        # The holidays package fills in far years lazily: Christmas 2030 (Wednesday).
        assert not is_business_time(spec, london(2030, 12, 25, 10))


def test_spec_for_calendar_without_country_has_no_holidays(cast) -> None:
    calendar = cast.calendar
    calendar.country = ""
    calendar.subdivision = ""
    calendar.save()
    spec = spec_for_calendar(calendar)
    assert is_business_time(spec, london(2025, 12, 25, 10))  # Christmas is a Thursday
