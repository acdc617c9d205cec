"""Chasing: each level once, paused while disputed, held back in a fire, never the boss."""

from __future__ import annotations

import datetime as dt
import os
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from goodwill.billing import reminders, services
from goodwill.billing.models import BillingTask, Invoice, InvoiceKind, ReminderLedger, TaskKind
from goodwill.clients.models import PersonRole, StakeholderRole
from goodwill.core.models import OutboundMessage
from goodwill.desk.models import TicketStatus
from goodwill.desk.services import change_status
from goodwill.happiness.signals import record_signal


def issued_invoice(cast, days_overdue: int) -> Invoice:
    draft = services.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[services.LineInput("Support", Decimal("1"), Decimal("100.00"), Decimal("20"))],
        currency="GBP",
    )
    invoice = services.issue(draft)
    due = timezone.localdate() - dt.timedelta(days=days_overdue)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
    invoice.refresh_from_db()
    return invoice


def close_fire(cast) -> None:
    """The cast's VPN ticket is P2; make sure nothing else counts as a fire."""
    change_status(cast.ticket, TicketStatus.RESOLVED, by=cast.tech)


def reminder_rows(invoice: Invoice):
    return OutboundMessage.objects.filter(
        kind="billing.reminder", context=f"invoice:{invoice.number}"
    )


@pytest.mark.django_db
def test_each_level_is_sent_once_however_often_the_job_runs(cast):
    invoice = issued_invoice(cast, days_overdue=8)
    now = timezone.now()
    assert [reminders.send_due_reminders(now) for _ in range(3)] == [1, 0, 0]
    (row,) = reminder_rows(invoice)
    assert row.to == [cast.fd.email]  # the financial director, never the boss
    assert row.dedupe_key == f"invoice:{invoice.pk}:reminder:1"
    later = now + dt.timedelta(days=14)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.due_date)
    with_clock = [reminders.send_due_reminders(later) for _ in range(3)]
    assert with_clock == [1, 0, 0]
    assert reminder_rows(invoice).count() == 2
    ledger = list(ReminderLedger.objects.filter(invoice=invoice).values_list("level", flat=True))
    assert ledger == [1, 2]
    # Every reminder is a signal on the person who received it.
    from goodwill.happiness.models import Signal

    signals = Signal.objects.filter(kind="invoice_reminder", person=cast.fd)
    assert signals.count() == 2
    assert signals.filter(note=f"Reminder 1 for {invoice.number} sent").exists()


@pytest.mark.django_db
def test_after_downtime_levels_are_not_sent_in_a_burst(cast):
    invoice = issued_invoice(cast, days_overdue=40)
    now = timezone.now()
    for _ in range(3):
        reminders.send_due_reminders(now)
    assert list(invoice.reminders.values_list("level", flat=True)) == [1]
    assert not BillingTask.objects.filter(kind=TaskKind.CALL).exists()
    reminders.send_due_reminders(now + dt.timedelta(days=7))
    reminders.send_due_reminders(now + dt.timedelta(days=14))
    assert list(invoice.reminders.values_list("level", flat=True)) == [1, 2, 3]
    task = BillingTask.objects.get(kind=TaskKind.CALL, invoice=invoice)
    assert task.assigned_to == cast.manager and "Ana Costa" in task.title
    assert reminder_rows(invoice).count() == 2  # the call level is a task, not an e-mail


@pytest.mark.django_db
def test_paused_while_disputed_and_resumes_after(cast):
    invoice = issued_invoice(cast, days_overdue=10)
    services.set_dispute(invoice, True, "Says the March visit was not done")
    assert reminders.send_due_reminders() == 0
    assert not invoice.reminders.exists()
    services.set_dispute(invoice, False)
    assert reminders.send_due_reminders() == 1


@pytest.mark.django_db
def test_held_back_while_the_boss_is_unhappy(cast):
    invoice = issued_invoice(cast, days_overdue=10)
    now = timezone.now()
    for n in range(3):
        record_signal(kind="sla_breached", value=-0.6, occurred_at=now, person=cast.boss,
                      key=f"t{n}", note="breach")
    assert reminders.send_due_reminders(now) == 1
    row = invoice.reminders.get()
    assert row.sent_at is None and "Maria Shaw is unhappy" in row.held_reason
    assert not reminder_rows(invoice).exists()
    task = BillingTask.objects.get(kind=TaskKind.HELD)
    assert invoice.number in task.title
    assert reminders.send_due_reminders(now) == 0  # held once, not re-tried every hour


@pytest.mark.django_db
def test_held_back_while_the_client_has_an_open_p1(cast):
    from goodwill.desk.services import open_ticket

    invoice = issued_invoice(cast, days_overdue=10)
    open_ticket(requester=cast.acme_user, subject="Server room flooded", body="Water!",
                impact=1, urgency=1)
    reminders.send_due_reminders()
    row = invoice.reminders.get()
    assert "Open P1 ticket" in row.held_reason
    assert not reminder_rows(invoice).exists()


@pytest.mark.django_db
def test_never_an_automatic_reminder_to_the_boss(cast):
    PersonRole.objects.filter(person=cast.fd, role=StakeholderRole.BILLING).delete()
    invoice = issued_invoice(cast, days_overdue=10)
    reminders.send_due_reminders()
    assert not reminder_rows(invoice).exists()
    assert BillingTask.objects.filter(kind=TaskKind.NO_CONTACT, invoice=invoice).exists()


@pytest.mark.django_db
def test_a_payment_before_the_reminder_wins(cast):
    invoice = issued_invoice(cast, days_overdue=10)
    services.record_payment(client=cast.acme, amount=invoice.total,
                            received_on=timezone.localdate(), reference=invoice.number)
    assert reminders.send_due_reminders() == 0
    assert not invoice.reminders.exists()


@pytest.mark.django_db
def test_claim_then_recheck_drops_the_level_when_paid_in_between(cast):
    invoice = issued_invoice(cast, days_overdue=10)
    services.record_payment(client=cast.acme, amount=invoice.total,
                            received_on=timezone.localdate())
    # The job selected the invoice before the payment landed and claims the level now.
    level = reminders.schedule()[0]
    assert reminders.act_on_level(invoice, level, timezone.now()) is False
    assert not ReminderLedger.objects.exists() and not reminder_rows(invoice).exists()


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.mark.django_db
def test_a_level_claimed_by_another_worker_is_left_alone(cast):
    invoice = issued_invoice(cast, days_overdue=8)
    now = timezone.now()
    ReminderLedger.objects.create(invoice=invoice, level=1, claimed_at=now)
    assert reminders.act_on_level(invoice, reminders.schedule()[0], now) is False
    assert not reminder_rows(invoice).exists()


# SQLite's test database is in memory with a shared cache, where a second connection gets
# "table is locked" at once instead of waiting; real concurrency is tested on PostgreSQL.
@pytest.mark.skipif(not ON_POSTGRES, reason="DATABASE_URL does not point at PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_level_once(cast):
    invoice = issued_invoice(cast, days_overdue=8)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(reminders.send_due_reminders())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [0, 1]
    assert reminder_rows(invoice).count() == 1
    assert ReminderLedger.objects.filter(invoice=invoice).count() == 1


@pytest.mark.django_db
def test_staff_can_send_a_held_reminder_once_to_the_financial_director(cast, as_bookkeeper):
    from django.urls import reverse

    invoice = issued_invoice(cast, days_overdue=10)
    now = timezone.now()
    for n in range(3):
        record_signal(kind="sla_breached", value=-0.6, occurred_at=now, person=cast.boss,
                      key=f"s{n}", note="breach")
    reminders.send_due_reminders(now)
    row = invoice.reminders.get()
    assert row.held_reason and not reminder_rows(invoice).exists()
    url = reverse("billing:reminder_send", args=[row.pk])
    as_bookkeeper.post(url)
    as_bookkeeper.post(url)
    (message,) = reminder_rows(invoice)
    assert message.to == [cast.fd.email]
    row.refresh_from_db()
    assert row.sent_at is not None
    assert BillingTask.objects.get(kind=TaskKind.HELD).done_at is not None
