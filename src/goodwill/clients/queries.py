"""Read-side queries for the clients pages: one annotated queryset, no per-row queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from goodwill.clients.models import Client, Person, PersonRole, StakeholderRole
from goodwill.contracts.models import Contract, ContractStatus
from goodwill.contracts.status import LIVE_STATUSES, status_expression

# Which contract speaks for the client in the list: the one needing attention first.
STATUS_RANK = [
    ContractStatus.RENEWAL_DUE,
    ContractStatus.ACTIVE,
    ContractStatus.LAPSED,
    ContractStatus.DRAFT,
    ContractStatus.RENEWED,
    ContractStatus.CANCELLED,
]


def _contracts_of_client(today: dt.date) -> QuerySet[Contract]:
    return Contract.objects.filter(client=OuterRef("pk")).annotate(status=status_expression(today))


def client_overview(today: dt.date | None = None) -> QuerySet[Client]:
    """Clients with contract status, MRR, next renewal, people count and stakeholder gaps."""
    today = today or timezone.localdate()
    contracts = _contracts_of_client(today)
    live = contracts.filter(status__in=LIVE_STATUSES)
    rank = Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(STATUS_RANK)],
        output_field=IntegerField(),
    )
    people = (
        Person.objects.filter(client=OuterRef("pk"), is_active=True)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mrr = live.order_by().values("client").annotate(total=Sum("monthly_value")).values("total")
    return _with_health(Client.objects).annotate(
        contract_status=Subquery(
            contracts.annotate(rank=rank).order_by("rank", "notice_deadline").values("status")[:1]
        ),
        mrr=Coalesce(
            Subquery(mrr, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(0, output_field=DecimalField(max_digits=14, decimal_places=2)),
        ),
        currency=Subquery(live.order_by("-monthly_value").values("currency")[:1]),
        renewal_date=Subquery(
            live.order_by("renewal_date").values("renewal_date")[:1], output_field=DateField()
        ),
        people_count=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)),
        has_boss=_has_role(StakeholderRole.DECISION_MAKER),
        has_billing=_has_role(StakeholderRole.BILLING),
    ).select_related("account_manager")


def _with_health(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The happiness engine's cached health, band and first reason (None until scored)."""
    from goodwill.happiness.models import ClientScore

    score = ClientScore.objects.filter(client=OuterRef("pk"))
    return clients.annotate(
        health_score=Subquery(score.values("health")[:1]),
        health_band=Subquery(score.values("band")[:1]),
        health_reasons=Subquery(score.values("reasons")[:1]),
    )


def _has_role(role: str) -> Exists:
    return Exists(
        PersonRole.objects.filter(
            client=OuterRef("pk"), role=role, dismissed_at__isnull=True, person__is_active=True
        )
    )
