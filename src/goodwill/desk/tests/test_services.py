import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from goodwill.contracts.models import Contract
from goodwill.desk import services
from goodwill.desk.models import (
    NUMBER_OFFSET,
    EventKind,
    Message,
    Ticket,
    TicketStatus,
    TimeEntry,
)

pytestmark = pytest.mark.django_db


def events(ticket):
    return list(ticket.events.values_list("kind", flat=True))


def test_opening_records_the_event_the_message_and_a_stable_reference(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="  VPN down  ", body="Since 9am")
    assert ticket.reference == f"GW-{ticket.pk + NUMBER_OFFSET}"
    assert Ticket.objects.get(number=ticket.number) == ticket
    assert ticket.subject == "VPN down"
    assert ticket.client == cast.acme
    assert ticket.contract == cast.acme_contract
    assert events(ticket) == [EventKind.OPENED]
    assert ticket.messages.get().author_person == cast.boss


def test_priority_comes_from_impact_and_urgency(cast):
    whole_office_down = services.open_ticket(
        requester=cast.boss, subject="Nothing works", impact=1, urgency=1
    )
    one_person_can_wait = services.open_ticket(
        requester=cast.acme_user, subject="New mouse", impact=3, urgency=3
    )
    assert whole_office_down.priority == "P1"
    assert one_person_can_wait.priority == "P4"


def test_the_covering_contract_is_picked_by_site(cast):
    branch = cast.acme.sites.create(name="Branch")
    branch_contract = Contract.objects.create(
        client=cast.acme,
        state="active",
        start_date=cast.acme_contract.start_date,
        end_date=cast.acme_contract.end_date,
        renewal_date=cast.acme_contract.end_date,
        fee=Decimal(100),
    )
    branch_contract.sites.add(branch)
    at_branch = services.open_ticket(requester=cast.boss, subject="X", site=branch)
    at_head_office = services.open_ticket(requester=cast.boss, subject="Y", site=cast.acme_site)
    assert at_branch.contract == branch_contract
    assert at_head_office.contract == cast.acme_contract


def test_a_client_without_a_contract_in_force_gets_no_contract(cast):
    cast.birch_contract.state = "cancelled"
    cast.birch_contract.save()
    assert services.open_ticket(requester=cast.birch_user, subject="X").contract is None


def test_an_empty_subject_or_another_clients_site_is_refused(cast):
    before = Ticket.objects.count()
    with pytest.raises(services.TicketError):
        services.open_ticket(requester=cast.boss, subject="   ")
    birch_site = cast.birch.sites.create(name="Birch HQ")
    with pytest.raises(services.TicketError):
        services.open_ticket(requester=cast.boss, subject="X", site=birch_site)
    assert Ticket.objects.count() == before


def test_a_staff_reply_is_the_first_response_and_opens_a_new_ticket(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    services.reply(ticket, "On it", by_user=cast.tech)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.first_response_at is not None
    first = ticket.first_response_at
    services.reply(ticket, "Still on it", by_user=cast.tech)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first


def test_a_note_is_internal_and_not_a_response(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    note = services.add_note(ticket, "Call the ISP", by_user=cast.tech)
    ticket.refresh_from_db()
    assert note.internal
    assert ticket.first_response_at is None
    assert ticket.status == TicketStatus.NEW


def test_the_clients_reply_puts_a_waiting_or_resolved_ticket_back_in_our_court(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    services.change_status(ticket, TicketStatus.WAITING_CLIENT, by_user=cast.tech)
    services.reply(ticket, "Done that", by_person=cast.boss)
    assert ticket.status == TicketStatus.OPEN
    services.change_status(ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    assert ticket.resolved_at is not None
    services.reply(ticket, "Broken again", by_person=cast.boss)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None
    assert events(ticket).count(EventKind.STATUS) == 4


def test_a_reply_needs_one_author_and_some_text(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    with pytest.raises(ValueError):
        services.reply(ticket, "Hi", by_user=cast.tech, by_person=cast.boss)
    with pytest.raises(services.TicketError):
        services.reply(ticket, "  ", by_user=cast.tech)


def test_assigning_to_someone_who_is_not_staff_is_refused(cast, django_user_model):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    outsider = django_user_model.objects.create_user(username="maria-portal", password="x" * 20)
    with pytest.raises(services.TicketError):
        services.assign(ticket, outsider, by_user=cast.owner)
    services.assign(ticket, cast.tech, by_user=cast.owner)
    assert ticket.assignee == cast.tech
    assigned = ticket.events.get(kind=EventKind.ASSIGNED)
    assert assigned.data == {"from": None, "to": "Tess Tech"}


def test_time_is_logged_against_the_tickets_contract(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    entry = services.log_time(ticket, 45, by_user=cast.tech, note="Reset router")
    assert entry.contract == cast.acme_contract
    assert not entry.billable
    for bad in (0, -5, 24 * 60 + 1):
        with pytest.raises(services.TicketError):
            services.log_time(ticket, bad, by_user=cast.tech)
    assert TimeEntry.objects.count() == 1


def test_merging_moves_the_conversation_and_closes_the_duplicate(cast):
    target = services.open_ticket(requester=cast.boss, subject="VPN down", body="first")
    duplicate = services.open_ticket(requester=cast.pa, subject="VPN???", body="second")
    services.log_time(duplicate, 10, by_user=cast.tech)
    services.merge(duplicate, target, by_user=cast.tech)
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.CLOSED
    assert duplicate.merged_into == target
    assert sorted(target.messages.values_list("body", flat=True)) == ["first", "second"]
    assert target.time_entries.count() == 1
    with pytest.raises(services.TicketError):
        services.change_status(duplicate, TicketStatus.OPEN, by_user=cast.tech)


def test_tickets_of_different_clients_are_never_merged(cast):
    acme = services.open_ticket(requester=cast.boss, subject="X")
    birch = services.open_ticket(requester=cast.birch_boss, subject="Y")
    with pytest.raises(services.TicketError):
        services.merge(birch, acme, by_user=cast.tech)
    with pytest.raises(services.TicketError):
        services.merge(acme, acme, by_user=cast.tech)


def test_splitting_moves_one_message_into_a_new_ticket(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="VPN", body="VPN is down")
    extra = services.reply(ticket, "Also my printer is broken", by_person=cast.boss)
    new = services.split(ticket, extra, by_user=cast.tech, subject="Printer broken")
    assert new.subject == "Printer broken"
    assert list(new.messages.all()) == [Message.objects.get(pk=extra.pk)]
    assert ticket.messages.count() == 1
    assert EventKind.SPLIT in events(ticket)


def test_attachments_are_size_limited_and_stored_under_generated_names(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GOODWILL_MAX_ATTACHMENT_BYTES = 10
    ticket = services.open_ticket(requester=cast.boss, subject="X")
    with pytest.raises(services.TicketError):
        services.attach(ticket, SimpleUploadedFile("big.txt", b"x" * 11), by_user=cast.tech)
    attachment = services.attach(
        ticket, SimpleUploadedFile("../../etc/passwd.txt", b"tiny"), by_user=cast.tech
    )
    assert attachment.filename == "passwd.txt"
    assert "passwd" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/")
    assert (tmp_path / attachment.file.name).read_bytes() == b"tiny"


def test_tags_are_normalised(cast):
    ticket = services.open_ticket(requester=cast.boss, subject="X", tags=["VPN", " vpn", "Urgent"])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["urgent", "vpn"]


def test_historical_tickets_keep_their_dates(cast):
    when = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    ticket = services.open_ticket(requester=cast.boss, subject="Old", opened_at=when)
    assert ticket.opened_at == when
    assert ticket.events.get().created_at == when
