"""What the owner sees first: the portfolio at a glance and what needs attention.

Contracts, renewals and gaps in the people who decide renewals come from here; health, the
at-risk list and today's next actions from the happiness engine (its template tags), so the
dashboard shows a red client, and why, without scrolling.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from goodwill.clients.models import KEY_ROLES, Person
from goodwill.clients.queries import client_overview
from goodwill.contracts.models import Contract, ContractStatus
from goodwill.contracts.status import LIVE_STATUSES, with_status

QUIET_AFTER_DAYS = 60


@dataclass
class Portfolio:
    clients: int
    status_counts: dict[str, int]
    mrr: Decimal
    mrr_renewal_due: Decimal
    currency: str

    @property
    def bar_total(self) -> int:
        """Contracts shown in the status bar (the ones that still matter today)."""
        return sum(
            n
            for status, n in self.status_counts.items()
            if status not in (ContractStatus.CANCELLED, ContractStatus.RENEWED)
        )


def portfolio(today: dt.date) -> Portfolio:
    contracts = with_status(Contract.objects.all(), today)
    counts = Counter(contracts.values_list("status", flat=True))
    live = contracts.filter(status__in=LIVE_STATUSES)
    currency = settings.GOODWILL_CURRENCY
    # Money in other currencies is not added up with the home currency.
    home = live.filter(currency=currency)
    return Portfolio(
        clients=client_overview(today).filter(is_active=True).count(),
        status_counts={s: counts.get(s, 0) for s in ContractStatus.values},
        mrr=home.aggregate(total=Sum("monthly_value"))["total"] or Decimal(0),
        mrr_renewal_due=home.filter(status=ContractStatus.RENEWAL_DUE).aggregate(
            total=Sum("monthly_value")
        )["total"]
        or Decimal(0),
        currency=currency,
    )


def upcoming_renewals(today: dt.date, days: int = 90) -> QuerySet[Contract]:
    """Live contracts renewing soon, with their client's health (None until scored)."""
    from django.db.models import OuterRef, Subquery

    from goodwill.happiness.models import ClientScore

    health = ClientScore.objects.filter(client=OuterRef("client_id"))
    return (
        with_status(Contract.objects.select_related("client"), today)
        .filter(status__in=LIVE_STATUSES, renewal_date__lte=today + dt.timedelta(days=days))
        .annotate(
            health=Subquery(health.values("health")[:1]),
            health_band=Subquery(health.values("band")[:1]),
        )
        .order_by("notice_deadline")
    )


def key_people_gone_quiet(today: dt.date, limit: int = 8) -> QuerySet[Person]:
    """The boss, PA or FD at a live client, not contacted for QUIET_AFTER_DAYS days or ever."""
    cutoff = timezone.now() - dt.timedelta(days=QUIET_AFTER_DAYS)
    live_clients = (
        with_status(Contract.objects.all(), today)
        .filter(status__in=LIVE_STATUSES)
        .values("client_id")
    )
    return (
        Person.objects.filter(
            is_active=True,
            client_id__in=live_clients,
            roles__role__in=KEY_ROLES,
            roles__dismissed_at__isnull=True,
        )
        .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))
        .select_related("client")
        .prefetch_related("roles")
        .distinct()
        .order_by("last_contact_at", "client__name")[:limit]
    )


def clients_missing_key_people(today: dt.date, limit: int = 8) -> list:
    return list(
        client_overview(today)
        .filter(is_active=True, contract_status__in=LIVE_STATUSES)
        .filter(Q(has_boss=False) | Q(has_billing=False))
        .order_by("-mrr")[:limit]
    )


def renewals_by_month(today: dt.date, months: int = 12) -> dict[str, list]:
    """Monthly recurring revenue coming up for renewal in each of the next `months` months."""
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    horizon = dt.date(year, month, 1)
    totals = {start: Decimal(0) for start in starts}
    rows = (
        with_status(Contract.objects.all(), today)
        .filter(
            status__in=LIVE_STATUSES,
            currency=settings.GOODWILL_CURRENCY,
            renewal_date__gte=starts[0],
            renewal_date__lt=horizon,
        )
        .values_list("renewal_date", "monthly_value")
    )
    for renewal_date, value in rows:
        totals[renewal_date.replace(day=1)] += value
    return {
        "labels": [start.strftime("%b %Y") for start in starts],
        "values": [float(totals[start]) for start in starts],
        "currency": settings.GOODWILL_CURRENCY,
    }
