"""SLA clocks derived from the event log, on UK office hours (Mon–Fri 09:00–17:30, GB/ENG).

The standard policy: P1 60 min / 240 min, P2 120 / 960, P3 240 / 2400, P4 480 / 4800.
"""

from __future__ import annotations

import pytest
import time_machine

from goodwill.contracts.models import SLATarget
from goodwill.desk import services, sla
from goodwill.desk.models import TicketStatus

from .conftest import london

pytestmark = pytest.mark.django_db
# Monday 2 March 2026: no holiday that week.
MON_10 = london(2026, 3, 2, 10, 0)


def open_at(person, at, priority="P1"):
    with time_machine.travel(at, tick=False):
        return services.open_ticket(requester=person, subject="VPN down", priority=priority)


def clocks(ticket, now):
    ticket.refresh_from_db()
    return sla.compute(ticket, ticket.events.all(), now)


def test_deadlines_count_business_minutes_from_the_opening(cedar_user):
    ticket = open_at(cedar_user, MON_10)
    state = clocks(ticket, MON_10)
    assert state.first_response.due_at == london(2026, 3, 2, 11, 0)
    assert state.resolution.due_at == london(2026, 3, 2, 14, 0)
    assert ticket.first_response_due_at == london(2026, 3, 2, 11, 0)


def test_a_friday_afternoon_ticket_is_due_on_monday_morning(cedar_user):
    ticket = open_at(cedar_user, london(2026, 3, 6, 16, 0), priority="P2")
    # 90 minutes on Friday (16:00–17:30), the other 30 from 09:00 on Monday.
    assert clocks(ticket, london(2026, 3, 6, 16, 0)).first_response.due_at == london(
        2026, 3, 9, 9, 30
    )


def test_waiting_on_the_client_pauses_and_resuming_keeps_consumed_time(cast, cedar_user):
    ticket = open_at(cedar_user, MON_10)
    services.change_status(
        ticket, TicketStatus.WAITING_CLIENT, by_user=cast.tech, at=london(2026, 3, 2, 10, 30)
    )
    paused = clocks(ticket, london(2026, 3, 2, 12, 0))
    assert paused.first_response.state == "paused"
    assert paused.first_response.due_at is None
    assert paused.first_response.consumed_seconds == 30 * 60
    services.reply(ticket, "Here is the log", by_person=cedar_user, at=london(2026, 3, 2, 13, 0))
    resumed = clocks(ticket, london(2026, 3, 2, 13, 0))
    assert resumed.first_response.state == "running"
    assert resumed.first_response.due_at == london(2026, 3, 2, 13, 30)  # 30 of 60 were left
    assert resumed.first_response.paused_seconds == {"waiting_client": int(2.5 * 3600)}


def test_reopening_resumes_the_resolution_clock_without_resetting_it(cast, cedar_user):
    ticket = open_at(cedar_user, MON_10)
    services.reply(ticket, "Fixed", by_user=cast.tech, at=london(2026, 3, 2, 10, 20))
    services.change_status(
        ticket, TicketStatus.RESOLVED, by_user=cast.tech, at=london(2026, 3, 2, 11, 0)
    )
    done = clocks(ticket, london(2026, 3, 2, 15, 0))
    assert done.resolution.state == "met"
    assert done.first_response.state == "met"
    services.reply(ticket, "Broken again", by_person=cedar_user, at=london(2026, 3, 2, 15, 0))
    state = clocks(ticket, london(2026, 3, 2, 15, 0))
    assert ticket.status == TicketStatus.OPEN
    # 60 of 240 minutes were used before the resolution; 180 remain from 15:00:
    # 150 today (to 17:30) and 30 on Tuesday.
    assert state.resolution.consumed_seconds == 60 * 60
    assert state.resolution.due_at == london(2026, 3, 3, 9, 30)
    assert state.first_response.state == "met"  # a first response happens once


def test_a_missed_first_response_is_a_breach_at_the_deadline(cedar_user):
    ticket = open_at(cedar_user, MON_10)
    state = clocks(ticket, london(2026, 3, 2, 12, 0))
    assert state.first_response.state == "breached"
    assert state.first_response.breached_at == london(2026, 3, 2, 11, 0)
    assert state.resolution.state == "running"


def test_the_cache_on_the_ticket_follows_the_clocks(cedar_user):
    ticket = open_at(cedar_user, MON_10)
    with time_machine.travel(london(2026, 3, 2, 12, 0), tick=False):
        sla.refresh(ticket)
    assert ticket.sla_breached is True
    assert ticket.first_response_due_at == london(2026, 3, 2, 11, 0)


def test_key_people_get_the_tighter_targets(cast, cedar_boss, cedar_user):
    SLATarget.objects.filter(policy=cast.policy, priority="P1").update(
        key_first_response_minutes=30
    )
    boss_ticket = open_at(cedar_boss, MON_10)
    user_ticket = open_at(cedar_user, MON_10)
    assert boss_ticket.requester_role == "decision_maker"
    assert boss_ticket.first_response_due_at == london(2026, 3, 2, 10, 30)
    assert user_ticket.first_response_due_at == london(2026, 3, 2, 11, 0)


def test_the_boss_goes_ahead_of_an_earlier_deadline_by_the_configured_weight(
    cedar_boss, cedar_user, settings
):
    settings.GOODWILL_QUEUE_WEIGHTS = {"decision_maker": 240}
    user_p1 = open_at(cedar_user, MON_10, priority="P1")  # due 11:00
    boss_p2 = open_at(cedar_boss, MON_10, priority="P2")  # due 12:00, minus 4 h
    assert boss_p2.queue_key < user_p1.queue_key
    settings.GOODWILL_QUEUE_WEIGHTS = {}
    with time_machine.travel(MON_10, tick=False):
        sla.refresh(boss_p2)
    assert boss_p2.queue_key > user_p1.queue_key


def test_paused_tickets_have_no_place_in_the_urgent_order(cast, cedar_user):
    ticket = open_at(cedar_user, MON_10)
    with time_machine.travel(london(2026, 3, 2, 10, 5), tick=False):
        services.change_status(ticket, TicketStatus.WAITING_THIRD_PARTY, by_user=cast.tech)
    assert ticket.queue_key is None
    assert ticket.sla_paused is True


def test_without_an_sla_policy_there_are_no_deadlines(cast):
    with time_machine.travel(MON_10, tick=False):
        cast.birch_contract.sla_policy = None
        cast.birch_contract.save()
        ticket = services.open_ticket(requester=cast.birch_user, subject="Printer")
    assert ticket.first_response_due_at is None
    state = clocks(ticket, MON_10)
    assert state.first_response.state == "none"
    assert ticket.queue_key is not None  # it still has a place in the queue


def test_changing_priority_moves_the_deadlines(cast, cedar_user):
    ticket = open_at(cedar_user, MON_10, priority="P3")
    assert ticket.first_response_due_at == london(2026, 3, 2, 14, 0)
    with time_machine.travel(MON_10, tick=False):
        services.change_priority(ticket, "P1", by_user=cast.tech)
    assert ticket.first_response_due_at == london(2026, 3, 2, 11, 0)


def test_a_bank_holiday_is_skipped(cedar_user):
    # Friday 3 April 2026 is Good Friday, Monday 6 April Easter Monday (England).
    ticket = open_at(cedar_user, london(2026, 4, 2, 17, 0), priority="P2")
    assert ticket.first_response_due_at == london(2026, 4, 7, 10, 30)  # 30 min Thu + 90 Tue
