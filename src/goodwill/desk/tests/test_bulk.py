"""Bulk assign and set status from the queue: through the services, one ticket at a time."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from goodwill.desk import services
from goodwill.desk.models import EventKind, Ticket, TicketStatus

pytestmark = pytest.mark.django_db
BULK = reverse("desk:bulk")


@pytest.fixture
def three(cast):
    return [
        cast.ticket,
        services.open_ticket(requester=cast.complainer, subject="Printer jams"),
        services.open_ticket(requester=cast.acme_user, subject="New laptop"),
    ]


def post(http, tickets, **data):
    return http.post(BULK, {"ticket": [t.pk for t in tickets], **data})


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fresh(tickets):
    return [Ticket.objects.get(pk=t.pk) for t in tickets]


def test_it_assigns_each_ticked_ticket_and_records_it(as_manager, cast, three):
    response = post(as_manager, three, action="assign", assignee=cast.manager.pk)
    assert response.status_code == 302
    assert [t.assignee for t in fresh(three)] == [cast.manager] * 3
    for ticket in three:
        event = ticket.events.filter(kind=EventKind.ASSIGNED).last()
        assert event.actor_user == cast.manager
    refs = ", ".join(t.reference for t in three)
    assert said(response) == [f"Assigned {refs} to Adam Manager."]


def test_it_can_unassign(as_owner, cast, three):
    post(as_owner, three[:1], action="assign", assignee="none")
    assert fresh(three[:1])[0].assignee is None


def test_it_sets_the_status_of_each_ticked_ticket(as_tech, cast, three):
    response = post(as_tech, three[1:], action="status", status=TicketStatus.RESOLVED)
    assert [t.status for t in fresh(three)] == ["new", "resolved", "resolved"]
    assert all(t.resolved_at for t in fresh(three[1:]))
    assert said(response) == [f"Set {three[1].reference}, {three[2].reference} to Resolved."]


def test_a_ticket_that_cannot_change_is_reported_and_the_others_still_change(as_tech, cast, three):
    printer, laptop = three[1], three[2]
    services.merge(laptop, printer, by_user=cast.tech)
    response = post(as_tech, [printer, laptop], action="status", status=TicketStatus.OPEN)
    printer, laptop = fresh([printer, laptop])
    assert printer.status == TicketStatus.OPEN
    assert laptop.status == TicketStatus.CLOSED
    assert said(response) == [
        f"Set {printer.reference} to Open.",
        f"{laptop.reference} was not changed: This ticket was merged into {printer.reference}.",
    ]


def test_a_ticket_that_disappeared_is_reported(as_tech, cast, three):
    gone_pk = three[2].pk
    three[2].delete()
    response = as_tech.post(
        BULK, {"ticket": [three[1].pk, gone_pk], "action": "assign", "assignee": cast.tech.pk}
    )
    assert fresh(three[1:2])[0].assignee == cast.tech
    assert f"#{gone_pk} was not changed: no longer exists" in said(response)


def test_assigning_to_someone_who_cannot_work_tickets_changes_nothing(as_owner, cast, three):
    for assignee in (cast.bookkeeper.pk, "", "999999", "abc"):
        response = post(as_owner, three, action="assign", assignee=assignee)
        assert [t.assignee for t in fresh(three)] == [cast.tech, None, None]
        assert said(response)[-1] == "Nothing was changed: Pick someone to assign the tickets to."


def test_an_unknown_status_or_action_changes_nothing(as_owner, three):
    response = post(as_owner, three, action="status", status="deleted")
    assert said(response)[-1] == "Nothing was changed: Pick a status."
    response = post(as_owner, three, action="delete")
    assert said(response)[-1] == "Nothing was changed: Pick an action."
    assert [t.status for t in fresh(three)] == ["new"] * 3


def test_nothing_ticked_says_so(as_owner):
    response = as_owner.post(BULK, {"action": "assign", "assignee": "none"})
    assert said(response) == ["Tick the tickets to change first."]


def test_it_goes_back_to_the_same_view_of_the_queue(as_owner, cast, three):
    here = reverse("desk:queue") + "?tab=mine&priority=P2"
    response = post(as_owner, three, action="assign", assignee="none", next=here)
    assert response["Location"] == here


def test_it_never_sends_people_to_another_site(as_owner, three):
    response = post(as_owner, three, action="assign", assignee="none", next="https://evil.test/")
    assert response["Location"] == reverse("desk:queue")


def test_a_bookkeeper_can_see_the_queue_but_not_change_tickets_in_bulk(as_bookkeeper, cast, three):
    assert as_bookkeeper.get(reverse("desk:queue")).status_code == 200
    response = post(as_bookkeeper, three, action="status", status=TicketStatus.CLOSED)
    assert response.status_code == 403
    assert [t.status for t in fresh(three)] == ["new"] * 3


def test_bulk_changes_are_posted_not_fetched(as_owner):
    assert as_owner.get(BULK).status_code == 405


def test_the_queue_offers_the_bulk_actions_to_people_who_work_tickets(as_tech, cast):
    html = as_tech.get(reverse("desk:queue")).content.decode()
    assert f'name="ticket" value="{cast.ticket.pk}"' in html
    assert 'name="action" value="assign"' in html
    assert 'name="action" value="status"' in html
    assert f'<option value="{cast.bookkeeper.pk}">' not in html  # cannot be assigned tickets
