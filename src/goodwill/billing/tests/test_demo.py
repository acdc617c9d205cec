"""The billing demo: a year of invoices and payments that the real jobs agree with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from goodwill.billing import reports
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus, ReminderLedger
from goodwill.billing.reminders import send_due_reminders
from goodwill.billing.run import run_invoicing
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.demo.generator import DemoOptions, delete_demo_data, generate

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.mark.django_db
def test_demo_billing_is_a_consistent_year():
    generate(DemoOptions(clients=12, tickets=200, today=TODAY, write_logins=False))
    invoices = Invoice.objects.all()
    assert invoices.count() > 12 * 4
    # Gap-free numbers per year.
    by_year = defaultdict(list)
    for number in invoices.values_list("number", flat=True):
        _, year, n = number.split("-")
        by_year[year].append(int(n))
    for numbers in by_year.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    # Overdue at different ages, one dispute, reminders sent through the outbox.
    ageing = reports.ageing(TODAY)
    buckets = {k for row in ageing.rows for k, v in row.buckets.items() if v}
    assert {"1-30", "31-60", "61-90", "90+"} <= buckets
    assert invoices.filter(disputed=True).count() == 1
    sent = ReminderLedger.objects.filter(sent_at__isnull=False, is_call=False)
    assert sent.exists()
    assert OutboundMessage.objects.filter(
        kind="billing.reminder", status=OutboundStatus.SENT
    ).count() == sent.count()
    # Stored totals add up; the MRR history has a value for every month.
    for invoice in invoices.prefetch_related("lines")[:50]:
        assert invoice.total == sum(line.total for line in invoice.lines.all())
        assert invoice.balance == invoice.total - invoice.paid
    assert all(reports.mrr_history(today=TODAY)["mrr"][-6:])
    # The real jobs agree: no recurring period is missing, no level is repeated.
    run_invoicing(TODAY)
    assert not Invoice.objects.filter(kind=InvoiceKind.RECURRING, status=InvoiceStatus.DRAFT)
    before = OutboundMessage.objects.filter(kind="billing.reminder").count()
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    send_due_reminders(now)
    send_due_reminders(now)
    assert OutboundMessage.objects.filter(kind="billing.reminder").count() - before <= 5
    delete_demo_data()
    assert not Invoice.objects.exists()
