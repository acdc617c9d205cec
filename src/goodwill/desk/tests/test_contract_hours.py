"""Contract hours: billing periods, covered time against included hours, the bar on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goodwill.contracts.models import Contract, ContractState
from goodwill.desk import hours
from goodwill.desk.models import TimeEntry


def contract_for_test(cast, start: dt.date, cycle: str = "monthly", included: str = "20"):
    return Contract.objects.create(
        client=cast.acme,
        state=ContractState.ACTIVE,
        start_date=start,
        end_date=start + dt.timedelta(days=730),
        renewal_date=start + dt.timedelta(days=730),
        fee=Decimal("1000"),
        billing_cycle=cycle,
        included_hours=Decimal(included),
    )


def log(cast, contract, minutes: int, day: dt.date, billable: bool = False) -> TimeEntry:
    return TimeEntry.objects.create(
        ticket=cast.ticket, contract=contract, minutes=minutes, billable=billable, work_date=day
    )


# --- Periods ------------------------------------------------------------------------------


def test_monthly_periods_count_from_the_start_date_without_drifting(cast):
    contract = contract_for_test(cast, dt.date(2026, 1, 31))
    spans = [(p.start, p.end) for p in (hours.period_at(contract, i) for i in range(4))]
    assert spans == [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 27)),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 30)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 29)),
        (dt.date(2026, 4, 30), dt.date(2026, 5, 30)),
    ]


def test_quarterly_and_yearly_periods(cast):
    quarterly = contract_for_test(cast, dt.date(2026, 2, 1), "quarterly")
    assert hours.period_at(quarterly, 1) == hours.Period(
        1, dt.date(2026, 5, 1), dt.date(2026, 7, 31)
    )
    yearly = contract_for_test(cast, dt.date(2024, 2, 29), "yearly")
    assert hours.period_at(yearly, 1).start == dt.date(2025, 2, 28)
    assert hours.period_at(yearly, 1).end == dt.date(2026, 2, 27)


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (dt.date(2026, 1, 31), 0),
        (dt.date(2026, 2, 27), 0),
        (dt.date(2026, 2, 28), 1),
        (dt.date(2026, 3, 30), 1),
        (dt.date(2026, 3, 31), 2),
        (dt.date(2027, 1, 30), 11),
        (dt.date(2027, 1, 31), 12),
        (dt.date(2026, 1, 30), -1),
    ],
)
def test_each_day_falls_in_exactly_one_period(cast, day, index):
    contract = contract_for_test(cast, dt.date(2026, 1, 31))
    assert hours.period_index(contract, day) == index
    assert day in hours.period_at(contract, index)


def test_the_current_period_stays_within_the_contract(cast):
    contract = contract_for_test(cast, dt.date(2026, 3, 15))
    assert hours.current_period(contract, dt.date(2026, 1, 1)).index == 0
    assert hours.current_period(contract, dt.date(2026, 5, 20)).start == dt.date(2026, 5, 15)
    last = hours.current_period(contract, dt.date(2040, 1, 1))
    assert contract.end_date in last


def test_recent_periods_are_newest_first_and_stop_at_the_start(cast):
    contract = contract_for_test(cast, dt.date(2026, 1, 1))
    recent = hours.recent_periods(contract, 6, dt.date(2026, 3, 10))
    assert [p.label for p in recent] == ["Mar 2026", "Feb 2026", "Jan 2026"]
    recent = hours.recent_periods(contract, 6, dt.date(2026, 12, 1))
    assert [p.label for p in recent][::5] == ["Dec 2026", "Jul 2026"]


def test_period_labels():
    assert hours.Period(0, dt.date(2026, 3, 1), dt.date(2026, 3, 31)).label == "Mar 2026"
    quarter = hours.Period(0, dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert quarter.label == "1 Feb – 30 Apr 2026"
    assert (
        hours.Period(0, dt.date(2025, 12, 15), dt.date(2026, 1, 14)).label
        == "15 Dec 2025 – 14 Jan 2026"
    )


# --- Hours in a period --------------------------------------------------------------------


def test_covered_time_counts_against_included_hours_and_billable_time_does_not(cast):
    contract = contract_for_test(cast, dt.date(2026, 1, 1))
    log(cast, contract, 600, dt.date(2026, 3, 1))
    log(cast, contract, 300, dt.date(2026, 3, 31))
    log(cast, contract, 240, dt.date(2026, 3, 10), billable=True)
    log(cast, contract, 999, dt.date(2026, 2, 28))  # the period before
    log(cast, contract, 999, dt.date(2026, 4, 1))  # the period after
    log(cast, cast.acme_contract, 999, dt.date(2026, 3, 5))  # another contract
    used = hours.current_hours(contract, dt.date(2026, 3, 15))
    assert used.included_minutes == 1200
    assert used.covered_minutes == 900
    assert used.billable_minutes == 240
    assert used.overage_minutes == 0
    assert used.remaining_minutes == 300
    assert used.band == "green"
    assert used.warning == ""


@pytest.mark.parametrize(
    ("covered", "band", "warning"),
    [
        (959, "green", ""),  # 79.9 %
        (960, "amber", "80 % of included hours used"),
        (1199, "amber", "99 % of included hours used"),
        (1200, "red", "All included hours used: more covered time is billable overage"),
        (1950, "red", "12.5 h over: billable overage"),
    ],
)
def test_the_bar_turns_amber_at_80_and_red_at_100_percent(cast, covered, band, warning):
    contract = contract_for_test(cast, dt.date(2026, 1, 1))
    log(cast, contract, covered, dt.date(2026, 3, 2))
    log(cast, contract, 600, dt.date(2026, 3, 3), billable=True)  # never pushes it over
    used = hours.current_hours(contract, dt.date(2026, 3, 15))
    assert (used.band, used.warning) == (band, warning)


def test_overage_is_covered_time_beyond_the_included_hours(cast):
    contract = contract_for_test(cast, dt.date(2026, 1, 1), included="10.5")
    log(cast, contract, 900, dt.date(2026, 3, 2))
    used = hours.current_hours(contract, dt.date(2026, 3, 2))
    assert used.included_text == "10.5 h"
    assert used.overage_minutes == 270
    assert used.overage_text == "4.5 h"
    assert used.within_width == pytest.approx(70.0)
    assert used.overage_width == pytest.approx(30.0)
    assert used.included_mark == pytest.approx(70.0)


def test_a_contract_without_included_hours_shows_all_covered_time_as_overage(cast):
    contract = contract_for_test(cast, dt.date(2026, 1, 1), included="0")
    assert hours.current_hours(contract, dt.date(2026, 3, 2)).band == "none"
    log(cast, contract, 90, dt.date(2026, 3, 2))
    used = hours.current_hours(contract, dt.date(2026, 3, 2))
    assert (used.band, used.warning, used.percent) == ("red", "1.5 h over: billable overage", None)


def test_six_periods_take_one_query(cast):
    contract = contract_for_test(cast, dt.date(2025, 1, 1))
    for month in range(1, 13):
        log(cast, contract, 60 * month, dt.date(2025, month, 10))
    with CaptureQueriesContext(connection) as queries:
        rows = hours.recent_hours(contract, 6, dt.date(2025, 12, 20))
    assert len(queries) == 1
    assert [row.covered_minutes for row in rows] == [720, 660, 600, 540, 480, 420]


# --- The fragment on the contract page ----------------------------------------------------


def test_the_contract_page_loads_the_hours_from_the_desk(as_bookkeeper, cast):
    html = as_bookkeeper.get(reverse("contracts:detail", args=[cast.acme_contract.pk])).content
    url = reverse("desk:contract_hours", args=[cast.acme_contract.pk])
    assert f'hx-get="{url}"'.encode() in html


def test_the_fragment_shows_the_bar_and_the_last_periods(as_bookkeeper, cast):
    contract = cast.acme_contract  # 20 h a month
    log(cast, contract, 1950, timezone.localdate())
    url = reverse("desk:contract_hours", args=[contract.pk])
    response = as_bookkeeper.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "</html>" not in html  # a fragment for htmx to place
    assert "Hours this month" in html
    assert "12.5 h over: billable overage" in html
    assert "gw-hours-fill red" in html
    assert html.count("<tr>") == 1 + 6  # the contract began 200 days ago: six months shown


def test_opened_on_its_own_the_hours_are_a_page(as_tech, cast):
    response = as_tech.get(reverse("desk:contract_hours", args=[cast.birch_contract.pk]))
    assert response.status_code == 200
    assert b"</html>" in response.content
    assert b"Hours this quarter" in response.content
    assert b"No hours are included in this contract" in response.content


def test_an_unknown_contract_is_not_found(as_owner):
    assert as_owner.get(reverse("desk:contract_hours", args=[999999])).status_code == 404
