"""`goodwill worker --once` runs the real jobs: SLA sweep, recurring tickets, renewals; twice is
the same as once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from goodwill.contracts.models import Contract
from goodwill.desk.models import EventKind, RecurringTicket, Ticket, TicketEvent


def run_worker(*args: str) -> str:
    out = StringIO()
    call_command("worker", "--once", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due_work(cast):
    """A schedule due now, an open ticket past its deadlines, an auto-renewal that lapsed."""
    RecurringTicket.objects.create(
        client=cast.acme,
        requester=cast.boss,
        subject="Monthly backup check",
        next_due_at=timezone.now() - dt.timedelta(minutes=1),
    )
    Contract.objects.filter(pk=cast.birch_contract.pk).update(
        auto_renew=True,
        end_date=timezone.localdate() - dt.timedelta(days=1),
        renewal_date=timezone.localdate() - dt.timedelta(days=1),
    )
    return cast


def test_once_runs_every_job_and_a_second_run_does_nothing_new(due_work):
    with time_machine.travel(timezone.now() + dt.timedelta(days=14)):
        first = run_worker()
        assert "recurring-tickets: 1 maintenance tickets opened" in first
        assert "contract-renewals: 1 contracts renewed" in first
        sla = TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count()
        # First response and resolution, long past on the VPN ticket and on the maintenance
        # ticket, which was due 14 days ago and is swept in the same run.
        assert sla == 4
        assert f"sla-sweep: {sla} SLA events recorded" in first

        second = run_worker()
    assert "sla-sweep: 0 SLA events recorded" in second
    assert "recurring-tickets: 0 maintenance tickets opened" in second
    assert "contract-renewals: 0 contracts renewed" in second
    assert Ticket.objects.filter(recurring__isnull=False).count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count() == sla


def test_one_failing_job_does_not_stop_the_others(due_work, monkeypatch):
    def broken(now):
        raise RuntimeError("sweep broke")

    monkeypatch.setattr("goodwill.desk.services.sweep_sla", broken)
    out = StringIO()
    with pytest.raises(CommandError, match="1 job\\(s\\) failed: sla-sweep"):
        call_command("worker", "--once", stdout=out)
    assert "sla-sweep: failed after" in out.getvalue()
    assert "recurring-tickets: 1 maintenance tickets opened" in out.getvalue()
    assert "contract-renewals: 1 contracts renewed" in out.getvalue()


def test_one_job_can_be_run_alone(due_work):
    output = run_worker("--job", "recurring-tickets")
    assert output.count("\n") == 1
    assert "recurring-tickets: 1" in output
