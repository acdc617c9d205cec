import datetime as dt

import pytest
from django.core.management import call_command

from goodwill.contracts.models import Contract
from goodwill.contracts.services import roll_over_auto_renewals
from goodwill.contracts.status import contract_status

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


def make(cast, *, end, auto_renew=True, state="active", renewal=None, term=12):
    return Contract.objects.create(
        client=cast.birch,
        state=state,
        start_date=dt.date(2023, 2, 1),
        term_months=term,
        end_date=end,
        renewal_date=renewal or end,
        notice_days=30,
        auto_renew=auto_renew,
        fee=100,
    )


def test_an_ended_auto_renewing_contract_is_extended_by_whole_terms(cast):
    contract = make(cast, end=dt.date(2025, 1, 31))
    assert roll_over_auto_renewals(TODAY) == 1
    contract.refresh_from_db()
    # 31 Jan 2025 → 31 Jan 2026 → 31 Jan 2027: two missed renewals caught up in one run.
    assert contract.end_date == dt.date(2027, 1, 31)
    assert contract.renewal_date == dt.date(2027, 1, 31)
    assert contract.notice_deadline == dt.date(2027, 1, 1)
    assert contract.start_date == dt.date(2023, 2, 1)  # history kept
    assert contract_status(contract, TODAY) == "active"


def test_the_renewal_date_keeps_its_distance_from_the_end(cast):
    contract = make(cast, end=dt.date(2026, 10, 31), renewal=dt.date(2026, 9, 30), term=3)
    roll_over_auto_renewals(TODAY)
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2027, 1, 31)
    assert contract.renewal_date == dt.date(2026, 12, 31)


def test_contracts_without_auto_renew_or_not_active_are_left_alone(cast):
    lapsed = make(cast, end=dt.date(2026, 1, 31), auto_renew=False)
    cancelled = make(cast, end=dt.date(2026, 1, 31), state="cancelled")
    current = make(cast, end=dt.date(2027, 1, 31))
    assert roll_over_auto_renewals(TODAY) == 0
    for contract, end in (
        (lapsed, dt.date(2026, 1, 31)),
        (cancelled, dt.date(2026, 1, 31)),
        (current, dt.date(2027, 1, 31)),
    ):
        contract.refresh_from_db()
        assert contract.end_date == end


def test_running_twice_extends_once(cast):
    contract = make(cast, end=dt.date(2026, 1, 31))
    assert roll_over_auto_renewals(TODAY) == 1
    assert roll_over_auto_renewals(TODAY) == 0
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2027, 1, 31)


def test_the_command_reports_what_it_did(cast, capsys):
    make(cast, end=dt.date(2024, 1, 31))
    call_command("renew_contracts")
    assert "1 auto-renewing contract extended." in capsys.readouterr().out
