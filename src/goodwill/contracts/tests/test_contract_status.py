"""contract_status() (Python) and with_status() (SQL) must agree on every case."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.test import override_settings

from goodwill.contracts.models import Contract, ContractState, ContractStatus
from goodwill.contracts.status import contract_status, with_status

TODAY = dt.date(2026, 3, 15)
LEAD = 30

# (start, end/renewal) relative to TODAY, covering: not started yet, started; notice deadline
# far away, inside the renewal lead, on its edge, passed; ended yesterday and long ago.
DATE_CASES = {
    "starts_next_month": (30, 400),
    "far_from_renewal": (-100, 265),
    "deadline_just_outside_lead": (-300, 30 + LEAD + 1),
    "deadline_on_the_lead_edge": (-300, 30 + LEAD),
    "inside_the_renewal_lead": (-300, 40),
    "notice_deadline_passed": (-340, 25),
    "ends_today": (-365, 0),
    "ended_yesterday": (-365, -1),
    "ended_long_ago": (-800, -400),
}


@pytest.fixture
def grid(cast):
    Contract.objects.all().delete()
    made = []
    for state, (label, (start, end)), auto_renew in itertools.product(
        ContractState.values, DATE_CASES.items(), (False, True)
    ):
        end_date = TODAY + dt.timedelta(days=end)
        made.append(
            Contract.objects.create(
                client=cast.acme,
                name=f"{state} {label} {auto_renew}",
                state=state,
                start_date=min(TODAY + dt.timedelta(days=start), end_date),
                end_date=end_date,
                renewal_date=end_date,
                notice_days=30,
                auto_renew=auto_renew,
                fee=Decimal("100"),
            )
        )
    return made


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=LEAD)
def test_python_and_sql_agree_over_the_grid(grid):
    in_sql = dict(with_status(Contract.objects.all(), TODAY).values_list("pk", "status"))
    disagreements = [
        (c.name, contract_status(c, TODAY), in_sql[c.pk])
        for c in grid
        if contract_status(c, TODAY) != in_sql[c.pk]
    ]
    assert disagreements == []
    assert len(grid) == len(ContractState.values) * len(DATE_CASES) * 2


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=LEAD)
def test_the_grid_reaches_every_status(grid):
    seen = {contract_status(c, TODAY) for c in grid}
    assert seen == set(ContractStatus.values)


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=LEAD)
@pytest.mark.parametrize(
    ("case", "auto_renew", "expected"),
    [
        ("far_from_renewal", False, ContractStatus.ACTIVE),
        ("deadline_just_outside_lead", False, ContractStatus.ACTIVE),
        ("deadline_on_the_lead_edge", False, ContractStatus.RENEWAL_DUE),
        ("notice_deadline_passed", False, ContractStatus.RENEWAL_DUE),
        ("ends_today", False, ContractStatus.RENEWAL_DUE),
        ("ended_yesterday", False, ContractStatus.LAPSED),
        ("ended_yesterday", True, ContractStatus.ACTIVE),
    ],
)
def test_an_active_contract_moves_through_its_statuses(grid, case, auto_renew, expected):
    contract = next(c for c in grid if c.name == f"active {case} {auto_renew}")
    assert contract_status(contract, TODAY) == expected


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=LEAD)
def test_staff_decided_states_win_over_dates(grid):
    for contract in grid:
        if contract.state != ContractState.ACTIVE:
            assert contract_status(contract, TODAY) == contract.state
