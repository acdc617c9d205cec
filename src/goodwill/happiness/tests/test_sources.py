"""Each signal source: a desk action (or another app's record_signal) leaves the right signal,
once, on the right person, and their score follows at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from goodwill.desk import services as desk
from goodwill.desk.models import TicketStatus
from goodwill.happiness.models import PersonScore, Signal, SignalKind
from goodwill.happiness.signals import record_signal

pytestmark = pytest.mark.django_db


def kinds(person) -> list[str]:
    return sorted(Signal.objects.filter(person=person).values_list("kind", flat=True))


def test_opening_a_ticket_records_opened_and_the_tone_of_its_first_message(cast):
    # The cast's ticket was opened by the boss by e-mail, with a body.
    signals = Signal.objects.filter(person=cast.boss)
    assert {s.kind for s in signals} == {SignalKind.TICKET_OPENED, SignalKind.SENTIMENT}
    opened = signals.get(kind=SignalKind.TICKET_OPENED)
    assert opened.source == f"ticket:{cast.ticket.reference}"
    assert PersonScore.objects.filter(person=cast.boss).exists()


def test_angry_reply_is_negative_and_thanks_positive(cast):
    desk.reply(cast.ticket, "This is useless, still broken and nobody calls me back!",
               by_person=cast.boss)
    desk.reply(cast.ticket, "Thank you so much, that's brilliant, all working now.",
               by_person=cast.boss)
    values = list(
        Signal.objects.filter(person=cast.boss, kind=SignalKind.SENTIMENT)
        .order_by("id").values_list("value", flat=True)
    )
    assert values[-2] < -0.3
    assert values[-1] > 0.3


def test_internal_notes_and_staff_replies_are_not_scored_for_tone(cast):
    desk.add_note(cast.ticket, "Client is furious, terrible situation", by_user=cast.tech)
    desk.reply(cast.ticket, "Awful, sorry, we hate this too", by_user=cast.tech)
    assert Signal.objects.filter(kind=SignalKind.SENTIMENT).count() == 1  # the opening body


def test_first_response_resolution_and_sla_met(cast):
    desk.reply(cast.ticket, "Looking now.", by_user=cast.tech)
    desk.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    assert {SignalKind.FIRST_RESPONSE_TIME, SignalKind.RESOLUTION_TIME, SignalKind.SLA_MET} <= set(
        kinds(cast.boss)
    )
    # A second reply is not a first response again.
    desk.reply(cast.ticket, "One more thing.", by_user=cast.tech)
    assert kinds(cast.boss).count(SignalKind.FIRST_RESPONSE_TIME) == 1


def test_sla_breach_from_the_sweep_is_one_signal_per_ticket(cast):
    later = timezone.now() + dt.timedelta(days=10)
    desk.sweep_sla(later)
    desk.sweep_sla(later + dt.timedelta(minutes=1))
    breaches = Signal.objects.filter(person=cast.boss, kind=SignalKind.SLA_BREACHED)
    assert breaches.count() == 1
    assert breaches.get().value <= -0.7  # a P2
    assert "SLA breached on" in breaches.get().note


def test_reopened_by_the_requester_and_escalation(cast):
    desk.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    desk.reply(cast.ticket, "It is down again.", by_person=cast.boss)
    desk.change_priority(cast.ticket, "P1", by_user=cast.tech)
    assert SignalKind.TICKET_REOPENED in kinds(cast.boss)
    escalation = Signal.objects.get(person=cast.boss, kind=SignalKind.ESCALATION)
    assert "P2 to P1" in escalation.note
    desk.change_priority(cast.ticket, "P3", by_user=cast.tech)  # lowered: not an escalation
    assert kinds(cast.boss).count(SignalKind.ESCALATION) == 1


def test_signals_from_other_apps_are_idempotent_and_rescore(cast):
    before = PersonScore.objects.get(person=cast.boss).score
    for _ in range(2):
        record_signal(
            kind=SignalKind.INVOICE_REMINDER, value=-0.6, occurred_at=timezone.now(),
            person=cast.boss, source="invoice:INV-1", key="invoice:1:reminder:1",
            note="second reminder for INV-1",
        )
    assert Signal.objects.filter(key="invoice:1:reminder:1").count() == 1
    assert PersonScore.objects.get(person=cast.boss).score < before


def test_backfill_adds_nothing_twice_and_matches_live_keys(cast):
    from goodwill.happiness.backfill import backfill

    desk.reply(cast.ticket, "Terrible service, still broken.", by_person=cast.boss)
    live = set(Signal.objects.values_list("key", flat=True))
    backfill()
    after_first = set(Signal.objects.values_list("key", flat=True))
    assert live <= after_first
    backfill()
    assert Signal.objects.count() == len(after_first)
    # Rebuilt from nothing, the same facts give the same keys.
    Signal.objects.all().delete()
    backfill()
    assert set(Signal.objects.values_list("key", flat=True)) == after_first


def test_a_backfill_limited_to_recent_days_leaves_older_tickets_out(cast):
    from goodwill.happiness.backfill import backfill

    old = desk.open_ticket(
        requester=cast.pa, subject="Printer, last spring",
        opened_at=timezone.now() - dt.timedelta(days=400),
    )
    Signal.objects.all().delete()
    backfill(days=180)
    sources = set(Signal.objects.values_list("source", flat=True))
    assert f"ticket:{cast.ticket.reference}" in sources
    assert f"ticket:{old.reference}" not in sources
    backfill()
    assert f"ticket:{old.reference}" in set(Signal.objects.values_list("source", flat=True))
