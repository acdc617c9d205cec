"""The prospect pipeline: moving stages, and converting a prospect into a client."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.contracts.models import Contract, ContractState
from goodwill.scheduling.models import Prospect, ProspectStage


def make_prospect(**extra) -> Prospect:
    values = dict(name="Grace Lin", company="Lin Architecture", email="grace@lin-arch.test",
                  phone="+44 20 7946 0101", headcount=12, stage=ProspectStage.CONSULTATION_HELD,
                  value=Decimal("7200"), problem="CAD workstations crash", runs_company=True)
    values.update(extra)
    return Prospect.objects.create(**values)


def test_the_board_shows_each_stage_with_value_and_next_step(cast, as_manager):
    make_prospect(next_step="Send the proposal by Friday")
    page = as_manager.get(reverse("scheduling:prospects")).content.decode()
    for label in ProspectStage.labels:
        assert label in page
    assert "Send the proposal by Friday" in page and "7,200" in page


def test_moving_a_stage_is_a_post(cast, as_manager, as_bookkeeper):
    prospect = make_prospect()
    url = reverse("scheduling:prospect_move", args=[prospect.pk])
    assert as_manager.get(url).status_code == 405
    assert as_bookkeeper.post(url, {"stage": "won"}).status_code == 403
    as_manager.post(url, {"stage": ProspectStage.PROPOSAL_SENT})
    prospect.refresh_from_db()
    assert prospect.stage == ProspectStage.PROPOSAL_SENT
    as_manager.post(url, {"stage": "nonsense"})
    prospect.refresh_from_db()
    assert prospect.stage == ProspectStage.PROPOSAL_SENT


def test_convert_makes_the_client_the_boss_and_a_draft_contract(cast, as_manager):
    prospect = make_prospect()
    response = as_manager.post(reverse("scheduling:prospect_convert", args=[prospect.pk]))
    client = Client.objects.get(name="Lin Architecture")
    assert response.status_code == 302 and response["Location"] == client.get_absolute_url()
    assert client.email_domains == "lin-arch.test" and client.account_manager == cast.manager
    person = Person.objects.get(email="grace@lin-arch.test")
    assert (person.client, person.first_name, person.last_name) == (client, "Grace", "Lin")
    assert StakeholderRole.DECISION_MAKER in person.role_set()
    contract = Contract.objects.get(client=client)
    assert contract.state == ContractState.DRAFT
    assert contract.fee == Decimal("600.00")  # 7,200 a year, billed monthly
    prospect.refresh_from_db()
    assert prospect.stage == ProspectStage.WON and prospect.client == client
    # Converting twice is refused with a reason, and creates nothing.
    again = as_manager.post(reverse("scheduling:prospect_convert", args=[prospect.pk]),
                            follow=True)
    assert b"already a client" in again.content
    assert Client.objects.filter(name="Lin Architecture").count() == 1


def test_a_booker_who_does_not_run_the_company_is_not_made_the_boss(cast, as_manager):
    prospect = make_prospect(runs_company=False, email="grace@gmail.com")
    as_manager.post(reverse("scheduling:prospect_convert", args=[prospect.pk]))
    person = Person.objects.get(email="grace@gmail.com")
    assert person.role_set() == set()
    assert person.client.email_domains == ""  # a public mail domain is not the company's


def test_convert_refuses_a_clashing_client_name(cast, as_manager):
    prospect = make_prospect(company="Acme Dental")
    response = as_manager.post(reverse("scheduling:prospect_convert", args=[prospect.pk]),
                               follow=True)
    assert "A client called “Acme Dental” already exists" in response.content.decode()
    assert not Person.objects.filter(email="grace@lin-arch.test").exists()
