"""The staff queue: tabs, filters, order, why each ticket is where it is, pages, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.desk import services
from goodwill.desk.models import Ticket, TicketStatus
from goodwill.desk.queue import (
    COUNT_CAP,
    Cursor,
    QueueFilters,
    duration_words,
    queue_page,
    tab_counts,
    why,
)

from .conftest import london

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:queue")
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def make(requester, subject="Printer jammed", *, status=None, **cache) -> Ticket:
    """A ticket opened through the services, its SLA cache then pinned to what the test needs."""
    ticket = services.open_ticket(requester=requester, subject=subject)
    if status:
        services.change_status(ticket, status)
    if cache:
        Ticket.objects.filter(pk=ticket.pk).update(**cache)
    ticket.refresh_from_db()
    return ticket


def shown(response) -> list[Ticket]:
    return [row.ticket for row in response.context["page"].rows]


def only(tickets, among) -> list[Ticket]:
    wanted = {t.pk for t in among}
    return [t for t in tickets if t.pk in wanted]


@pytest.fixture
def quiet(cast):
    """The cast's own ticket out of the way (closed), so counts are the test's own."""
    services.change_status(cast.ticket, TicketStatus.CLOSED)
    return cast


# --- Order ----------------------------------------------------------------------------------


def test_it_shows_the_most_urgent_first_and_paused_tickets_last(as_owner, quiet):
    now = timezone.now()
    later = make(quiet.acme_user, "Later", queue_key=now + 5 * H)
    sooner = make(quiet.acme_user, "Sooner", queue_key=now + H)
    paused = make(quiet.acme_user, "Paused", status=TicketStatus.WAITING_CLIENT)
    assert paused.queue_key is None
    assert shown(as_owner.get(QUEUE)) == [sooner, later, paused]


def test_a_bosss_ticket_with_a_later_deadline_goes_ahead_of_a_plain_users(
    as_owner, cast, cedar_boss, cedar_user, settings
):
    # Real SLA clocks: the plain user's ticket is due 30 minutes earlier, but the boss's
    # weight (the configured 240 minutes) brings theirs forward past it.
    settings.GOODWILL_QUEUE_WEIGHTS = {**settings.GOODWILL_QUEUE_WEIGHTS, "decision_maker": 240}
    with time_machine.travel(london(2026, 3, 2, 9, 30), tick=False):
        plain = services.open_ticket(requester=cedar_user, subject="Mouse", priority="P3")
    with time_machine.travel(london(2026, 3, 2, 10, 0), tick=False):
        boss = services.open_ticket(requester=cedar_boss, subject="Laptop", priority="P3")
        assert boss.first_response_due_at > plain.first_response_due_at
        assert boss.queue_key == boss.first_response_due_at - dt.timedelta(minutes=240)
        order = only(shown(as_owner.get(QUEUE)), [boss, plain])
    assert order == [boss, plain]


def test_a_smaller_weight_no_longer_lets_the_boss_jump_the_queue(
    cast, cedar_boss, cedar_user, settings
):
    settings.GOODWILL_QUEUE_WEIGHTS = {**settings.GOODWILL_QUEUE_WEIGHTS, "decision_maker": 10}
    with time_machine.travel(london(2026, 3, 2, 9, 30), tick=False):
        plain = services.open_ticket(requester=cedar_user, subject="Mouse", priority="P3")
    with time_machine.travel(london(2026, 3, 2, 10, 0), tick=False):
        boss = services.open_ticket(requester=cedar_boss, subject="Laptop", priority="P3")
        order = only([r.ticket for r in queue_page(QueueFilters(), cast.owner).rows], [boss, plain])
    assert order == [plain, boss]


def test_equal_deadlines_fall_back_to_the_older_ticket(as_owner, quiet):
    key = timezone.now() + H
    first = make(quiet.acme_user, "First", queue_key=key)
    second = make(quiet.acme_user, "Second", queue_key=key)
    assert shown(as_owner.get(QUEUE)) == [first, second]


# --- Tabs -----------------------------------------------------------------------------------


@pytest.fixture
def spread(quiet):
    """One ticket for each tab's reason, and a finished one that no tab shows."""
    now = timezone.now()
    c = quiet
    return {
        "mine": make(c.acme_user, "Mine", assignee=c.tech, queue_key=now + 9 * H),
        "unassigned": make(c.acme_user, "Nobody's", queue_key=now + 8 * H),
        "due_soon": make(
            c.acme_user,
            "Due soon",
            assignee=c.manager,
            first_response_due_at=now + 30 * MIN,
            resolution_due_at=now + 5 * H,
            queue_key=now + 30 * MIN,
        ),
        "breached": make(
            c.acme_user,
            "Breached",
            assignee=c.manager,
            first_response_due_at=now - 2 * H,
            resolution_due_at=now + 5 * H,
            queue_key=now - 2 * H,
        ),
        "flagged": make(
            c.acme_user,
            "Breached earlier, answered since",
            assignee=c.manager,
            resolution_due_at=now + 6 * H,
            sla_breached=True,
            queue_key=now + 6 * H,
        ),
        "paused_breached": make(
            c.acme_user,
            "Breached, now waiting",
            status=TicketStatus.WAITING_CLIENT,
            assignee=c.manager,
            sla_breached=True,
        ),
        "done": make(c.acme_user, "Done", status=TicketStatus.RESOLVED, assignee=c.tech),
    }


def tab(http, name, **params):
    return set(shown(http.get(QUEUE, {"tab": name, **params})))


def test_my_tickets_are_the_open_ones_assigned_to_me(login, spread, quiet):
    assert tab(login(quiet.tech), "mine") == {spread["mine"]}


def test_unassigned_are_the_open_ones_nobody_has(as_owner, spread):
    assert tab(as_owner, "unassigned") == {spread["unassigned"]}


def test_all_open_is_every_open_ticket(as_owner, spread):
    assert tab(as_owner, "open") == {t for k, t in spread.items() if k != "done"}


def test_due_soon_has_a_deadline_within_the_window_and_nothing_overdue(as_owner, spread, settings):
    settings.GOODWILL_SLA_DUE_SOON_MINUTES = 60
    assert tab(as_owner, "due_soon") == {spread["due_soon"]}
    settings.GOODWILL_SLA_DUE_SOON_MINUTES = 20
    assert tab(as_owner, "due_soon") == set()


def test_a_paused_ticket_is_never_due_soon(as_owner, quiet):
    now = timezone.now()
    make(
        quiet.acme_user,
        "Waiting",
        status=TicketStatus.WAITING_CLIENT,
        first_response_due_at=now + 10 * MIN,
        sla_paused=True,
        queue_key=now + 10 * MIN,
    )
    assert tab(as_owner, "due_soon") == set()


def test_breached_has_overdue_and_flagged_tickets_paused_ones_last(as_owner, spread):
    rows = shown(as_owner.get(QUEUE, {"tab": "breached"}))
    assert rows == [spread["breached"], spread["flagged"], spread["paused_breached"]]


def test_tabs_count_open_tickets_each(spread, quiet):
    counts = {t.key: t.count for t in tab_counts(quiet.tech)}
    assert counts == {"mine": 1, "unassigned": 1, "open": 6, "due_soon": 1, "breached": 3}


def test_tab_counts_stop_at_the_cap_and_say_so(quiet, monkeypatch):
    monkeypatch.setattr("goodwill.desk.queue.COUNT_CAP", 3)
    for n in range(4):
        make(quiet.acme_user, f"Ticket {n}", queue_key=timezone.now() + n * H)
    tabs = {t.key: t for t in tab_counts(quiet.tech)}
    assert tabs["open"].count == 3
    assert tabs["open"].display == "2+"
    assert tabs["mine"].display == "0"
    assert COUNT_CAP == 100  # the real cap shows "99+"


def test_the_tabs_are_links_that_keep_the_filters(as_owner, cast):
    response = as_owner.get(QUEUE, {"priority": "P1", "tab": "mine"})
    html = response.content.decode()
    assert 'href="/tickets/?tab=breached&amp;priority=P1"' in html
    assert 'href="/tickets/?priority=P1"' in html  # All open is the default tab
    assert re.search(r'class="nav-link active"[^>]*>\s*My tickets', html)


# --- Filters --------------------------------------------------------------------------------


def test_it_filters_by_client(as_owner, quiet):
    birch = make(quiet.birch_user, "Birch's")
    acme = make(quiet.acme_user, "Acme's")
    assert tab(as_owner, "open", client=quiet.birch.pk) == {birch}
    assert tab(as_owner, "open", client=quiet.acme.pk) == {acme}


def test_it_shows_open_statuses_by_default_and_others_on_request(as_owner, quiet):
    new = make(quiet.acme_user, "New")
    waiting = make(quiet.acme_user, "Waiting", status=TicketStatus.WAITING_THIRD_PARTY)
    resolved = make(quiet.acme_user, "Resolved", status=TicketStatus.RESOLVED)
    closed = quiet.ticket
    assert tab(as_owner, "open") == {new, waiting}
    assert tab(as_owner, "open", status="waiting_third_party") == {waiting}
    assert tab(as_owner, "open", status="new") == {new}
    assert tab(as_owner, "open", status="resolved") == {resolved}
    assert tab(as_owner, "open", status="closed") == {closed}
    assert tab(as_owner, "open", status="done") == {resolved, closed}
    assert tab(as_owner, "open", status="any") == {new, waiting, resolved, closed}


def test_finished_tickets_come_newest_first(as_owner, quiet):
    older = make(quiet.acme_user, "Older", status=TicketStatus.CLOSED)
    newer = make(quiet.acme_user, "Newer", status=TicketStatus.CLOSED)
    assert only(shown(as_owner.get(QUEUE, {"status": "closed"})), [older, newer]) == [newer, older]


def test_it_filters_by_priority(as_owner, quiet):
    p1 = make(quiet.acme_user, "Server down", priority="P1")
    make(quiet.acme_user, "Mouse", priority="P4")
    assert tab(as_owner, "open", priority="P1") == {p1}


def test_it_filters_by_assignee_or_nobody(as_owner, quiet):
    tess = make(quiet.acme_user, "Tess's", assignee=quiet.tech)
    nobody = make(quiet.acme_user, "Nobody's")
    assert tab(as_owner, "open", assignee=quiet.tech.pk) == {tess}
    assert tab(as_owner, "open", assignee="none") == {nobody}


@pytest.mark.parametrize(
    ("role", "who"),
    [
        ("boss", {"boss"}),
        ("pa", {"pa"}),
        ("fd", {"fd"}),
        ("complainer", {"complainer"}),
        ("key", {"boss", "pa", "fd", "complainer"}),
        ("plain", {"acme_user"}),
        ("", {"boss", "pa", "fd", "complainer", "acme_user"}),
    ],
)
def test_it_filters_by_the_requesters_role(as_owner, quiet, role, who):
    tickets = {
        name: make(getattr(quiet, name), name)
        for name in ("boss", "pa", "fd", "complainer", "acme_user")
    }
    assert tab(as_owner, "open", role=role) == {tickets[name] for name in who}


def test_unknown_filter_values_are_ignored_not_passed_to_the_database(as_owner, quiet):
    ticket = make(quiet.acme_user, "Anything")
    response = as_owner.get(
        QUEUE,
        {
            "tab": "everything",
            "client": "1 OR 1=1",
            "status": "deleted",
            "priority": "P9",
            "assignee": "²",
            "role": "ceo",
            "client__name__startswith": "A",
            "after": "garbage",
        },
    )
    assert response.status_code == 200
    assert shown(response) == [ticket]
    assert response.context["filters"] == QueueFilters()


def test_filters_read_through_an_allow_list():
    parsed = QueueFilters.from_query(
        {
            "tab": "breached",
            "client": "12",
            "status": "closed",
            "priority": "P2",
            "assignee": "7",
            "role": "fd",
        }
    )
    assert parsed == QueueFilters(
        tab="breached", client=12, status="closed", priority="P2", assignee="7", role="fd"
    )
    assert parsed.params(tab="open") == {
        "client": "12",
        "status": "closed",
        "priority": "P2",
        "assignee": "7",
        "role": "fd",
    }


# --- Why each ticket is where it is ---------------------------------------------------------

NOW = london(2026, 3, 2, 10, 0)


def ticket_with(**fields) -> Ticket:
    return Ticket(**{"status": TicketStatus.OPEN, "opened_at": NOW - 2 * H, **fields})


def test_why_names_the_boss_and_the_first_response_deadline():
    reason = why(
        ticket_with(
            requester_role="decision_maker",
            first_response_due_at=NOW + 40 * MIN,
            resolution_due_at=NOW + 5 * H,
        ),
        NOW,
    )
    assert reason.text == "Boss · first response due in 40 min"
    assert reason.level == "soon"
    assert reason.title == "Mon 2 Mar 2026, 10:40"


def test_why_names_the_complainer_and_the_resolution_deadline():
    reason = why(ticket_with(requester_role="complainer", resolution_due_at=NOW + 2 * H), NOW)
    assert reason.text == "Complainer · resolution due in 2 h"
    assert reason.level == ""


def test_why_says_how_long_ago_a_deadline_passed():
    reason = why(ticket_with(first_response_due_at=NOW - 3 * H, resolution_due_at=NOW + H), NOW)
    assert reason.text == "first response breached 3 h ago"
    assert reason.level == "breached"


def test_why_says_a_paused_ticket_waits_on_the_client():
    reason = why(
        ticket_with(
            status=TicketStatus.WAITING_CLIENT, requester_role="gatekeeper", sla_paused=True
        ),
        NOW,
    )
    assert reason.text == "PA · paused: waiting on client"
    assert reason.level == "paused"


def test_why_remembers_an_earlier_breach():
    reason = why(
        ticket_with(requester_role="billing", resolution_due_at=NOW + 5 * H, sla_breached=True), NOW
    )
    assert reason.text == "FD · resolution due in 5 h · SLA breached"
    assert reason.level == "breached"


def test_why_names_the_day_for_a_later_deadline():
    reason = why(ticket_with(resolution_due_at=london(2026, 3, 3, 10, 0)), NOW)
    assert reason.text == "resolution due tomorrow 10:00"
    assert why(ticket_with(resolution_due_at=london(2026, 3, 5, 14, 30)), NOW).text == (
        "resolution due Thu 14:30"
    )


def test_why_without_an_sla_says_so():
    assert why(ticket_with(), NOW).text == "no SLA · opened 2 h ago"


def test_why_for_a_finished_ticket_says_when():
    done = ticket_with(status=TicketStatus.RESOLVED, resolved_at=NOW - 25 * H)
    assert why(done, NOW).text == "resolved 25 h ago"
    assert why(done, NOW).level == "done"


def test_durations_read_like_people_say_them():
    assert [duration_words(s * 60) for s in (0, 40, 90, 180, 47 * 60, 72 * 60)] == [
        "1 min",
        "40 min",
        "1 h 30 min",
        "3 h",
        "47 h",
        "3 d",
    ]


def test_each_row_shows_why_in_colour_with_the_time_on_hover(as_owner, quiet):
    now = timezone.now()
    make(quiet.boss, "VPN", first_response_due_at=now + 40 * MIN, queue_key=now)
    html = as_owner.get(QUEUE).content.decode()
    assert re.search(
        r'<span class="gw-why soon" title="[^"]+">Boss · first response due in (39|40) min', html
    )
    assert "is-soon" in html


# --- Pages ----------------------------------------------------------------------------------


def test_pages_follow_each_other_without_duplicates_or_gaps(as_owner, quiet):
    now = timezone.now()
    expected = []
    # Ties on queue_key across a page boundary, then paused tickets without a key.
    for n in range(70):
        expected.append(make(quiet.acme_user, f"Keyed {n}", queue_key=now + (n // 3) * MIN))
    for n in range(40):
        expected.append(make(quiet.acme_user, f"Paused {n}", status=TicketStatus.WAITING_CLIENT))
    expected.sort(key=lambda t: (t.queue_key is None, t.queue_key or now, t.pk))
    seen, url, pages = [], QUEUE, 0
    while url:
        response = as_owner.get(url)
        seen += shown(response)
        url = response.context["next_url"]
        pages += 1
    assert pages == 3
    assert seen == expected


def test_a_page_has_fifty_rows_and_a_link_to_the_next(as_owner, quiet):
    for n in range(51):
        make(quiet.acme_user, f"T{n}", queue_key=timezone.now() + n * MIN)
    response = as_owner.get(QUEUE)
    assert len(shown(response)) == 50
    assert 'rel="next"' in response.content.decode()
    assert "offset" not in response.context["next_url"]
    second = as_owner.get(response.context["next_url"])
    assert len(shown(second)) == 1
    assert "Back to the top" in second.content.decode()


def test_cursors_survive_the_round_trip():
    key = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
    for cursor in (Cursor(key, 42), Cursor(None, 7)):
        assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode("k99999999999999999999.1") is None
    assert Cursor.decode("x.1") is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_each_first_page_walks_a_partial_index_in_order_on_sqlite(quiet):
    # A history of finished tickets and a few open ones, with statistics, like a real install.
    now = timezone.now()
    common = {"client": quiet.acme, "requester": quiet.acme_user, "subject": "Old"}
    Ticket.objects.bulk_create(
        [Ticket(status=TicketStatus.CLOSED, number=20000 + n, **common) for n in range(500)]
        + [
            Ticket(queue_key=now + n * MIN, assignee=quiet.tech, number=30000 + n, **common)
            for n in range(20)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    views = {
        "ticket_queue_open": [
            QueueFilters(),
            QueueFilters(tab="due_soon"),
            QueueFilters(priority="P1"),
        ],
        "ticket_queue_assignee_open": [QueueFilters(tab="mine"), QueueFilters(tab="unassigned")],
        "ticket_queue_client_open": [QueueFilters(client=quiet.acme.pk)],
    }
    for index, filters_list in views.items():
        for filters in filters_list:
            captured.clear()
            with connection.execute_wrapper(capture):
                queue_page(filters, quiet.tech)
            for sql, params in captured:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = " ".join(row[3] for row in cursor.fetchall())
                assert f"USING INDEX {index} " in plan, (filters, plan)
                assert "TEMP B-TREE" not in plan, plan


# --- The page -------------------------------------------------------------------------------


def _queries(http) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(QUEUE).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_page(
    as_owner, quiet, django_assert_max_num_queries
):
    for n in range(5):
        make(quiet.acme_user, f"T{n}", assignee=quiet.tech, queue_key=timezone.now() + n * MIN)
    with django_assert_max_num_queries(12):
        few = _queries(as_owner)
    for n in range(55):
        make(quiet.boss, f"U{n}", assignee=quiet.manager, queue_key=timezone.now() + n * MIN)
    with django_assert_max_num_queries(few):
        _queries(as_owner)


def test_htmx_gets_the_rows_and_the_tabs_in_place(as_owner, cast):
    response = as_owner.get(QUEUE, {"tab": "mine"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert (
        'id="queue-tabs" class="gw-queue-tabs mb-2" aria-label="Queues" hx-swap-oob="true"' in html
    )
    assert 'id="queue-tab" name="tab" value="mine" hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_the_page_works_without_javascript(as_owner, cast):
    html = as_owner.get(QUEUE).content.decode()
    assert re.search(r'<form id="queue-filters"[^>]* method="get" action="/tickets/"', html)
    assert f'href="{cast.ticket.get_absolute_url()}"' in html
    assert "<noscript><button" in html


def test_the_page_names_the_keyboard_shortcuts(as_owner):
    html = as_owner.get(QUEUE).content.decode()
    assert "<kbd>j</kbd> <kbd>k</kbd> move" in html
    assert "desk/queue.js" in html


def test_tickets_is_in_the_main_navigation(as_owner):
    response = as_owner.get(reverse("dashboard"))
    assert {"label": "Tickets", "url": QUEUE, "icon": "inbox", "active": False} in response.context[
        "main_nav"
    ]
    assert any(
        i["label"] == "Tickets" and i["active"] for i in as_owner.get(QUEUE).context["main_nav"]
    )


def test_a_bookkeeper_sees_the_queue_without_checkboxes(as_bookkeeper, cast):
    response = as_bookkeeper.get(QUEUE)
    assert response.status_code == 200
    assert cast.ticket in shown(response)
    assert 'name="ticket"' not in response.content.decode()
    assert 'action="/tickets/bulk/"' in response.content.decode()  # the form, with no actions
    assert 'value="assign"' not in response.content.decode()


def test_someone_without_a_staff_role_cannot_see_the_queue(login, cast):
    portal = User.objects.create_user(username="maria", password="x" * 20)
    assert login(portal).get(QUEUE).status_code == 403
