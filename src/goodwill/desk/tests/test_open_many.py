"""desk.open_many and reply_many: a batch of client tickets and replies ends as the same rows,
events and SLA clocks as open_ticket and reply one at a time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.clients.models import Site
from goodwill.contracts.models import Contract, ContractState
from goodwill.desk import services
from goodwill.desk.models import Channel, EventKind, TicketStatus

pytestmark = pytest.mark.django_db


def test_open_many_picks_the_contract_open_ticket_would(cast):
    # A newer contract for one site only: people there fall under it, everyone else does not.
    branch = Site.objects.create(client=cast.acme, name="Branch surgery")
    today = timezone.localdate()
    branch_contract = Contract.objects.create(
        client=cast.acme, state=ContractState.ACTIVE, start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=355), renewal_date=today + dt.timedelta(days=355),
        fee=Decimal("900"), sla_policy=cast.ticket.contract.sla_policy,
    )  # fmt: skip
    branch_contract.sites.add(branch)
    cast.pa.site = branch
    cast.pa.save()
    people = [cast.pa, cast.boss, cast.birch_user]
    batch = services.open_many(
        [services.Opening(requester=p, subject=f"From {p.first_name}", body="x") for p in people]
    )
    one_by_one = [
        services.open_ticket(requester=p, subject=f"Alone {p.first_name}", body="x",
                             channel=Channel.EMAIL)
        for p in people
    ]  # fmt: skip
    assert [t.contract_id for t, _, _ in batch] == [t.contract_id for t in one_by_one]
    assert batch[0][0].contract_id == branch_contract.pk
    for (ticket, first, event), alone in zip(batch, one_by_one, strict=True):
        assert ticket.number == ticket.pk + 10000
        assert (ticket.priority, ticket.status, ticket.requester_role) == (
            alone.priority, alone.status, alone.requester_role,
        )  # fmt: skip
        assert ticket.first_response_due_at is not None
        assert ticket.first_response_due_at == alone.first_response_due_at or (
            abs(ticket.first_response_due_at - alone.first_response_due_at)
            < dt.timedelta(minutes=1)
        )
        assert first.author_person_id == ticket.requester_id
        assert event.kind == EventKind.OPENED and event.data["message"] == first.pk


def test_reply_many_refuses_a_reply_that_would_reopen(cast):
    services.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    assert not services.can_reply_in_batch(cast.ticket)
    with pytest.raises(services.TicketError):
        services.reply_many([(cast.ticket, "Broken again", cast.boss, None)])
