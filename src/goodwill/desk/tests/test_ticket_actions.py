"""Working a ticket through its page: reply, note, status, priority, assignee, tags, time, merge,
split and a new ticket. Every change lands through desk.services, so it is in the history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from goodwill.desk import services
from goodwill.desk.models import EventKind, Message, Ticket, TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db


def url(name: str, ticket: Ticket, *args: object) -> str:
    return reverse(f"desk:{name}", args=[ticket.number, *args])


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


# --- The composer -------------------------------------------------------------------------------


def test_a_reply_is_the_first_response_and_opens_the_ticket(as_tech, cast):
    response = as_tech.post(url("reply", cast.ticket), {"mode": "reply", "body": "On it, Maria."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"{cast.ticket.get_absolute_url()}#conversation")
    ticket = fresh(cast.ticket)
    assert ticket.first_response_at is not None
    assert ticket.status == "open"
    message = ticket.messages.last()
    assert (message.body, message.internal, message.author_user) == (
        "On it, Maria.",
        False,
        cast.tech,
    )


def test_a_note_is_internal_and_is_not_a_response(as_tech, cast):
    as_tech.post(url("reply", cast.ticket), {"mode": "note", "body": "ISP changed last night."})
    ticket = fresh(cast.ticket)
    assert ticket.messages.last().internal
    assert ticket.first_response_at is None
    assert ticket.status == "new"
    assert kinds(ticket)[-1] == EventKind.NOTE


def test_reply_and_wait_on_the_client_pauses_the_clock_shown(as_tech, cast):
    response = as_tech.post(
        url("reply", cast.ticket),
        {"mode": "reply", "body": "Can you restart the router?", "then_status": "waiting_client"},
        follow=True,
    )
    html = response.content.decode()
    assert fresh(cast.ticket).status == "waiting_client"
    assert "Reply sent; the ticket is now waiting on client." in html
    badge = '<span class="gw-tstatus waiting_client" data-testid="ticket-status">'
    assert f"{badge}Waiting on client</span>" in html
    assert 'data-clock="first_response" data-state="met"' in html
    assert 'data-clock="resolution" data-state="paused"' in html
    assert "waiting on client" in html


def test_resolving_then_the_clients_answer_reopens_it(as_tech, cast):
    as_tech.post(
        url("reply", cast.ticket),
        {"mode": "reply", "body": "Fixed: the tunnel is back.", "then_status": "resolved"},
    )
    assert fresh(cast.ticket).status == "resolved"
    as_tech.post(url("reply", cast.ticket), {"mode": "client", "body": "Still down here!"})
    ticket = fresh(cast.ticket)
    assert ticket.status == "open"
    message = ticket.messages.last()
    assert message.author_person == cast.boss and message.author_user is None
    assert message.channel == "phone"
    assert ticket.resolved_at is None


def test_an_empty_reply_is_refused_where_it_was_written(as_tech, cast):
    response = as_tech.post(url("reply", cast.ticket), {"mode": "reply", "body": "  "})
    assert response.status_code == 200
    assert "Write a reply or attach a file." in response.content.decode()
    assert fresh(cast.ticket).messages.count() == 1


def test_a_status_the_service_refuses_changes_nothing(as_tech, cast):
    target = services.open_ticket(requester=cast.pa, subject="The real one")
    services.merge(cast.ticket, target, by_user=cast.owner)
    other = services.open_ticket(requester=cast.pa, subject="Another")
    services.merge(other, target, by_user=cast.owner)
    events_before = other.events.count()
    response = as_tech.post(url("update", other), {"status": "open"})
    assert response.status_code == 200
    assert f"This ticket was merged into {target.reference}." in response.content.decode()
    assert fresh(other).status == "closed"
    assert other.events.count() == events_before


# --- Status, priority, assignee, tags -----------------------------------------------------------


def test_an_unknown_status_is_refused_in_words_and_changes_nothing(as_tech, cast):
    response = as_tech.post(
        url("update", cast.ticket), {"status": "on_fire"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "on_fire is not a status" in html
    assert fresh(cast.ticket).status == "new"
    assert kinds(cast.ticket) == [EventKind.OPENED]


def test_a_priority_change_swaps_the_header_clocks_and_history_in_place(as_tech, cast):
    response = as_tech.post(url("update", cast.ticket), {"priority": "P1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert fresh(cast.ticket).priority == "P1"
    assert 'id="ticket-controls"' in html and "Saved" in html
    assert 'id="ticket-head" hx-swap-oob="true"' in html
    assert 'id="ticket-clocks" aria-label="SLA clocks" hx-swap-oob="true"' in html
    assert 'id="ticket-history"' in html and "Tess Tech changed priority from P2 to P1" in html
    assert '<span class="gw-priority P1 p1"' in html
    assert "</html>" not in html


def test_without_javascript_a_change_returns_to_the_page(as_tech, cast):
    response = as_tech.post(url("update", cast.ticket), {"status": "waiting_third_party"})
    assert response.status_code == 302
    assert response["Location"] == cast.ticket.get_absolute_url()
    assert fresh(cast.ticket).status == "waiting_third_party"


def test_assigning_and_unassigning(as_manager, cast):
    as_manager.post(url("update", cast.ticket), {"assignee": cast.manager.pk})
    assert fresh(cast.ticket).assignee == cast.manager
    as_manager.post(url("update", cast.ticket), {"assignee": ""})
    assert fresh(cast.ticket).assignee is None
    sentences = [e.data for e in cast.ticket.events.filter(kind=EventKind.ASSIGNED)]
    assert sentences[-1] == {"from": "Adam Manager", "to": None}


def test_tickets_go_only_to_staff_who_work_them(as_manager, cast):
    response = as_manager.post(url("update", cast.ticket), {"assignee": cast.bookkeeper.pk})
    assert "Pick someone on the team who works tickets." in response.content.decode()
    assert fresh(cast.ticket).assignee == cast.tech


def test_tags_are_set_from_a_comma_separated_list(as_tech, cast):
    as_tech.post(url("update", cast.ticket), {"tags": "VPN, remote access,, vpn ; network"})
    assert sorted(fresh(cast.ticket).tags.values_list("name", flat=True)) == [
        "network",
        "remote access",
        "vpn",
    ]
    as_tech.post(url("update", cast.ticket), {"tags": ""})
    assert not fresh(cast.ticket).tags.exists()
    assert kinds(cast.ticket)[-2:] == [EventKind.TAGGED, EventKind.TAGGED]


def test_an_empty_update_says_so(as_tech, cast):
    response = as_tech.post(url("update", cast.ticket), {}, HTTP_HX_REQUEST="true")
    assert "Nothing to change." in response.content.decode()


# --- Time ---------------------------------------------------------------------------------------


def test_time_is_logged_from_hours_and_minutes(as_tech, cast):
    response = as_tech.post(
        url("time", cast.ticket),
        {
            "minutes": "1h 30m",
            "billable": "0",
            "note": "Rebuilt the tunnel",
            "work_date": "2026-01-05",
        },
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(ticket=cast.ticket)
    assert (entry.minutes, entry.billable, entry.user) == (90, False, cast.tech)
    assert entry.contract == cast.acme_contract
    assert str(entry.work_date) == "2026-01-05"


def test_billable_time_is_kept_apart_and_htmx_gets_the_time_card(as_tech, cast):
    response = as_tech.post(
        url("time", cast.ticket),
        {"minutes": "45", "billable": "1", "note": "", "work_date": "2026-01-05"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert TimeEntry.objects.get(ticket=cast.ticket).billable
    assert 'id="time"' in html and "45 min billable" in html
    assert "Time logged." in html
    assert "Tess Tech logged 45 min (billable)" in html  # the history, out of band


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("-30", "Time spent can&#x27;t be negative."),
        ("soon", "is not a duration: write minutes (90) or hours and minutes (1h 30m)."),
        ("0", "Log at least one minute."),
        ("25h", "One entry cannot be more than 24 hours."),
    ],
)
def test_bad_time_is_refused_next_to_the_field(as_tech, cast, minutes, message):
    response = as_tech.post(
        url("time", cast.ticket),
        {"minutes": minutes, "billable": "0", "work_date": "2026-01-05"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_time_on_a_ticket_without_a_contract_is_billable(as_tech, cast):
    cast.birch_contract.delete()
    ticket = services.open_ticket(requester=cast.birch_user, subject="Ad hoc")
    response = as_tech.post(
        url("time", ticket), {"minutes": "30", "billable": "0", "work_date": "2026-01-05"}
    )
    assert "No contract covers this ticket, so its time is billable." in response.content.decode()
    assert not TimeEntry.objects.exists()


# --- Merge and split ----------------------------------------------------------------------------


def test_merging_moves_the_conversation_and_closes_the_ticket(as_tech, cast):
    target = services.open_ticket(requester=cast.pa, subject="VPN (Tom's report)")
    response = as_tech.post(url("merge", cast.ticket), {"target": target.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == target.get_absolute_url()
    source = fresh(cast.ticket)
    assert source.merged_into == target and source.status == "closed"
    assert target.messages.filter(body__startswith="Nobody can reach").exists()


def test_merging_into_another_clients_ticket_is_refused(as_tech, cast):
    birch = services.open_ticket(requester=cast.birch_user, subject="Birch VPN")
    response = as_tech.post(url("merge", cast.ticket), {"target": birch.reference})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{birch.reference} belongs to Birch &amp; Co, not Acme Dental" in html
    assert fresh(cast.ticket).merged_into is None
    assert fresh(cast.ticket).messages.count() == 1


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("GW-99999", "There is no ticket GW-99999."),
        ("banana", "Write the ticket&#x27;s reference, like GW-10432."),
        ("self", "A ticket cannot be merged into itself."),
    ],
)
def test_merging_needs_a_real_other_ticket(as_tech, cast, target, message):
    target = cast.ticket.reference if target == "self" else target
    response = as_tech.post(url("merge", cast.ticket), {"target": target})
    assert message in response.content.decode()
    assert fresh(cast.ticket).merged_into is None


def test_splitting_a_message_makes_a_ticket_of_its_own(as_tech, cast):
    services.reply(cast.ticket, "Looking now.", by_user=cast.tech)
    printer = services.reply(cast.ticket, "Also the printer is jammed.", by_person=cast.boss)
    response = as_tech.post(url("split", cast.ticket, printer.pk))
    new = Ticket.objects.exclude(pk=cast.ticket.pk).get()
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert list(new.messages.all()) == [printer]
    assert new.requester == cast.boss and new.client == cast.acme
    assert cast.ticket.messages.count() == 2
    assert TicketEvent.objects.filter(ticket=cast.ticket, kind=EventKind.SPLIT).exists()


def test_a_message_of_another_ticket_cannot_be_split_off_this_one(as_tech, cast):
    other = services.open_ticket(requester=cast.pa, subject="Other", body="Theirs")
    message = Message.objects.get(ticket=other)
    assert as_tech.post(url("split", cast.ticket, message.pk)).status_code == 404


# --- Who may change what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("reply", {"mode": "reply", "body": "Hello"}),
        ("update", {"status": "resolved"}),
        ("time", {"minutes": "30", "billable": "0", "work_date": "2026-01-05"}),
        ("merge", {"target": "GW-1"}),
    ],
)
def test_a_bookkeeper_cannot_change_a_ticket(as_bookkeeper, cast, name, data):
    response = as_bookkeeper.post(url(name, cast.ticket), data)
    assert response.status_code == 403
    assert kinds(cast.ticket) == [EventKind.OPENED]
    assert fresh(cast.ticket).messages.count() == 1


def test_a_bookkeeper_cannot_split_or_open_a_ticket(as_bookkeeper, cast):
    message = cast.ticket.messages.get()
    assert as_bookkeeper.post(url("split", cast.ticket, message.pk)).status_code == 403
    assert as_bookkeeper.get(reverse("desk:create")).status_code == 403
    assert Ticket.objects.count() == 1


def test_changes_are_posts(as_tech, cast):
    assert as_tech.get(url("reply", cast.ticket)).status_code == 405
    assert as_tech.get(url("update", cast.ticket)).status_code == 405


# --- A new ticket -------------------------------------------------------------------------------


def create_data(cast, **changes: object) -> dict[str, object]:
    data = {
        "client": cast.acme.pk,
        "requester": cast.complainer.pk,
        "subject": "Printer jammed again",
        "body": "Third time this week.",
        "impact": "3",
        "urgency": "2",
        "priority": "",
        "category": "printing",
        "channel": "phone",
        "site": "",
        "asset": "",
        "assignee": "",
        "tags": "printer, reception",
    }
    data.update(changes)
    return data


def test_a_new_ticket_is_opened_and_shown(as_tech, cast):
    response = as_tech.post(
        reverse("desk:create"), create_data(cast, assignee=cast.tech.pk, site=cast.acme_site.pk)
    )
    ticket = Ticket.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.requester == cast.complainer and ticket.client == cast.acme
    assert ticket.priority == "P4"  # one person, work hampered
    assert (ticket.category, ticket.channel, ticket.assignee) == ("printing", "phone", cast.tech)
    assert ticket.site == cast.acme_site
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["printer", "reception"]
    assert ticket.messages.get().body == "Third time this week."
    assert ticket.contract == cast.acme_contract


def test_the_priority_can_be_overridden(as_tech, cast):
    as_tech.post(reverse("desk:create"), create_data(cast, priority="P1"))
    assert Ticket.objects.latest("pk").priority == "P1"


def test_a_requester_of_another_client_is_refused(as_tech, cast):
    response = as_tech.post(reverse("desk:create"), create_data(cast, requester=cast.birch_boss.pk))
    assert response.status_code == 200
    assert "Bill Birch works at Birch &amp; Co, not Acme Dental." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_a_site_of_another_client_is_refused(as_tech, cast):
    from goodwill.clients.models import Site

    birch_site = Site.objects.create(client=cast.birch, name="Birch HQ")
    response = as_tech.post(reverse("desk:create"), create_data(cast, site=birch_site.pk))
    assert "Birch HQ is a site of Birch &amp; Co, not Acme Dental." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_a_subject_is_needed(as_tech, cast):
    response = as_tech.post(reverse("desk:create"), create_data(cast, subject=""))
    assert "This field is required." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_starting_from_a_client_offers_only_its_people(as_tech, cast):
    html = as_tech.get(reverse("desk:create"), {"client": cast.acme.pk}).content.decode()
    assert "Maria Shaw · Managing director" in html
    assert "Bill Birch" not in html
    assert f'<option value="{cast.acme.pk}" selected>Acme Dental</option>' in html


def test_starting_from_a_person_picks_them_and_their_client(as_tech, cast):
    response = as_tech.get(reverse("desk:create"), {"requester": cast.birch_boss.pk})
    form = response.context["form"]
    assert form["requester"].value() == cast.birch_boss.pk
    assert form["client"].value() == cast.birch.pk


def test_changing_the_client_reloads_the_people_in_place(as_tech, cast):
    response = as_tech.get(
        reverse("desk:create"), {"client": cast.birch.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="ticket-who"' in html
    assert "Bill Birch" in html and "Maria Shaw" not in html


def test_the_computed_priority_is_shown_beside_the_override(as_tech, cast):
    html = as_tech.get(reverse("desk:create")).content.decode()
    assert 'id="computed-priority"' in html and ">P4</output>" in html
