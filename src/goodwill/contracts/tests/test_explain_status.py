import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from goodwill.contracts.models import Contract
from goodwill.contracts.services import explain_status

TODAY = dt.date(2026, 12, 23)


def contract(**fields):
    values = {
        "state": "active",
        "start_date": dt.date(2026, 2, 1),
        "end_date": dt.date(2027, 1, 31),
        "renewal_date": dt.date(2027, 1, 31),
        "notice_days": 19,
        "fee": Decimal("100"),
    }
    values.update(fields)
    made = Contract(**values)
    made.refresh_derived_fields()
    return made


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=30)
def test_it_says_when_the_notice_deadline_is():
    explained = explain_status(contract(), today=TODAY)
    assert explained.status == "renewal_due"
    assert explained.text == (
        "Renewal due: the notice deadline is 12 Jan 2027, in 20 days; "
        "renewal on 31 Jan 2027, in 39 days."
    )


@override_settings(GOODWILL_RENEWAL_LEAD_DAYS=30)
def test_it_says_when_an_active_contract_comes_up_for_renewal():
    explained = explain_status(contract(), today=dt.date(2026, 6, 1))
    assert explained.status == "active"
    assert explained.text.startswith("Active: in force until 31 Jan 2027")
    assert "renewal due 30 days before that" in explained.text


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"state": "draft"}, "draft", "Draft: not in force yet"),
        ({"state": "cancelled"}, "cancelled", "Cancelled: cancelled by staff"),
        ({"state": "renewed"}, "renewed", "Renewed: renewed"),
        (
            {"end_date": dt.date(2026, 12, 1), "renewal_date": dt.date(2026, 12, 1)},
            "lapsed",
            "Lapsed: it ended on 1 Dec, 22 days ago, and it does not renew automatically.",
        ),
        (
            {
                "end_date": dt.date(2026, 12, 1),
                "renewal_date": dt.date(2026, 12, 1),
                "auto_renew": True,
            },
            "active",
            "Active: its term ended on 1 Dec, 22 days ago; it renews automatically.",
        ),
    ],
)
def test_it_explains_every_status(fields, status, words):
    explained = explain_status(contract(**fields), today=TODAY)
    assert explained.status == status
    assert explained.text.startswith(words)


def test_it_mentions_a_start_in_the_future():
    explained = explain_status(contract(start_date=dt.date(2026, 3, 1)), today=dt.date(2026, 2, 1))
    assert "starts on 1 Mar, in 28 days" in explained.text
