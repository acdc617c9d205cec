"""The invoice run: recurring fees in advance, overage hours in arrears (the "invoicing" job).

Idempotent by construction: each invoice carries the key (contract, period_start, kind), unique
in the database, so running twice, or two workers at once, gives one invoice per contract and
period; the loser's insert raises IntegrityError and is counted as already done.

Catch-up policy (after downtime, or the first run on an existing book): a draft for each missed
period that started within GOODWILL_BILLING_CATCH_UP_DAYS (a year by default), each a separate
draft for staff to review (void the ones already billed elsewhere).
Only the CURRENT period's recurring invoice is issued automatically, and only for clients whose
billing profile says auto-issue; missed periods are never sent in a burst.

Periods are desk.hours' periods (from the contract start, stepping by its billing cycle), so the
overage invoice covers exactly the hours the contract page shows for that period.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Sum
from django.utils import timezone

from goodwill.billing import services
from goodwill.billing.models import Invoice, InvoiceKind
from goodwill.contracts.models import Contract
from goodwill.contracts.status import live_contracts
from goodwill.desk.hours import (
    Period,
    PeriodHours,
    included_minutes,
    period_at,
    period_index,
)
from goodwill.desk.models import TimeEntry

logger = logging.getLogger("goodwill.billing")


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _window(contract: Contract, today: dt.date) -> list[Period]:
    """The contract's periods that have started, the oldest within the catch-up window."""
    if today < contract.start_date:
        return []
    oldest = today - dt.timedelta(days=settings.GOODWILL_BILLING_CATCH_UP_DAYS)
    current = period_index(contract, today)
    first = max(0, period_index(contract, max(oldest, contract.start_date)))
    periods = [period_at(contract, i) for i in range(first, current + 1)]
    return [p for p in periods if p.start >= oldest or p.index == current]


def recurring_periods_due(contract: Contract, today: dt.date) -> list[Period]:
    """Periods billed in advance: every period that has started, within the catch-up window."""
    return _window(contract, today)


def overage_periods_due(contract: Contract, today: dt.date) -> list[Period]:
    """Periods billed in arrears: ended at least the grace days ago, within the window."""
    grace = dt.timedelta(days=settings.GOODWILL_BILLING_OVERAGE_GRACE_DAYS)
    return [p for p in _window(contract, today) if p.end + grace < today]


def _create(contract: Contract, period: Period, kind: str, lines) -> Invoice | None:
    try:
        return services.create_draft(
            client=contract.client,
            contract=contract,
            kind=kind,
            lines=lines,
            period_start=period.start,
            period_end=period.end,
        )
    except IntegrityError:
        return None  # another run created it first: one invoice per contract and period


def run_invoicing(today: dt.date | None = None) -> int:
    """Create the drafts that have fallen due; auto-issue the current period where asked.
    Returns how many drafts it created."""
    today = today or timezone.localdate()
    contracts = list(live_contracts(today).select_related("client"))
    existing = set(
        Invoice.objects.filter(
            contract__in=[c.pk for c in contracts],
            kind__in=(InvoiceKind.RECURRING, InvoiceKind.OVERAGE),
        ).values_list("contract_id", "period_start", "kind")
    )
    profiles = services.profiles_for({c.client for c in contracts})
    minutes = _minutes_by_day([c.pk for c in contracts], today)
    created = 0
    for contract in contracts:
        try:
            profile, days = profiles[contract.client_id], minutes.get(contract.pk, [])
            created += _invoice_contract(contract, profile, today, existing, days)
        except OperationalError:
            # The database is locked or gone, which is no fault of this contract: fail the job,
            # so the worker runs it again on its next tick (not tomorrow); the run is idempotent.
            raise
        except Exception:
            # One broken contract must not stop everyone else's invoices; it is retried tomorrow.
            logger.exception("invoicing: contract %s failed", contract.pk)
    if created:
        logger.info("invoicing: %s drafts created", created)
    return created


def _minutes_by_day(contract_ids: list[int], today: dt.date) -> dict[int, list[tuple]]:
    """Logged minutes per contract, day and billable flag over the catch-up window, in one
    query (asking desk.hours per contract costs a query each, and most find nothing new)."""
    since = today - dt.timedelta(days=settings.GOODWILL_BILLING_CATCH_UP_DAYS + 400)
    rows = (
        TimeEntry.objects.filter(contract_id__in=contract_ids, work_date__gte=since)
        .values_list("contract_id", "work_date", "billable")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    found: dict[int, list[tuple]] = defaultdict(list)
    for contract_id, day, billable, total in rows:
        found[contract_id].append((day, billable, total))
    return found


def period_hours(contract: Contract, period: Period, days: list[tuple]) -> PeriodHours:
    """desk.hours' figures for one period, from the day totals above."""
    covered = billable = 0
    for day, is_billable, total in days:
        if period.start <= day <= period.end:
            if is_billable:
                billable += total
            else:
                covered += total
    return PeriodHours(
        period=period,
        included_minutes=included_minutes(contract),
        covered_minutes=covered,
        billable_minutes=billable,
    )


def _invoice_contract(
    contract: Contract, profile, today: dt.date, existing: set, days: list[tuple]
) -> int:
    created = 0
    recurring = recurring_periods_due(contract, today)
    for period in recurring:
        if (contract.pk, period.start, InvoiceKind.RECURRING) in existing:
            continue
        line = services.LineInput(
            f"{contract.name}, {period.label}", Decimal("1"), contract.fee, profile.tax_rate
        )
        # Drafted and issued in one transaction: the run skips periods that have an invoice, so
        # a draft left behind by a failure in between (a lock, a crash) would never be issued.
        with transaction.atomic():
            invoice = _create(contract, period, InvoiceKind.RECURRING, [line])
            if invoice is None:
                continue
            if profile.auto_issue and period == recurring[-1]:
                _issue(invoice)
        created += 1
    return created + _overage(contract, profile, today, existing, days)


def _issue(invoice: Invoice) -> None:
    """Issue a fresh draft; a database failure undoes the draft too (retried whole), anything
    else (a PDF that will not render) leaves the draft for staff, as a manual issue would."""
    try:
        with transaction.atomic():
            services.issue(invoice)
    except OperationalError:
        raise
    except Exception:
        logger.exception("invoicing: %s drafted but not issued", invoice.label)


def _overage(contract: Contract, profile, today: dt.date, existing: set, days: list) -> int:
    periods = [
        p
        for p in overage_periods_due(contract, today)
        if (contract.pk, p.start, InvoiceKind.OVERAGE) not in existing
    ]
    created = 0
    for hours in (period_hours(contract, p, days) for p in periods):
        lines = []
        if hours.overage_minutes:
            lines.append(
                services.LineInput(
                    f"Support beyond the {hours.included_text} included, {hours.period.label}",
                    _hours(hours.overage_minutes),
                    profile.hourly_rate,
                    profile.tax_rate,
                )
            )
        if hours.billable_minutes:
            lines.append(
                services.LineInput(
                    f"Billable work outside the contract, {hours.period.label}",
                    _hours(hours.billable_minutes),
                    profile.hourly_rate,
                    profile.tax_rate,
                )
            )
        if lines and _create(contract, hours.period, InvoiceKind.OVERAGE, lines):
            created += 1
    return created
