"""The ticket page: what it shows, to whom, and the SLA clocks in words and colours."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from goodwill.core import business_hours as bh
from goodwill.desk import services
from goodwill.desk.models import Ticket, TicketEvent
from goodwill.desk.ticket_page import duration_text, event_sentence

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def page(http, ticket: Ticket) -> str:
    response = http.get(reverse("desk:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def clocks(http, ticket: Ticket) -> str:
    response = http.get(reverse("desk:clocks", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def clock_block(html: str, name: str) -> str:
    """The one clock's markup, whitespace squeezed."""
    match = re.search(
        rf'<div class="gw-clock [^"]*" data-clock="{name}".*?</div>\s*</div>', html, re.S
    )
    assert match, f"no {name} clock in {html}"
    return " ".join(match.group(0).split())


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def working_morning(cast) -> dt.datetime:
    """09:00 London on a recent Tuesday that is a working day under Acme's contract."""
    spec = bh.spec_for_calendar(cast.calendar)
    day = timezone.localdate() - dt.timedelta(days=7)
    while True:
        day -= dt.timedelta(days=(day.weekday() - 1) % 7)  # back to a Tuesday
        morning = dt.datetime.combine(day, dt.time(9), tzinfo=LONDON)
        if bh.is_business_time(spec, morning + dt.timedelta(minutes=1)) and bh.is_business_time(
            spec, morning + dt.timedelta(hours=8)
        ):
            return morning
        day -= dt.timedelta(days=1)


@pytest.fixture
def p2(cast, working_morning) -> Ticket:
    """A P2 (first response 2 h, resolution 16 h) from a plain user, opened at 09:00."""
    return services.open_ticket(
        requester=cast.acme_user,
        subject="Scanner offline at reception",
        body="The scanner says offline.",
        impact=1,
        urgency=2,
        opened_at=working_morning,
    )


# --- What the page shows ------------------------------------------------------------------------


def test_the_header_names_reference_subject_status_priority_client_and_requester(as_tech, cast):
    html = page(as_tech, cast.ticket)
    assert cast.ticket.reference in html
    assert "VPN down for the whole office" in html
    assert 'class="gw-tstatus new"' in html and ">New<" in html
    assert 'class="gw-priority P2 p2"' in html
    assert "Acme Dental" in html and "Maria Shaw" in html
    assert "<title>" in html and f"{cast.ticket.reference} VPN down" in html


def test_public_replies_internal_notes_and_the_client_look_different(as_tech, cast):
    services.reply(cast.ticket, "We are on it.", by_user=cast.tech)
    services.add_note(cast.ticket, "Tunnel flapping since 07:50.", by_user=cast.tech)
    html = page(as_tech, cast.ticket)
    assert re.search(r'class="gw-msg client".*?Nobody can reach', html, re.S)
    assert re.search(r'class="gw-msg staff".*?Staff reply.*?We are on it', html, re.S)
    assert re.search(r'class="gw-msg note".*?Internal note.*?Tunnel flapping', html, re.S)


def test_times_are_relative_with_the_exact_moment_on_hover(as_tech, cast):
    html = page(as_tech, cast.ticket)
    local = timezone.localtime(cast.ticket.opened_at)
    assert re.search(r'<time datetime="[^"]+" title="[^"]*\d{4}, \d\d:\d\d">just now</time>', html)
    assert local.strftime("%H:%M") in html


def test_files_are_listed_with_their_size_and_a_download_link(as_tech, cast):
    message = services.reply(cast.ticket, "The log.", by_user=cast.tech)
    upload = SimpleUploadedFile("firewall.log", b"x" * 3 * 1024, content_type="text/plain")
    attachment = services.attach(cast.ticket, upload, by_user=cast.tech, message=message)
    html = page(as_tech, cast.ticket)
    link = reverse("desk:attachment", args=[attachment.pk])
    assert f'href="{link}" download>firewall.log</a>' in html
    assert "3 KB" in html


def test_the_requester_card_shows_roles_contact_last_contact_and_happiness(as_tech, cast):
    from goodwill.happiness import scores


    cast.boss.last_contact_at = timezone.now() - dt.timedelta(days=3)
    cast.boss.phone = "020 7946 0001"
    cast.boss.save()
    scores.recompute_all()
    html = page(as_tech, cast.ticket)
    card = html[html.index('id="requester-h"') :]
    card = card[: card.index("</section>")]
    assert "Managing director" in card
    assert '<span class="gw-role decision_maker">The boss</span>' in card
    assert "maria@acme.test" in card and "020 7946 0001" in card
    assert "Last contact" in card and "<time" in card
    band = cast.boss.happiness.band
    assert f"gw-band-{band}" in card and "not scored yet" not in card.lower()


def test_the_clients_other_open_tickets_are_listed_and_nobody_elses(as_tech, cast):
    other = services.open_ticket(requester=cast.complainer, subject="Printer again")
    done = services.open_ticket(requester=cast.pa, subject="Old and resolved")
    services.change_status(done, "resolved", by_user=cast.tech)
    services.open_ticket(requester=cast.birch_user, subject="Birch's own problem")
    html = page(as_tech, cast.ticket)
    assert other.reference in html and "Printer again" in html
    assert "Old and resolved" not in html
    assert "Birch&#x27;s own problem" not in html and "Birch's own problem" not in html


def test_the_history_reads_as_sentences_newest_first(as_tech, cast):
    services.change_status(cast.ticket, "waiting_client", by_user=cast.tech)
    services.change_priority(cast.ticket, "P1", by_user=cast.owner)
    html = page(as_tech, cast.ticket)
    history = html[html.index('id="ticket-history"') :]
    assert history.index("Olivia Owner changed priority from P2 to P1") < history.index(
        "Tess Tech set status to Waiting on client"
    )
    assert history.index("Tess Tech set status") < history.index(
        "Maria Shaw opened the ticket by e-mail"
    )


def test_breaches_read_plainly_in_the_history(cast):
    event = TicketEvent(ticket=cast.ticket, kind="sla_breached", data={"clock": "first_response"})
    assert event_sentence(event) == "SLA breached: first response"
    event = TicketEvent(ticket=cast.ticket, kind="sla_due_soon", data={"clock": "resolution"})
    assert event_sentence(event) == "SLA due soon: resolution"


def test_time_entries_show_the_total_and_the_covered_billable_split(as_tech, cast):
    services.log_time(cast.ticket, 90, by_user=cast.tech, note="Rebuilt the tunnel")
    services.log_time(cast.ticket, 30, by_user=cast.tech, billable=True, note="Site visit")
    html = page(as_tech, cast.ticket)
    section = html[html.index('id="time"') :]
    assert "<strong>2 h</strong>" in section
    assert "1 h 30 min covered · 30 min billable" in section
    assert "Rebuilt the tunnel" in section and "Site visit" in section


def test_a_bookkeeper_sees_the_page_but_no_composer_or_controls(as_bookkeeper, cast):
    html = page(as_bookkeeper, cast.ticket)
    assert "VPN down for the whole office" in html
    assert 'id="composer"' not in html
    assert 'id="ticket-controls"' not in html
    assert reverse("desk:time", args=[cast.ticket.number]) not in html
    assert reverse("desk:merge", args=[cast.ticket.number]) not in html
    assert "/split/" not in html


def test_a_technician_gets_the_composer_and_the_controls(as_tech, cast):
    html = page(as_tech, cast.ticket)
    assert 'id="composer"' in html and 'id="ticket-controls"' in html
    assert 'value="waiting_client">Send · Waiting on client</button>' in html


def test_an_unknown_ticket_is_not_found(as_tech, cast):
    assert as_tech.get(reverse("desk:ticket", args=[99])).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(as_tech, cast, django_assert_max_num_queries):
    url = reverse("desk:ticket", args=[cast.ticket.number])
    as_tech.get(url)
    for i in range(6):
        message = services.reply(cast.ticket, f"Reply {i}", by_user=cast.tech)
        services.attach(
            cast.ticket, SimpleUploadedFile(f"f{i}.txt", b"x"), by_user=cast.tech, message=message
        )
        services.log_time(cast.ticket, 5, by_user=cast.tech)
        services.open_ticket(requester=cast.pa, subject=f"Other {i}")
    # 14 today: session, user, ticket, events, messages, files, time, tags, roles, others, staff…
    with django_assert_max_num_queries(20):
        as_tech.get(url)


# --- SLA clocks ---------------------------------------------------------------------------------


def test_the_page_refreshes_the_clocks_every_minute(as_tech, cast):
    html = page(as_tech, cast.ticket)
    url = reverse("desk:clocks", args=[cast.ticket.number])
    assert f'hx-get="{url}" hx-trigger="every 60s"' in html


def test_a_running_clock_counts_down_in_green(as_tech, p2, working_morning):
    with time_machine.travel(working_morning + dt.timedelta(minutes=30), tick=False):
        html = clocks(as_tech, p2)
    first = clock_block(html, "first_response")
    assert 'class="gw-clock green"' in first
    assert "Due in 1 h 30 min" in first
    assert 'data-tick="due"' in first
    assert "</html>" not in html


def test_a_clock_due_within_the_hour_turns_amber(as_tech, p2, working_morning):
    with time_machine.travel(working_morning + dt.timedelta(minutes=75), tick=False):
        first = clock_block(clocks(as_tech, p2), "first_response")
    assert 'class="gw-clock amber"' in first
    assert "Due in 45 min" in first


def test_a_breached_clock_is_red_and_says_since_when(as_tech, p2, working_morning):
    with time_machine.travel(working_morning + dt.timedelta(hours=2, minutes=30), tick=False):
        first = clock_block(clocks(as_tech, p2), "first_response")
    assert 'class="gw-clock red"' in first
    assert "Breached 30 min ago" in first


def test_a_met_clock_says_how_quickly(as_tech, cast, p2, working_morning):
    services.reply(p2, "On it.", by_user=cast.tech, at=working_morning + dt.timedelta(minutes=35))
    with time_machine.travel(working_morning + dt.timedelta(hours=1), tick=False):
        first = clock_block(clocks(as_tech, p2), "first_response")
    assert 'class="gw-clock met"' in first
    assert "Met in 35 min" in first


def test_waiting_on_the_client_shows_a_grey_paused_clock_and_for_how_long(
    as_tech, cast, p2, working_morning
):
    at = working_morning + dt.timedelta(minutes=35)
    services.reply(p2, "Can you restart it?", by_user=cast.tech, at=at)
    services.change_status(p2, "waiting_client", by_user=cast.tech, at=at)
    with time_machine.travel(at + dt.timedelta(hours=2, minutes=10), tick=False):
        resolution = clock_block(clocks(as_tech, p2), "resolution")
    assert 'class="gw-clock grey"' in resolution
    assert "Paused 2 h 10 min waiting on client" in resolution
    # 35 minutes of the 16 hours were used before the pause.
    assert "15 h 25 min of business time left" in resolution


def test_a_ticket_without_a_contract_has_no_sla_and_stops_refreshing(as_tech, cast):
    cast.birch_contract.delete()
    ticket = services.open_ticket(requester=cast.birch_user, subject="No contract here")
    html = clocks(as_tech, ticket)
    assert "No SLA" in html and "No contract covers this ticket" in html
    assert "hx-trigger" not in html


def test_durations_read_like_people_say_them():
    assert duration_text(20) == "under a minute"
    assert duration_text(35 * 60) == "35 min"
    assert duration_text(2 * 3600 + 600) == "2 h 10 min"
    assert duration_text(3 * 3600) == "3 h"
    assert duration_text(76 * 3600) == "3 d 4 h"


def test_the_clocks_fragment_needs_tickets_view(cast, login):
    from goodwill.accounts.models import User

    portal = User.objects.create_user(username="someone", password="x" * 20)
    url = reverse("desk:clocks", args=[cast.ticket.number])
    assert login(portal).get(url).status_code == 403
