"""Contract hours: covered time against the hours a contract includes per billing period.

A contract's billing periods start on its start date and step by its billing cycle (1, 3 or 12
calendar months, clamped at month ends and always counted from the start date, so 31 Jan gives
28 Feb, 31 Mar, 30 Apr…). In a period, time logged against the contract is either *covered*
(billable=False: it uses the included hours) or *separately billable* (billable=True: invoiced
on its own, never counted against the included hours). Covered time beyond the included hours
is *overage*, which the billing run invoices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from goodwill.contracts.models import MONTHS_PER_CYCLE, BillingCycle, Contract
from goodwill.contracts.services import add_months
from goodwill.desk.models import TimeEntry

AMBER_PERCENT = 80
RED_PERCENT = 100


def hours_text(minutes: int) -> str:
    """Minutes as decimal hours, as invoices show them: 12.5 h, 20 h, 0.25 h."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{hours:f}".rstrip("0").rstrip(".")
    return f"{text} h"


@dataclass(frozen=True)
class Period:
    index: int  # 0 is the period the contract starts with
    start: dt.date
    end: dt.date  # the last day, inclusive

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        """'Mar 2026' for a calendar month, else '15 Mar – 14 Jun 2026'."""
        next_start = self.end + dt.timedelta(days=1)
        if self.start.day == 1 and add_months(self.start, 1) == next_start:
            return f"{self.start:%b %Y}"
        first = f"{self.start.day} {self.start:%b}"
        if self.start.year != self.end.year:
            first += f" {self.start.year}"
        return f"{first} – {self.end.day} {self.end:%b %Y}"


def months_per_period(contract: Contract) -> int:
    return MONTHS_PER_CYCLE[BillingCycle(contract.billing_cycle)]


def period_at(contract: Contract, index: int) -> Period:
    months = months_per_period(contract)
    start = add_months(contract.start_date, index * months)
    end = add_months(contract.start_date, (index + 1) * months) - dt.timedelta(days=1)
    return Period(index=index, start=start, end=end)


def period_index(contract: Contract, day: dt.date) -> int:
    """The index of the period holding `day` (negative before the contract starts)."""
    start = contract.start_date
    months = (day.year - start.year) * 12 + day.month - start.month
    index = months // months_per_period(contract)
    while period_at(contract, index).start > day:
        index -= 1
    while period_at(contract, index).end < day:
        index += 1
    return index


def current_period(contract: Contract, today: dt.date | None = None) -> Period:
    """The period holding today; the first one before the start, the last one after the end."""
    today = today or timezone.localdate()
    day = min(max(today, contract.start_date), max(contract.end_date, contract.start_date))
    return period_at(contract, period_index(contract, day))


def recent_periods(
    contract: Contract, count: int = 6, today: dt.date | None = None
) -> list[Period]:
    """The current period and up to `count - 1` before it, newest first."""
    current = current_period(contract, today).index
    return [period_at(contract, i) for i in range(current, max(current - count, -1), -1)]


@dataclass(frozen=True)
class PeriodHours:
    period: Period
    included_minutes: int
    covered_minutes: int  # billable=False: counts against the included hours
    billable_minutes: int  # billable=True: invoiced on its own, never counted against them

    @property
    def overage_minutes(self) -> int:
        """Covered time beyond the included hours: billable overage."""
        return max(0, self.covered_minutes - self.included_minutes)

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.included_minutes - self.covered_minutes)

    @property
    def percent(self) -> float | None:
        """Covered time as a share of the included hours; None when none are included."""
        if not self.included_minutes:
            return None
        return 100 * self.covered_minutes / self.included_minutes

    @property
    def percent_text(self) -> str:
        """Whole percent, rounded down so 79.9 % never reads as the 80 % warning."""
        return "" if self.percent is None else f"{int(self.percent)} %"

    @property
    def band(self) -> str:
        """green below 80 %, amber from 80 %, red from 100 %; 'none' with nothing to show."""
        if not self.included_minutes:
            return "red" if self.covered_minutes else "none"
        percent = self.percent or 0
        if percent >= RED_PERCENT:
            return "red"
        if percent >= AMBER_PERCENT:
            return "amber"
        return "green"

    @property
    def warning(self) -> str:
        if self.overage_minutes:
            return f"{hours_text(self.overage_minutes)} over: billable overage"
        if self.band == "red":
            return "All included hours used: more covered time is billable overage"
        if self.band == "amber":
            return f"{int(self.percent or 0)} % of included hours used"
        return ""

    # Widths for the bar: the scale is the larger of included and used, so overage shows.
    @property
    def _scale(self) -> int:
        return max(self.included_minutes, self.covered_minutes, 1)

    @property
    def within_width(self) -> float:
        within = min(self.covered_minutes, self.included_minutes)
        return round(100 * within / self._scale, 2)

    @property
    def overage_width(self) -> float:
        return round(100 * self.overage_minutes / self._scale, 2)

    @property
    def included_mark(self) -> float:
        """Where the end of the included hours falls on the bar (100 unless over)."""
        return round(100 * self.included_minutes / self._scale, 2)

    @property
    def included_text(self) -> str:
        return hours_text(self.included_minutes)

    @property
    def covered_text(self) -> str:
        return hours_text(self.covered_minutes)

    @property
    def overage_text(self) -> str:
        return hours_text(self.overage_minutes)

    @property
    def billable_text(self) -> str:
        return hours_text(self.billable_minutes)

    @property
    def remaining_text(self) -> str:
        return hours_text(self.remaining_minutes)


def included_minutes(contract: Contract) -> int:
    hours = Decimal(contract.included_hours or 0) * 60
    return int(hours.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def hours_for(contract: Contract, periods: list[Period]) -> list[PeriodHours]:
    """Covered and separately billable minutes in each period, in one query."""
    if not periods:
        return []
    sums = {}
    for n, period in enumerate(periods):
        within = Q(work_date__gte=period.start, work_date__lte=period.end)
        sums[f"covered_{n}"] = Sum("minutes", filter=within & Q(billable=False), default=0)
        sums[f"billable_{n}"] = Sum("minutes", filter=within & Q(billable=True), default=0)
    totals = TimeEntry.objects.filter(
        contract=contract,
        work_date__gte=min(p.start for p in periods),
        work_date__lte=max(p.end for p in periods),
    ).aggregate(**sums)
    included = included_minutes(contract)
    return [
        PeriodHours(
            period=period,
            included_minutes=included,
            covered_minutes=totals[f"covered_{n}"],
            billable_minutes=totals[f"billable_{n}"],
        )
        for n, period in enumerate(periods)
    ]


def current_hours(contract: Contract, today: dt.date | None = None) -> PeriodHours:
    return hours_for(contract, [current_period(contract, today)])[0]


def recent_hours(
    contract: Contract, count: int = 6, today: dt.date | None = None
) -> list[PeriodHours]:
    """The current period first, then up to `count - 1` earlier ones."""
    return hours_for(contract, recent_periods(contract, count, today))
