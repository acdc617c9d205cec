import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from goodwill.clients.models import Site
from goodwill.contracts.models import Contract
from goodwill.contracts.services import add_months, default_contract_dates, save_contract


def test_it_derives_end_and_renewal_dates_from_the_term():
    end, renewal = default_contract_dates(dt.date(2026, 2, 1), 12)
    assert end == dt.date(2027, 1, 31)
    assert renewal == end


def test_it_keeps_dates_that_were_given():
    end, renewal = default_contract_dates(
        dt.date(2026, 2, 1), 12, dt.date(2026, 6, 30), dt.date(2026, 5, 31)
    )
    assert (end, renewal) == (dt.date(2026, 6, 30), dt.date(2026, 5, 31))


def test_it_renews_on_the_given_end_date_when_only_the_end_is_given():
    end, renewal = default_contract_dates(dt.date(2026, 2, 1), 12, dt.date(2026, 6, 30))
    assert renewal == dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 15), 3, dt.date(2027, 2, 15)),
        (dt.date(2026, 3, 1), 24, dt.date(2028, 3, 1)),
    ],
)
def test_it_adds_months_clamping_to_the_end_of_short_months(day, months, expected):
    assert add_months(day, months) == expected


def test_it_saves_a_contract_with_derived_fields_and_sites(cast):
    contract = Contract(
        client=cast.acme,
        start_date=dt.date(2026, 3, 1),
        term_months=6,
        fee=Decimal("3000"),
        billing_cycle="yearly",
        notice_days=14,
    )
    save_contract(contract, sites=[cast.acme_site])
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2026, 8, 31)
    assert contract.renewal_date == dt.date(2026, 8, 31)
    assert contract.notice_deadline == dt.date(2026, 8, 17)
    assert contract.monthly_value == Decimal("250.00")
    assert list(contract.sites.all()) == [cast.acme_site]


def test_it_refuses_a_site_of_another_client(cast):
    elsewhere = Site.objects.create(client=cast.birch, name="Birch yard")
    contract = Contract(client=cast.acme, start_date=dt.date(2026, 3, 1), fee=Decimal("10"))
    with pytest.raises(ValidationError) as error:
        save_contract(contract, sites=[elsewhere])
    assert "sites" in error.value.message_dict
    assert contract.pk is None
