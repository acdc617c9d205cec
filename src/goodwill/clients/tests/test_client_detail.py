import pytest
from django.urls import reverse

from goodwill.clients.models import PersonRole, StakeholderRole

pytestmark = pytest.mark.django_db


def url(client):
    return reverse("clients:detail", args=[client.pk])


def test_it_shows_the_four_people_who_matter(as_tech, cast):
    response = as_tech.get(url(cast.acme))
    assert response.status_code == 200
    slots = {slot.role: slot for slot in response.context["slots"]}
    assert [p.full_name for p in slots[StakeholderRole.DECISION_MAKER].people] == ["Maria Shaw"]
    assert [p.full_name for p in slots[StakeholderRole.GATEKEEPER].people] == ["Tom Ito"]
    assert [p.full_name for p in slots[StakeholderRole.BILLING].people] == ["Ana Costa"]
    assert [p.full_name for p in slots[StakeholderRole.COMPLAINER].people] == ["Dave Lund"]
    assert [p.full_name for p in response.context["everyone_else"]] == ["Priya Nair"]
    assert b"maria@acme.test" in response.content


def test_empty_cards_say_what_is_missing_and_why(as_owner, cast):
    content = as_owner.get(url(cast.birch)).content.decode()
    assert "No billing contact: invoices will go to the boss (Bill Birch)." in content
    assert "No PA recorded" in content


def test_without_a_boss_the_billing_card_says_invoices_have_nobody(as_owner, cast):
    PersonRole.objects.filter(person=cast.birch_boss).delete()
    content = as_owner.get(url(cast.birch)).content.decode()
    assert "No decision maker recorded" in content
    assert "invoices have nobody to go to" in content


def test_a_person_with_two_roles_appears_on_both_cards(as_owner, cast):
    PersonRole.objects.create(person=cast.birch_boss, client=cast.birch, role="billing")
    response = as_owner.get(url(cast.birch))
    slots = {slot.role: slot for slot in response.context["slots"]}
    assert slots["billing"].people == [cast.birch_boss]
    assert slots["decision_maker"].people == [cast.birch_boss]
    assert cast.birch_boss not in response.context["everyone_else"]


def test_people_who_left_are_not_on_the_map(as_owner, cast):
    cast.boss.is_active = False
    cast.boss.save()
    response = as_owner.get(url(cast.acme))
    slots = {slot.role: slot for slot in response.context["slots"]}
    assert slots["decision_maker"].people == []
    assert "1 former staff hidden" in response.content.decode()


def test_it_lists_sites_and_contracts_with_status(as_owner, cast):
    response = as_owner.get(url(cast.acme))
    assert b"Head office" in response.content
    contracts = list(response.context["contracts"])
    assert [k.status for k in contracts] == ["active"]


def test_unknown_client_is_a_404(as_owner, cast):
    assert as_owner.get(reverse("clients:detail", args=[999999])).status_code == 404
