"""A client whose contract spans the whole decade, so SLA tests can pin any date they like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from goodwill.clients.models import Client, Person, PersonRole
from goodwill.contracts.models import Contract

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def cedar(cast):
    client = Client.objects.create(name="Cedar Law", email_domains="cedar.test")
    Contract.objects.create(
        client=client,
        state="active",
        start_date=dt.date(2020, 1, 1),
        term_months=132,
        end_date=dt.date(2030, 12, 31),
        renewal_date=dt.date(2030, 12, 31),
        fee=Decimal(900),
        sla_policy=cast.policy,
        included_hours=Decimal(10),
    )
    return client


@pytest.fixture
def cedar_boss(cedar):
    boss = Person.objects.create(client=cedar, first_name="Carol", email="carol@cedar.test")
    PersonRole.objects.create(person=boss, client=cedar, role="decision_maker")
    return boss


@pytest.fixture
def cedar_user(cedar):
    return Person.objects.create(client=cedar, first_name="Colin", email="colin@cedar.test")
