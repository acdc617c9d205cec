import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.contracts.models import Contract, ContractState

URL = reverse("contracts:list")


@pytest.mark.parametrize("persona", ["as_owner", "as_manager", "as_tech", "as_bookkeeper"])
def test_it_renders_for_every_staff_role(request, cast, persona):
    response = request.getfixturevalue(persona).get(URL)
    assert response.status_code == 200
    assert b"Acme Dental" in response.content
    assert b"Birch &amp; Co" in response.content


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_shows_the_derived_status_as_a_badge(as_owner, cast):
    response = as_owner.get(URL)
    # Birch renews in 25 days with 30 days' notice: the notice deadline has passed.
    assert b'class="gw-status renewal_due"' in response.content
    assert b'class="gw-status active"' in response.content


def test_it_shows_fee_monthly_value_and_relative_renewal(as_owner, cast):
    content = as_owner.get(URL).content.decode()
    assert "£4,500.00" in content
    assert "£1,500.00" in content  # quarterly fee as monthly value
    assert "in 25 days" in content
    assert "Standard" in content


def test_it_counts_contracts_per_status_in_the_chips(as_owner, cast):
    response = as_owner.get(URL)
    chips = {chip["status"]: chip["count"] for chip in response.context["chips"]}
    assert chips["active"] == 1
    assert chips["renewal_due"] == 1
    assert chips["lapsed"] == 0
    assert response.context["total"] == 2


def test_it_filters_by_derived_status(as_owner, cast):
    response = as_owner.get(URL, {"status": "renewal_due"})
    contracts = list(response.context["page"].object_list)
    assert contracts == [cast.birch_contract]
    # The chips still count everything.
    assert response.context["total"] == 2


def test_it_searches_by_client_name(as_owner, cast):
    response = as_owner.get(URL, {"q": "acme"})
    assert list(response.context["page"].object_list) == [cast.acme_contract]


@pytest.mark.parametrize(
    ("sort", "first"),
    [("renewal", "birch"), ("-renewal", "acme"), ("client", "acme"), ("-value", "acme")],
)
def test_it_sorts(as_owner, cast, sort, first):
    response = as_owner.get(URL, {"sort": sort})
    assert response.context["page"].object_list[0] == getattr(cast, f"{first}_contract")


def test_it_ignores_an_unknown_sort(as_owner, cast):
    response = as_owner.get(URL, {"sort": "password"})
    assert response.status_code == 200
    assert response.context["sort"] == "renewal"


def test_it_paginates_by_25(as_owner, cast):
    today = timezone.localdate()
    Contract.objects.bulk_create(
        [
            Contract(
                client=cast.acme,
                name=f"Extra {n}",
                state=ContractState.DRAFT,
                start_date=today,
                end_date=today + dt.timedelta(days=364),
                renewal_date=today + dt.timedelta(days=364),
                notice_deadline=today + dt.timedelta(days=334),
                fee=Decimal("10"),
                monthly_value=Decimal("10"),
            )
            for n in range(30)
        ]
    )
    first = as_owner.get(URL)
    assert len(first.context["page"].object_list) == 25
    second = as_owner.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 7
