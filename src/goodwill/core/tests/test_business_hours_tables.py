"""Hand-computed SLA deadlines and business-time totals in four zones.

Every row is written as local wall time with its UTC offset, so the DST side is visible; the
comment above it is the working. Office hours are Mon–Fri 09:00–17:30 (8.5 h = 510 min a day)
with the country's public holidays (observed substitute days included) from the `holidays`
package. Nobody consulted the module to fill these in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import holidays
import pytest

from goodwill.core.business_hours import (
    BusinessCalendarSpec,
    add_business_minutes,
    business_minutes_between,
)

OFFICE = {day: ((540, 1050),) for day in range(5)}  # Mon–Fri 09:00–17:30
ALWAYS = {day: ((0, 1440),) for day in range(7)}  # 24/7
NIGHTS = {day: ((0, 240), (1200, 1440)) for day in range(7)}  # 20:00–24:00 and 00:00–04:00
SMALL_HOURS = {day: ((120, 180),) for day in range(7)}  # 02:00–03:00, the hour DST moves


def calendar(
    zone: str,
    weekly: dict[int, tuple[tuple[int, int], ...]],
    country: str | None = None,
    subdivision: str | None = None,
    closures: Iterable[tuple[dt.date, dt.date]] = (),
) -> BusinessCalendarSpec:
    public = holidays.country_holidays(country, subdiv=subdivision) if country else {}
    closed = tuple(closures)

    def is_day_off(day: dt.date) -> bool:
        return day in public or any(first <= day <= last for first, last in closed)

    return BusinessCalendarSpec(time_zone=zone, weekly=weekly, is_day_off=is_day_off)


CALENDARS = {
    "london-office": calendar("Europe/London", OFFICE, "GB", "ENG"),
    "london-office-closed-xmas": calendar(
        "Europe/London", OFFICE, "GB", "ENG", [(dt.date(2025, 12, 29), dt.date(2025, 12, 31))]
    ),
    "london-24x7": calendar("Europe/London", ALWAYS),
    "london-nights": calendar("Europe/London", NIGHTS),
    "berlin-office": calendar("Europe/Berlin", OFFICE, "DE", "BE"),
    "berlin-24x7": calendar("Europe/Berlin", ALWAYS),
    "berlin-small-hours": calendar("Europe/Berlin", SMALL_HOURS),
    "new-york-office": calendar("America/New_York", OFFICE, "US", "NY"),
    "new-york-24x7": calendar("America/New_York", ALWAYS),
    "sydney-office": calendar("Australia/Sydney", OFFICE, "AU", "NSW"),
    "sydney-24x7": calendar("Australia/Sydney", ALWAYS),
}

DEADLINES = [
    # --- Europe/London, GB/ENG ---------------------------------------------------------------
    # P1 4 h opened Fri 16:00: 1.5 h to 17:30, weekend, 2.5 h from Mon 09:00 = 11:30.
    pytest.param(
        "london-office", "2025-03-07T16:00+00:00", 240, "2025-03-10T11:30+00:00", id="ldn-p1"
    ),
    # Same, across spring forward (Sun 30 Mar 01:00 GMT -> 02:00 BST): Fri 1.5 h in GMT,
    # Mon 09:00 BST + 2.5 h = 11:30 BST (10:30 UTC; a fixed offset would say 12:30 BST).
    pytest.param(
        "london-office",
        "2025-03-28T16:00+00:00",
        240,
        "2025-03-31T11:30+01:00",
        id="ldn-spring-forward",
    ),
    # Across autumn back (Sun 26 Oct 02:00 BST -> 01:00 GMT): Fri 1.5 h, Mon 11:30 GMT.
    pytest.param(
        "london-office",
        "2025-10-24T16:00+01:00",
        240,
        "2025-10-27T11:30+00:00",
        id="ldn-autumn-back",
    ),
    # Opened on a bank holiday (Spring bank holiday Mon 26 May): nothing counts until
    # Tue 09:00, + 1 h = 10:00 BST.
    pytest.param(
        "london-office",
        "2025-05-26T10:00+01:00",
        60,
        "2025-05-27T10:00+01:00",
        id="ldn-opened-on-bank-holiday",
    ),
    # One business day (510 min) from Wed 24 Dec 16:00: 90 min Wed, Thu 25 Christmas,
    # Fri 26 Boxing Day, weekend, Mon 29 09:00 + 420 min = 16:00.
    pytest.param(
        "london-office",
        "2025-12-24T16:00+00:00",
        510,
        "2025-12-29T16:00+00:00",
        id="ldn-christmas-2025",
    ),
    # Same with a custom closure Mon 29–Wed 31 Dec: Thu 1 Jan is New Year's Day, so the
    # 420 min run Fri 2 Jan 09:00–16:00.
    pytest.param(
        "london-office-closed-xmas",
        "2025-12-24T16:00+00:00",
        510,
        "2026-01-02T16:00+00:00",
        id="ldn-christmas-2025-closure",
    ),
    # Christmas 2021 fell at the weekend: Fri 24 17:00 gives 30 min, Mon 27 and Tue 28 are the
    # substitute bank holidays, Wed 29 09:00 + 210 min = 12:30.
    pytest.param(
        "london-office",
        "2021-12-24T17:00+00:00",
        240,
        "2021-12-29T12:30+00:00",
        id="ldn-christmas-2021-weekend",
    ),
    # New Year's Day 2022 was a Saturday, observed Mon 3 Jan: Fri 31 Dec 1.5 h, Tue 4 Jan
    # 09:00 + 2.5 h = 11:30.
    pytest.param(
        "london-office",
        "2021-12-31T16:00+00:00",
        240,
        "2022-01-04T11:30+00:00",
        id="ldn-new-year-observed",
    ),
    # 24/7 on spring-forward night: 00:30 GMT + 60 min = 01:30 UTC, which reads 02:30 BST
    # (01:00–02:00 does not exist).
    pytest.param(
        "london-24x7", "2025-03-30T00:30+00:00", 60, "2025-03-30T02:30+01:00", id="ldn-24x7-gap"
    ),
    # 24/7 on autumn night: the first 01:30 (BST) + 60 min is the second 01:30 (GMT).
    pytest.param(
        "london-24x7",
        "2025-10-26T01:30+01:00",
        60,
        "2025-10-26T01:30+00:00",
        id="ldn-24x7-repeat",
    ),
    # 24 h of 24/7 from Sunday midnight on the 23-hour day ends at 01:00 BST on Monday.
    pytest.param(
        "london-24x7",
        "2025-03-30T00:00+00:00",
        1440,
        "2025-03-31T01:00+01:00",
        id="ldn-24x7-23h-day",
    ),
    # ... and on the 25-hour day, at 23:00 GMT on the same Sunday.
    pytest.param(
        "london-24x7",
        "2025-10-26T00:00+01:00",
        1440,
        "2025-10-26T23:00+00:00",
        id="ldn-24x7-25h-day",
    ),
    # Night desk, span ending at 24:00: Mon 23:00–24:00 is 60 min, Tue 00:00–01:00 the rest.
    pytest.param(
        "london-nights",
        "2025-03-03T23:00+00:00",
        120,
        "2025-03-04T01:00+00:00",
        id="ldn-nights-midnight",
    ),
    # Night desk into spring forward: Sat 23:00–24:00 (60), Sun 00:00–01:00 GMT (60), then the
    # clock reads 02:00 BST; 60 more = 03:00 BST.
    pytest.param(
        "london-nights",
        "2025-03-29T23:00+00:00",
        180,
        "2025-03-30T03:00+01:00",
        id="ldn-nights-spring-forward",
    ),
    # --- Europe/Berlin, DE/BE ----------------------------------------------------------------
    # Spring forward Sun 30 Mar 02:00 CET -> 03:00 CEST: Fri 1.5 h, Mon 11:30 CEST.
    pytest.param(
        "berlin-office",
        "2025-03-28T16:00+01:00",
        240,
        "2025-03-31T11:30+02:00",
        id="ber-spring-forward",
    ),
    # Autumn back Sun 26 Oct 03:00 CEST -> 02:00 CET: Fri 1.5 h, Mon 11:30 CET.
    pytest.param(
        "berlin-office",
        "2025-10-24T16:00+02:00",
        240,
        "2025-10-27T11:30+01:00",
        id="ber-autumn-back",
    ),
    # Women's Day (Fri 8 Mar 2024) is a holiday in Berlin only: Thu 1.5 h, Mon 11 11:30.
    pytest.param(
        "berlin-office",
        "2024-03-07T16:00+01:00",
        240,
        "2024-03-11T11:30+01:00",
        id="ber-womens-day",
    ),
    # Christmas Eve is a working day here: Tue 23 Dec 1.5 h, Wed 24 09:00 + 7 h = 16:00.
    pytest.param(
        "berlin-office",
        "2025-12-23T16:00+01:00",
        510,
        "2025-12-24T16:00+01:00",
        id="ber-christmas-eve",
    ),
    # New Year: Wed 31 Dec 1.5 h, Thu 1 Jan holiday, Fri 2 Jan 09:00 + 2.5 h = 11:30.
    pytest.param(
        "berlin-office",
        "2025-12-31T16:00+01:00",
        240,
        "2026-01-02T11:30+01:00",
        id="ber-new-year",
    ),
    # 02:00–03:00 window on autumn night happens twice: first 02:30 CEST + 60 min = 30 min to
    # 03:00 CEST, clock back to 02:00 CET, 30 more = 02:30 CET.
    pytest.param(
        "berlin-small-hours",
        "2025-10-26T02:30+02:00",
        60,
        "2025-10-26T02:30+01:00",
        id="ber-window-repeat",
    ),
    # The same window does not exist on spring-forward night: Sat noon + 30 min skips Sunday
    # and lands Mon 31 Mar 02:30 CEST.
    pytest.param(
        "berlin-small-hours",
        "2025-03-29T12:00+01:00",
        30,
        "2025-03-31T02:30+02:00",
        id="ber-window-gap",
    ),
    # --- America/New_York, US/NY -------------------------------------------------------------
    # Spring forward Sun 9 Mar 02:00 EST -> 03:00 EDT: Fri 1.5 h, Mon 11:30 EDT.
    pytest.param(
        "new-york-office",
        "2025-03-07T16:00-05:00",
        240,
        "2025-03-10T11:30-04:00",
        id="nyc-spring-forward",
    ),
    # Autumn back Sun 2 Nov 02:00 EDT -> 01:00 EST: Fri 31 Oct 1.5 h, Mon 3 Nov 11:30 EST.
    pytest.param(
        "new-york-office",
        "2025-10-31T16:00-04:00",
        240,
        "2025-11-03T11:30-05:00",
        id="nyc-autumn-back",
    ),
    # Thanksgiving Thu 27 Nov: Wed 1.5 h, Fri 28 (a working day) 11:30.
    pytest.param(
        "new-york-office",
        "2025-11-26T16:00-05:00",
        240,
        "2025-11-28T11:30-05:00",
        id="nyc-thanksgiving",
    ),
    # 4 July 2026 is a Saturday, observed Fri 3: Thu 2 Jul 1.5 h, Mon 6 Jul 11:30 EDT.
    pytest.param(
        "new-york-office",
        "2026-07-02T16:00-04:00",
        240,
        "2026-07-06T11:30-04:00",
        id="nyc-july-4-observed",
    ),
    # Christmas 2022 was a Sunday, observed Mon 26: Fri 23 1.5 h, Tue 27 11:30.
    pytest.param(
        "new-york-office",
        "2022-12-23T16:00-05:00",
        240,
        "2022-12-27T11:30-05:00",
        id="nyc-christmas-observed",
    ),
    # New Year: Wed 31 Dec 1.5 h, Thu 1 Jan holiday, Fri 2 Jan 11:30.
    pytest.param(
        "new-york-office",
        "2025-12-31T16:00-05:00",
        240,
        "2026-01-02T11:30-05:00",
        id="nyc-new-year",
    ),
    # --- Australia/Sydney, AU/NSW ------------------------------------------------------------
    # Autumn back Sun 6 Apr 03:00 AEDT -> 02:00 AEST: Fri 1.5 h, Mon 7 Apr 11:30 AEST.
    pytest.param(
        "sydney-office",
        "2025-04-04T16:00+11:00",
        240,
        "2025-04-07T11:30+10:00",
        id="syd-autumn-back",
    ),
    # Spring forward Sun 5 Oct 02:00 AEST -> 03:00 AEDT, then Mon 6 Oct is Labour Day: Fri 1.5 h,
    # Tue 7 Oct 11:30 AEDT.
    pytest.param(
        "sydney-office",
        "2025-10-03T16:00+10:00",
        240,
        "2025-10-07T11:30+11:00",
        id="syd-spring-forward-labour-day",
    ),
    # Easter 2025: Thu 17 Apr 1.5 h, Good Friday, Easter Saturday/Sunday, Easter Monday 21,
    # Tue 22 Apr 11:30.
    pytest.param(
        "sydney-office",
        "2025-04-17T16:00+10:00",
        240,
        "2025-04-22T11:30+10:00",
        id="syd-easter",
    ),
    # Christmas 2021 at the weekend, observed Mon 27 and Tue 28: Fri 24 17:00 gives 30 min,
    # Wed 29 09:00 + 210 min = 12:30 AEDT.
    pytest.param(
        "sydney-office",
        "2021-12-24T17:00+11:00",
        240,
        "2021-12-29T12:30+11:00",
        id="syd-christmas-2021-weekend",
    ),
    # New Year's Day 2022 a Saturday, observed Mon 3 Jan: Fri 31 Dec 1.5 h, Tue 4 Jan 11:30.
    pytest.param(
        "sydney-office",
        "2021-12-31T16:00+11:00",
        240,
        "2022-01-04T11:30+11:00",
        id="syd-new-year-observed",
    ),
    # ANZAC Day 2026 is a Saturday, observed Mon 27 Apr: Fri 24 1.5 h, Tue 28 11:30.
    pytest.param(
        "sydney-office",
        "2026-04-24T16:00+10:00",
        240,
        "2026-04-28T11:30+10:00",
        id="syd-anzac-observed",
    ),
]

TOTALS = [
    # Fri 28 Mar 09:00 GMT to Mon 31 Mar 17:30 BST: two whole office days, 2 × 510.
    pytest.param(
        "london-office",
        "2025-03-28T09:00+00:00",
        "2025-03-31T17:30+01:00",
        1020,
        id="ldn-office-over-spring-weekend",
    ),
    # 22 Dec 2025 to 5 Jan 2026: Mon–Wed 22–24 (3 days), Mon–Wed 29–31 (3), Fri 2 Jan (1);
    # 25, 26 Dec and 1 Jan are holidays. 7 × 510.
    pytest.param(
        "london-office",
        "2025-12-22T00:00+00:00",
        "2026-01-05T00:00+00:00",
        3570,
        id="ldn-office-christmas-fortnight",
    ),
    # Same fortnight with the 29–31 Dec closure: 4 × 510.
    pytest.param(
        "london-office-closed-xmas",
        "2025-12-22T00:00+00:00",
        "2026-01-05T00:00+00:00",
        2040,
        id="ldn-office-christmas-fortnight-closure",
    ),
    # 24/7 days: 23 h in spring, 25 h in autumn, midnight to midnight local.
    pytest.param(
        "london-24x7", "2025-03-30T00:00+00:00", "2025-03-31T00:00+01:00", 1380, id="ldn-23h"
    ),
    pytest.param(
        "london-24x7", "2025-10-26T00:00+01:00", "2025-10-27T00:00+00:00", 1500, id="ldn-25h"
    ),
    pytest.param(
        "berlin-24x7", "2025-03-30T00:00+01:00", "2025-03-31T00:00+02:00", 1380, id="ber-23h"
    ),
    pytest.param(
        "berlin-24x7", "2025-10-26T00:00+02:00", "2025-10-27T00:00+01:00", 1500, id="ber-25h"
    ),
    pytest.param(
        "new-york-24x7", "2025-03-09T00:00-05:00", "2025-03-10T00:00-04:00", 1380, id="nyc-23h"
    ),
    pytest.param(
        "new-york-24x7", "2025-11-02T00:00-04:00", "2025-11-03T00:00-05:00", 1500, id="nyc-25h"
    ),
    # Sydney falls back in April (25 h) and springs forward in October (23 h).
    pytest.param(
        "sydney-24x7", "2025-04-06T00:00+11:00", "2025-04-07T00:00+10:00", 1500, id="syd-25h"
    ),
    pytest.param(
        "sydney-24x7", "2025-10-05T00:00+10:00", "2025-10-06T00:00+11:00", 1380, id="syd-23h"
    ),
    # An office day keeps 8.5 h whatever the clocks did overnight (Mon after each change).
    pytest.param(
        "new-york-office",
        "2025-03-10T00:00-04:00",
        "2025-03-11T00:00-04:00",
        510,
        id="nyc-office-day-after-spring",
    ),
    pytest.param(
        "sydney-office",
        "2025-04-07T00:00+10:00",
        "2025-04-08T00:00+10:00",
        510,
        id="syd-office-day-after-autumn",
    ),
    # Night desk, Sat noon to Sun noon: Sat 20:00–24:00 (240) + Sun 00:00–04:00 less the
    # missing 01:00–02:00 (180) on spring night; plus the repeated hour (300) in autumn.
    pytest.param(
        "london-nights",
        "2025-03-29T12:00+00:00",
        "2025-03-30T12:00+01:00",
        420,
        id="ldn-nights-spring",
    ),
    pytest.param(
        "london-nights",
        "2025-10-25T12:00+01:00",
        "2025-10-26T12:00+00:00",
        540,
        id="ldn-nights-autumn",
    ),
    # The 02:00–03:00 window: gone on spring night, doubled on autumn night.
    pytest.param(
        "berlin-small-hours",
        "2025-03-30T00:00+01:00",
        "2025-03-31T00:00+02:00",
        0,
        id="ber-window-spring",
    ),
    pytest.param(
        "berlin-small-hours",
        "2025-10-26T00:00+02:00",
        "2025-10-27T00:00+01:00",
        120,
        id="ber-window-autumn",
    ),
]


def _instant(spec: BusinessCalendarSpec, written: str) -> dt.datetime:
    """Parse a row's wall time and check its offset is the one the zone really has then."""
    instant = dt.datetime.fromisoformat(written)
    local = instant.astimezone(ZoneInfo(spec.time_zone))
    assert local.utcoffset() == instant.utcoffset(), f"{written} is not a wall time in the zone"
    return instant


@pytest.mark.parametrize(("name", "start", "minutes", "expected"), DEADLINES)
def test_deadline(name: str, start: str, minutes: int, expected: str) -> None:
    spec = CALENDARS[name]
    opened = _instant(spec, start)
    due = add_business_minutes(spec, opened, minutes)
    assert due == _instant(spec, expected)
    assert due.tzinfo is dt.UTC
    assert business_minutes_between(spec, opened, due) == minutes


@pytest.mark.parametrize(("name", "start", "end", "expected"), TOTALS)
def test_total(name: str, start: str, end: str, expected: int) -> None:
    spec = CALENDARS[name]
    assert business_minutes_between(spec, _instant(spec, start), _instant(spec, end)) == expected
