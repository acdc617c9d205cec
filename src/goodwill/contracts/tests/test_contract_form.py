import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from goodwill.clients.models import Site
from goodwill.contracts.models import Contract
from goodwill.contracts.tests.helpers import assert_not_allowed

CREATE = reverse("contracts:create")


def form_data(cast, **overrides):
    data = {
        "client": cast.acme.pk,
        "name": "Support plus",
        "state": "active",
        "start_date": "2026-02-01",
        "term_months": "12",
        "end_date": "",
        "renewal_date": "",
        "notice_days": "60",
        "fee": "1200.00",
        "currency": "GBP",
        "billing_cycle": "quarterly",
        "included_hours": "10",
        "seats": "15",
        "sla_policy": cast.policy.pk,
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["as_owner", "as_manager"])
def test_it_renders_the_create_and_edit_forms_for_editors(request, cast, persona):
    http = request.getfixturevalue(persona)
    assert http.get(CREATE).status_code == 200
    edit = reverse("contracts:edit", args=[cast.acme_contract.pk])
    response = http.get(edit)
    assert response.status_code == 200
    assert b"Active: in force until" in response.content


@pytest.mark.parametrize("persona", ["as_tech", "as_bookkeeper"])
def test_it_refuses_people_who_cannot_edit_contracts(request, cast, persona):
    http = request.getfixturevalue(persona)
    edit = reverse("contracts:edit", args=[cast.acme_contract.pk])
    for response in (http.get(CREATE), http.get(edit), http.post(edit, form_data(cast))):
        assert_not_allowed(response)


def test_it_preselects_the_client_and_offers_its_sites(as_owner, cast):
    response = as_owner.get(CREATE, {"client": cast.acme.pk})
    assert response.context["form"]["client"].value() == cast.acme.pk
    assert b"Head office" in response.content


def test_it_creates_a_contract_with_derived_dates(as_manager, cast):
    response = as_manager.post(CREATE, form_data(cast, sites=[cast.acme_site.pk]))
    contract = Contract.objects.get(name="Support plus")
    assert response.status_code == 302
    assert response["Location"] == contract.get_absolute_url()
    assert contract.end_date == dt.date(2027, 1, 31)
    assert contract.renewal_date == dt.date(2027, 1, 31)
    assert contract.notice_deadline == dt.date(2026, 12, 2)
    assert contract.monthly_value == Decimal("400.00")
    assert list(contract.sites.all()) == [cast.acme_site]


def test_it_keeps_explicit_end_and_renewal_dates(as_owner, cast):
    as_owner.post(CREATE, form_data(cast, end_date="2026-12-31", renewal_date="2026-11-30"))
    contract = Contract.objects.get(name="Support plus")
    assert (contract.end_date, contract.renewal_date) == (
        dt.date(2026, 12, 31),
        dt.date(2026, 11, 30),
    )


def test_it_rejects_an_end_before_the_start(as_owner, cast):
    response = as_owner.post(CREATE, form_data(cast, end_date="2026-01-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == ["The contract must end after it starts."]
    assert b"The contract must end after it starts." in response.content
    assert not Contract.objects.filter(name="Support plus").exists()


def test_it_rejects_a_site_of_another_client(as_owner, cast):
    birch_site = Site.objects.create(client=cast.birch, name="Birch yard")
    response = as_owner.post(CREATE, form_data(cast, sites=[birch_site.pk]))
    assert response.status_code == 200
    errors = response.context["form"].errors["sites"]
    assert "Only sites of Acme Dental can be covered" in errors[0]
    assert "Birch yard" in errors[0]
    assert not Contract.objects.filter(name="Support plus").exists()


def test_it_rejects_an_unknown_currency(as_owner, cast):
    response = as_owner.post(CREATE, form_data(cast, currency="XQZ"))
    assert response.status_code == 200
    assert "currency" in response.context["form"].errors


def test_it_requires_the_start_fee_and_client(as_owner, cast):
    response = as_owner.post(CREATE, form_data(cast, client="", start_date="", fee=""))
    errors = response.context["form"].errors
    assert {"client", "start_date", "fee"} <= set(errors)


def test_it_edits_a_contract_and_its_sites(as_manager, cast):
    contract = cast.acme_contract
    url = reverse("contracts:edit", args=[contract.pk])
    data = form_data(
        cast,
        name="Renamed",
        start_date=contract.start_date.isoformat(),
        end_date=contract.end_date.isoformat(),
        renewal_date=contract.renewal_date.isoformat(),
        notice_days="90",
        sites=[cast.acme_site.pk],
    )
    response = as_manager.post(url, data)
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.name == "Renamed"
    assert contract.notice_deadline == contract.renewal_date - dt.timedelta(days=90)
    assert list(contract.sites.all()) == [cast.acme_site]


def test_it_offers_only_the_chosen_clients_sites(as_owner, cast):
    Site.objects.create(client=cast.birch, name="Birch yard")
    response = as_owner.get(CREATE, {"client": cast.birch.pk}, headers={"HX-Request": "true"})
    assert b"Birch yard" in response.content
    assert b"Head office" not in response.content
