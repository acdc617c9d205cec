"""Full-text search over subjects and messages, on SQLite (FTS5) and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from goodwill.desk import search, services
from goodwill.desk.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:queue")


def found(query: str) -> set[Ticket]:
    return set(Ticket.objects.filter(pk__in=search.search_ticket_ids(query)))


@pytest.fixture
def tickets(cast):
    printer = services.open_ticket(
        requester=cast.complainer, subject="Printer on the first floor jams", body="Again."
    )
    laptop = services.open_ticket(
        requester=cast.acme_user,
        subject="New laptop",
        body="Please set up Outlook and the practice software for our new hygienist.",
    )
    services.add_note(
        laptop, "Ordered from the usual supplier, arrives Thursday", by_user=cast.tech
    )
    return {"printer": printer, "laptop": laptop, "vpn": cast.ticket}


def test_it_finds_words_in_the_subject(tickets):
    assert found("printer") == {tickets["printer"]}
    assert found("VPN") == {tickets["vpn"]}


def test_it_finds_words_in_messages_and_notes(tickets):
    assert found("hygienist") == {tickets["laptop"]}
    assert found("supplier") == {tickets["laptop"]}
    assert found("practice") == {tickets["laptop"], tickets["vpn"]}  # the VPN body says so too


def test_every_word_must_match(tickets):
    assert found("printer floor") == {tickets["printer"]}
    assert found("printer laptop") == set()


def test_words_match_whole(tickets):
    assert found("print") == set()


def test_it_finds_a_reply_added_later(tickets, cast):
    services.reply(tickets["printer"], "Replaced the fuser unit.", by_user=cast.tech)
    assert found("fuser") == {tickets["printer"]}


def test_a_merged_conversation_is_found_on_the_ticket_it_went_into(tickets, cast):
    services.merge(tickets["laptop"], tickets["printer"], by_user=cast.tech)
    assert found("hygienist") == {tickets["printer"]}


def test_a_deleted_ticket_is_no_longer_found(tickets):
    tickets["printer"].delete()
    assert found("printer") == set()
    assert found("again") == set()


def test_a_changed_subject_is_found_by_its_new_words(tickets):
    ticket = tickets["printer"]
    ticket.subject = "Scanner is offline"
    ticket.save(update_fields=["subject"])
    assert found("scanner") == {ticket}
    assert found("jams") == set()


def test_the_newest_come_first_up_to_the_limit(cast):
    made = [services.open_ticket(requester=cast.acme_user, subject=f"Backup {n}") for n in range(5)]
    assert search.search_ticket_ids("backup", limit=3) == [t.pk for t in reversed(made[-3:])]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "AND (",
        "printer AND (",
        "NEAR(a b",
        "subject:printer",
        "*",
        "^printer",
        "-",
        "'",
        "printer' OR 1=1 --",
        "a:b:c",
        "\\",
        "(((",
        "printer OR",
        "NOT",
        "{subject}: x",
        "😀",
        " ",
    ],
)
def test_odd_input_never_breaks_the_search(tickets, query):
    ids = search.search_ticket_ids(query)
    assert isinstance(ids, list)


def test_operators_are_read_as_plain_words(tickets, cast):
    both = services.open_ticket(requester=cast.acme_user, subject="Mouse and keyboard")
    assert found("mouse AND (") == {both}  # "and" is a word of the subject, not an operator
    assert found("printer AND (") == set()  # no "and" in the printer ticket
    assert found("printer OR laptop") == set()
    assert search.search_terms('printer AND ("x*') == ["printer", "and", "x"]
    assert search.fts5_query(["printer", "and"]) == '"printer" "and"'


def test_a_query_of_punctuation_only_finds_nothing(tickets):
    assert search.search_ticket_ids('" ( * :') == []


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("GW-10432", 10432),
        ("gw10432", 10432),
        ("gw 10432", 10432),
        ("#10432", 10432),
        (" 10432 ", 10432),
        ("GW-", None),
        ("printer 10432", None),
        ("10432a", None),
    ],
)
def test_a_ticket_reference_is_recognised(query, number):
    assert search.ticket_number(query) == number


def test_searching_a_reference_jumps_to_the_ticket(as_owner, cast):
    for query in (cast.ticket.reference, str(cast.ticket.number), cast.ticket.reference.lower()):
        response = as_owner.get(QUEUE, {"q": query})
        assert response.status_code == 302
        assert response["Location"] == cast.ticket.get_absolute_url()


def test_with_htmx_the_jump_is_a_client_redirect(as_owner, cast):
    response = as_owner.get(QUEUE, {"q": cast.ticket.reference}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == cast.ticket.get_absolute_url()


def test_a_number_that_is_no_ticket_is_searched_as_text(as_owner, cast):
    ticket = services.open_ticket(requester=cast.fd, subject="Invoice 99999 is wrong")
    response = as_owner.get(QUEUE, {"q": "99999"})
    assert response.status_code == 200
    assert [row.ticket for row in response.context["page"].rows] == [ticket]


def test_the_queue_search_looks_through_every_status_and_keeps_the_filters(as_owner, tickets):
    services.change_status(tickets["printer"], TicketStatus.CLOSED)
    rows = as_owner.get(QUEUE, {"q": "printer"}).context["page"].rows
    assert [row.ticket for row in rows] == [tickets["printer"]]
    open_only = as_owner.get(QUEUE, {"q": "printer", "status": "open"}).context["page"].rows
    assert open_only == []
    other_client = as_owner.get(QUEUE, {"q": "printer", "client": tickets["vpn"].client.pk + 1})
    assert other_client.context["page"].rows == []


def test_the_queue_says_when_nothing_matches(as_owner, tickets):
    html = as_owner.get(QUEUE, {"q": 'fax "machine'}).content.decode()
    assert "No ticket matches “fax &quot;machine”" in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_accents_do_not_matter_on_sqlite(cast):
    ticket = services.open_ticket(requester=cast.acme_user, subject="Café wifi is slow")
    assert found("cafe") == {ticket}
    assert found("CAFÉ") == {ticket}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_the_triggers_are_the_ones_bulk_load_recreates(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'desk_%_fts_%'"
        )
        assert dict(cursor.fetchall()) == search.FTS_TRIGGERS


def test_bulk_load_indexes_everything_once_at_the_end(cast):
    with search.bulk_load():
        loaded = services.open_ticket(
            requester=cast.acme_user, subject="Firewall licence", body="Renew it"
        )
    later = services.open_ticket(requester=cast.acme_user, subject="Firewall rules")
    assert found("firewall") == {loaded, later}
    assert found("renew") == {loaded}
