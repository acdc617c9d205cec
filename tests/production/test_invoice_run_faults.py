"""The invoice run and the reminders when the database fails under them (issue 9, faults).

A lock that outlasts the timeout ("database is locked") or a dropped connection is no fault of
the contract in hand: the job fails, so the worker retries it on its next tick rather than a
day later, and it leaves nothing half-done: a draft that should have been issued with it would
never be issued, because the run skips periods that already have an invoice.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from goodwill.billing import reminders, run, services
from goodwill.billing.models import BillingProfile, Invoice, InvoiceKind, InvoiceStatus
from goodwill.core.models import OutboundMessage
from goodwill.core.worker import Worker, job_named

pytestmark = pytest.mark.django_db


class LockedOnce:
    """Wraps a function so its first call raises what SQLite raises past its busy timeout."""

    def __init__(self, function) -> None:
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise OperationalError("database is locked")
        return self.function(*args, **kwargs)


def _auto_issue(*clients) -> None:
    for client in clients:
        BillingProfile.objects.filter(pk=services.profile_for(client).pk).update(auto_issue=True)


def test_a_lock_while_issuing_leaves_no_unissued_draft_and_the_next_tick_issues_it(
    cast, monkeypatch
):
    _auto_issue(cast.acme, cast.birch)
    locked = LockedOnce(services.issue)
    monkeypatch.setattr(services, "issue", locked)
    worker = Worker([job_named("invoicing")], report=lambda line: None)

    [failed] = worker.tick()
    assert not failed.ok and "database is locked" in failed.error
    assert "invoicing" not in worker.next_run  # due again on the next tick, not tomorrow
    # Nothing half-done: no draft of the period it was issuing when the lock hit.
    current = [
        (c.pk, run.recurring_periods_due(c, timezone.localdate())[-1].start)
        for c in (cast.acme_contract, cast.birch_contract)
    ]
    for contract_id, start in current:
        assert not Invoice.objects.filter(
            contract_id=contract_id, period_start=start, status=InvoiceStatus.DRAFT
        ).exists()

    [retried] = worker.tick()
    assert retried.ok, retried.error
    for contract_id, start in current:
        invoice = Invoice.objects.get(
            contract_id=contract_id, period_start=start, kind=InvoiceKind.RECURRING
        )
        assert invoice.status == InvoiceStatus.ISSUED and invoice.number
        assert OutboundMessage.objects.filter(dedupe_key=f"invoice:{invoice.pk}:issue").count() == 1
    numbers = sorted(Invoice.objects.filter(number__gt="").values_list("number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"INV-{year}-{n:04d}" for n in range(1, len(numbers) + 1)]
    # Once a run has gone through, running again changes nothing.
    before = Invoice.objects.count()
    assert run.run_invoicing(timezone.localdate()) == 0
    assert Invoice.objects.count() == before


def test_a_pdf_that_will_not_render_still_leaves_the_draft_for_staff(cast, monkeypatch):
    _auto_issue(cast.acme)

    def broken_issue(invoice, **kwargs):
        raise ValueError("logo file is not an image")

    monkeypatch.setattr(services, "issue", broken_issue)
    assert run.run_invoicing(timezone.localdate()) > 0
    period = run.recurring_periods_due(cast.acme_contract, timezone.localdate())[-1]
    draft = Invoice.objects.get(contract=cast.acme_contract, period_start=period.start)
    assert draft.status == InvoiceStatus.DRAFT and draft.lines.count() == 1


def test_a_lock_while_chasing_fails_the_reminder_job_so_the_next_tick_retries(cast, monkeypatch):
    now = timezone.now()
    draft = services.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[services.LineInput("Firewall", 1, 300, 20)],
    )
    invoice = services.issue(draft, now=now - dt.timedelta(days=40), send=False)
    locked = LockedOnce(reminders.act_on_level)
    monkeypatch.setattr(reminders, "act_on_level", locked)
    worker = Worker([job_named("payment-reminders")], report=lambda line: None)

    [failed] = worker.tick()
    assert not failed.ok and "database is locked" in failed.error
    assert not invoice.reminders.exists()
    [retried] = worker.tick()
    assert retried.ok and retried.count == 1
    [ledger] = invoice.reminders.all()
    assert OutboundMessage.objects.filter(message_id=ledger.message_id).count() == 1
