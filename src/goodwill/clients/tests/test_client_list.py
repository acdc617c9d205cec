from decimal import Decimal

import pytest
from django.urls import reverse

from goodwill.clients.models import Client
from goodwill.contracts.models import Contract

pytestmark = pytest.mark.django_db
URL = reverse("clients:list")


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["as_owner", "as_manager", "as_tech", "as_bookkeeper"])
def test_every_staff_role_sees_the_list(request, who):
    http = request.getfixturevalue(who)
    response = http.get(URL)
    assert response.status_code == 200
    assert b"Acme Dental" in response.content
    assert b"Birch &amp; Co" in response.content


def test_it_shows_contract_status_mrr_renewal_and_people(as_owner, cast):
    response = as_owner.get(URL)
    rows = {c.name: c for c in response.context["page"]}
    acme = rows["Acme Dental"]
    assert acme.contract_status == "active"
    assert acme.mrr == Decimal("2500.00")
    assert acme.people_count == 5
    assert acme.renewal_date == cast.acme_contract.renewal_date
    birch = rows["Birch & Co"]
    # £4,500 a quarter is £1,500 a month; it renews in 25 days, inside the notice window.
    assert birch.mrr == Decimal("1500.00")
    assert birch.contract_status == "renewal_due"
    assert b"Not scored yet" in response.content


def test_mrr_counts_only_contracts_in_force(as_owner, cast):
    Contract.objects.create(
        client=cast.acme,
        state="draft",
        start_date=cast.acme_contract.start_date,
        end_date=cast.acme_contract.end_date,
        renewal_date=cast.acme_contract.renewal_date,
        fee=Decimal("999"),
    )
    rows = {c.name: c for c in as_owner.get(URL).context["page"]}
    assert rows["Acme Dental"].mrr == Decimal("2500.00")


def test_it_filters_by_status_search_and_missing_roles(as_owner, cast):
    names = lambda r: [c.name for c in r.context["page"]]  # noqa: E731
    assert names(as_owner.get(URL, {"status": "renewal_due"})) == ["Birch & Co"]
    assert names(as_owner.get(URL, {"q": "acme"})) == ["Acme Dental"]
    assert names(as_owner.get(URL, {"q": "bill@birch.test"})) == ["Birch & Co"]
    assert names(as_owner.get(URL, {"gap": "no_billing"})) == ["Birch & Co"]
    Client.objects.create(name="Zed Ltd")
    assert names(as_owner.get(URL, {"status": "none"})) == ["Zed Ltd"]
    assert names(as_owner.get(URL, {"manager": cast.manager.pk})) == ["Acme Dental"]


def test_it_sorts_through_an_allow_list(as_owner, cast):
    names = lambda r: [c.name for c in r.context["page"]]  # noqa: E731
    assert names(as_owner.get(URL, {"sort": "-mrr"})) == ["Acme Dental", "Birch & Co"]
    assert names(as_owner.get(URL, {"sort": "mrr"})) == ["Birch & Co", "Acme Dental"]
    # Anything not in the allow-list falls back to name order instead of reaching the ORM.
    assert names(as_owner.get(URL, {"sort": "password"})) == ["Acme Dental", "Birch & Co"]


def test_it_paginates(as_owner, cast):
    Client.objects.bulk_create(Client(name=f"Client {i:03}") for i in range(60))
    first = as_owner.get(URL)
    assert len(first.context["page"]) == 25
    third = as_owner.get(URL, {"page": 3})
    assert len(third.context["page"]) == 62 - 50
    assert b'rel="prev"' in third.content


def test_htmx_requests_get_only_the_rows(as_owner, cast):
    response = as_owner.get(URL, {"q": "birch"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<nav" not in response.content  # no page chrome
    assert b"Birch &amp; Co" in response.content
    assert b"Acme Dental" not in response.content


def test_list_queries_do_not_grow_with_the_number_of_clients(
    as_owner, cast, django_assert_max_num_queries
):
    Client.objects.bulk_create(Client(name=f"Client {i:03}") for i in range(40))
    with django_assert_max_num_queries(8):
        as_owner.get(URL)


def test_it_sorts_by_health_worst_first_with_unscored_clients_last(as_owner, cast):
    from goodwill.happiness import scores
    from goodwill.happiness.models import ClientScore

    scores.recompute_all()
    ClientScore.objects.filter(client=cast.acme).update(health=35, band="red")
    ClientScore.objects.filter(client=cast.birch).update(health=88, band="green")
    Client.objects.create(name="Aardvark Ltd")  # never scored
    names = lambda r: [c.name for c in r.context["page"]]  # noqa: E731
    assert names(as_owner.get(URL, {"sort": "health"})) == ["Acme Dental", "Birch & Co",
                                                            "Aardvark Ltd"]  # fmt: skip
    assert names(as_owner.get(URL, {"sort": "-health"})) == ["Birch & Co", "Acme Dental",
                                                             "Aardvark Ltd"]  # fmt: skip
