import pytest
from django.urls import reverse


@pytest.mark.parametrize("persona", ["as_owner", "as_manager", "as_tech", "as_bookkeeper"])
def test_it_renders_for_every_staff_role(request, cast, persona):
    url = reverse("contracts:detail", args=[cast.acme_contract.pk])
    response = request.getfixturevalue(persona).get(url)
    assert response.status_code == 200
    assert b"Acme Dental" in response.content


def test_it_shows_key_facts_coverage_and_sla_targets(as_owner, cast):
    content = as_owner.get(reverse("contracts:detail", args=[cast.acme_contract.pk])).content
    content = content.decode()
    assert "£2,500.00 per month" in content
    assert "20 h per month" in content
    assert "All sites of Acme Dental" in content
    assert "Unlimited" in content
    assert "1 h" in content and "4 h" in content  # P1 targets of the Standard policy
    assert cast.acme.get_absolute_url() in content


def test_it_lists_covered_sites(as_owner, cast):
    cast.acme_contract.sites.set([cast.acme_site])
    content = as_owner.get(reverse("contracts:detail", args=[cast.acme_contract.pk])).content
    assert b"Head office" in content
    assert b"All sites" not in content


def test_it_explains_a_renewal_due(as_owner, cast):
    response = as_owner.get(reverse("contracts:detail", args=[cast.birch_contract.pk]))
    assert response.context["explanation"].status == "renewal_due"
    assert "Renewal due: the notice deadline was" in response.content.decode()


def test_it_offers_edit_only_to_those_who_may(as_tech, as_manager, cast):
    url = reverse("contracts:detail", args=[cast.acme_contract.pk])
    edit = reverse("contracts:edit", args=[cast.acme_contract.pk]).encode()
    assert edit not in as_tech.get(url).content
    assert edit in as_manager.get(url).content


def test_it_404s_for_a_missing_contract(as_owner, cast):
    assert as_owner.get(reverse("contracts:detail", args=[99999])).status_code == 404
