"""Two invoice runs and two issuers at once, on PostgreSQL with separate connections."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from goodwill.billing import run, services
from goodwill.billing.models import Invoice, InvoiceKind

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="DATABASE_URL does not point at PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def at_once(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads that start together, each on its own database connection."""
    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def worker(n: int) -> None:
        try:
            barrier.wait()
            results[n] = jobs[n]()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_concurrent_runs_give_one_invoice_per_contract_and_period(cast):
    today = timezone.localdate()
    created = at_once(lambda: run.run_invoicing(today), lambda: run.run_invoicing(today))
    keys = list(Invoice.objects.values_list("contract", "period_start", "kind"))
    assert len(keys) == len(set(keys))
    assert sum(created) == len(keys) > 0


def test_concurrent_issuing_gives_gap_free_numbers(cast):
    drafts = [
        services.create_draft(
            client=cast.acme,
            kind=InvoiceKind.ONE_OFF,
            lines=[services.LineInput("Work", Decimal("1"), Decimal("10.00"), Decimal("20"))],
            currency="GBP",
        )
        for _ in range(8)
    ]
    halves = drafts[::2], drafts[1::2]
    at_once(*[lambda part=part: [services.issue(d) for d in part] for part in halves])
    year = timezone.localdate().year
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-{year}-{n:04d}" for n in range(1, 9)]


def test_issuing_one_draft_twice_at_once_numbers_it_once(cast):
    draft = services.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[services.LineInput("Work", Decimal("1"), Decimal("10.00"), Decimal("20"))],
        currency="GBP",
    )

    def try_issue():
        try:
            return services.issue(draft).number
        except services.BillingError:
            return None

    results = at_once(try_issue, try_issue)
    assert sorted(results, key=str) == [f"INV-{timezone.localdate().year}-0001", None]
