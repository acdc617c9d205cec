"""Ageing, statements and revenue: read-only questions over the stored invoice values."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from goodwill.billing.models import (
    ZERO,
    Allocation,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
)
from goodwill.clients.models import Client
from goodwill.contracts.models import Contract, ContractStatus
from goodwill.contracts.services import add_months
from goodwill.contracts.status import live_contracts, with_status

BUCKETS = (
    ("current", "Not yet due"),
    ("1-30", "1–30 days"),
    ("31-60", "31–60 days"),
    ("61-90", "61–90 days"),
    ("90+", "Over 90 days"),
)
BUCKET_KEYS = [key for key, _ in BUCKETS]


def bucket_for(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def bucket_filter(key: str, today: dt.date) -> Q:
    """The due dates of a bucket, for drilling down from the report to the invoice list."""
    day = dt.timedelta(days=1)
    ranges = {
        "current": Q(due_date__gte=today),
        "1-30": Q(due_date__lt=today, due_date__gte=today - 30 * day),
        "31-60": Q(due_date__lt=today - 30 * day, due_date__gte=today - 60 * day),
        "61-90": Q(due_date__lt=today - 60 * day, due_date__gte=today - 90 * day),
        "90+": Q(due_date__lt=today - 90 * day),
    }
    return ranges[key]


def open_invoices():
    return Invoice.objects.filter(
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID), balance__gt=0
    ).exclude(kind=InvoiceKind.CREDIT)


@dataclass
class AgeingRow:
    client: Client
    currency: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKET_KEYS, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def cells(self) -> list[tuple[str, Decimal]]:
        return [(key, self.buckets[key]) for key in BUCKET_KEYS]


@dataclass
class Ageing:
    rows: list[AgeingRow]
    totals: dict[str, dict[str, Decimal]]  # currency -> bucket -> amount

    def chart(self, currency: str) -> dict:
        top = [r for r in self.rows if r.currency == currency][:12]
        return {
            "currency": currency,
            "labels": [label for _, label in BUCKETS],
            "keys": BUCKET_KEYS,
            "datasets": [
                {"label": r.client.name, "data": [float(r.buckets[k]) for k in BUCKET_KEYS]}
                for r in top
            ],
        }


def ageing(today: dt.date | None = None) -> Ageing:
    today = today or timezone.localdate()
    rows: dict[tuple[int, str], AgeingRow] = {}
    totals: dict[str, dict[str, Decimal]] = {}
    for invoice in open_invoices().select_related("client").order_by("due_date"):
        key = (invoice.client_id, invoice.currency)
        row = rows.setdefault(key, AgeingRow(invoice.client, invoice.currency))
        bucket = bucket_for((today - invoice.due_date).days)
        row.buckets[bucket] += invoice.balance
        per = totals.setdefault(invoice.currency, dict.fromkeys(BUCKET_KEYS, ZERO))
        per[bucket] += invoice.balance
    ordered = sorted(rows.values(), key=lambda r: (r.currency, -r.total, r.client.name))
    return Ageing(ordered, totals)


# --- Statement ----------------------------------------------------------------------------------


def statement_rows(client: Client, currency: str) -> list[dict]:
    """Issued documents and payments, oldest first, with the running balance."""
    entries = []
    for invoice in Invoice.objects.filter(
        client=client, currency=currency,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID),
    ):
        is_credit = invoice.is_credit
        entries.append({
            "date": invoice.issue_date,
            "document": invoice.number,
            "details": "Credit note" if is_credit else invoice.get_kind_display(),
            "debit": ZERO if is_credit else invoice.total,
            "credit": -invoice.total if is_credit else ZERO,
            "order": (invoice.issue_date, 0, invoice.pk),
        })
    for payment in Payment.objects.filter(client=client, currency=currency):
        entries.append({
            "date": payment.received_on,
            "document": "Payment",
            "details": payment.reference or payment.get_method_display(),
            "debit": ZERO,
            "credit": payment.amount,
            "order": (payment.received_on, 1, payment.pk),
        })
    entries.sort(key=lambda e: e["order"])
    balance = ZERO
    for entry in entries:
        balance += entry["debit"] - entry["credit"]
        entry["balance"] = balance
    return entries


# --- Revenue ----------------------------------------------------------------------------------


def mrr_history(months: int = 12, today: dt.date | None = None, currency: str | None = None):
    """MRR per month from issued recurring invoices: each invoice's net spread evenly over the
    months of its period (a quarterly fee of 3,000 is 1,000 in each of its three months)."""
    today = today or timezone.localdate()
    currency = currency or settings.GOODWILL_CURRENCY
    first = add_months(today.replace(day=1), -(months - 1))
    labels = [add_months(first, n) for n in range(months)]
    values = dict.fromkeys(labels, ZERO)
    invoices = Invoice.objects.filter(
        kind=InvoiceKind.RECURRING,
        currency=currency,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID),
        period_end__gte=first,
        period_start__lte=today,
    ).values_list("period_start", "period_end", "subtotal")
    for start, end, subtotal in invoices:
        span = max(1, round(((end - start).days + 1) / 30.44))
        per_month = subtotal / span
        for n in range(span):
            month = add_months(start, n).replace(day=1)
            if month in values:
                values[month] += per_month
    q = Decimal("0.01")
    return {
        "currency": currency,
        "labels": [f"{m:%b %Y}" for m in labels],
        "mrr": [float(values[m].quantize(q, ROUND_HALF_UP)) for m in labels],
        "arr": [float((values[m] * 12).quantize(q, ROUND_HALF_UP)) for m in labels],
    }


@dataclass
class ClientRevenue:
    client: Client
    currency: str
    mrr: Decimal
    invoiced_12m: Decimal
    minutes_12m: int
    at_risk: bool
    risk_reason: str
    revenue_share: float = 0.0
    time_share: float = 0.0

    @property
    def hours_12m(self) -> Decimal:
        return (Decimal(self.minutes_12m) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def effort_ratio(self) -> float | None:
        """Share of team time over share of revenue: above 1 they cost more than they pay."""
        if not self.revenue_share:
            return None
        return self.time_share / self.revenue_share


def risk_reasons(client_ids: set[int]) -> dict[int, str]:
    """Why each client's revenue is at risk ('' when it is not).

    Interim measure until the happiness engine provides a contract-loss risk: a client counts as
    at risk when its boss or financial director is unhappy (happiness.status.unhappy_people):
    one query for the people, two for their happiness.
    """
    from goodwill.clients.models import PersonRole, StakeholderRole
    from goodwill.happiness.status import unhappy_people

    reasons = dict.fromkeys(client_ids, "")
    roles = list(
        PersonRole.objects.filter(
            client_id__in=client_ids,
            role__in=(StakeholderRole.DECISION_MAKER, StakeholderRole.BILLING),
            dismissed_at__isnull=True,
            person__is_active=True,
        )
        .select_related("person")
        .order_by("client_id", "person_id")
    )
    unhappy = unhappy_people(role.person_id for role in roles)
    for role in roles:
        if not reasons[role.client_id] and role.person_id in unhappy:
            reasons[role.client_id] = f"{role.person.full_name} is unhappy"
    return reasons


def revenue_by_client(today: dt.date | None = None) -> list[ClientRevenue]:
    from goodwill.desk.models import TimeEntry

    today = today or timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    mrr: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for client_id, currency, value in live_contracts(today).values_list(
        "client_id", "currency", "monthly_value"
    ):
        mrr[(client_id, currency)] += value
    invoiced: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in (
        Invoice.objects.filter(
            issue_date__gt=year_ago,
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID),
        )
        .values("client_id", "currency")
        .annotate(s=Sum("subtotal"))
    ):
        invoiced[(row["client_id"], row["currency"])] += row["s"] or ZERO
    minutes = dict(
        TimeEntry.objects.filter(work_date__gt=year_ago)
        .values("ticket__client_id")
        .annotate(m=Sum("minutes"))
        .values_list("ticket__client_id", "m")
    )
    keys = set(mrr) | set(invoiced)
    clients = Client.objects.in_bulk({k[0] for k in keys} | set(minutes))
    reasons = risk_reasons({client_id for client_id, _ in mrr})
    rows = []
    for client_id, currency in keys:
        client = clients[client_id]
        reason = reasons.get(client_id, "") if mrr[(client_id, currency)] else ""
        rows.append(
            ClientRevenue(
                client=client,
                currency=currency,
                mrr=mrr[(client_id, currency)],
                invoiced_12m=invoiced[(client_id, currency)],
                minutes_12m=minutes.get(client_id, 0),
                at_risk=bool(reason),
                risk_reason=reason,
            )
        )
    total_invoiced = sum((r.invoiced_12m for r in rows), ZERO)
    total_minutes = sum(minutes.values()) or 0
    for row in rows:
        row.revenue_share = float(row.invoiced_12m / total_invoiced) if total_invoiced else 0.0
        row.time_share = row.minutes_12m / total_minutes if total_minutes else 0.0
    rows.sort(key=lambda r: (-r.mrr, r.client.name))
    return rows


def renewals_due(today: dt.date | None = None) -> list[Contract]:
    today = today or timezone.localdate()
    return list(
        with_status(Contract.objects.select_related("client"), today)
        .filter(status=ContractStatus.RENEWAL_DUE)
        .order_by("renewal_date")
    )


def allocations_for(invoice: Invoice):
    return Allocation.objects.filter(invoice=invoice).select_related("payment", "credit_note")
