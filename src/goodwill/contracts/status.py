"""The status people see, derived from what staff decided and the dates.

The rules exist twice, once in Python (for one contract) and once as a SQL expression (to sort,
filter and count thousands). A test checks that both agree over a grid of cases.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone

from goodwill.contracts.models import Contract, ContractState, ContractStatus

STAFF_DECIDED = (ContractState.DRAFT, ContractState.CANCELLED, ContractState.RENEWED)
LIVE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.RENEWAL_DUE)


def renewal_horizon(today: dt.date) -> dt.date:
    """Contracts whose notice deadline falls before this date are 'renewal due'."""
    return today + dt.timedelta(days=settings.GOODWILL_RENEWAL_LEAD_DAYS)


def contract_status(contract: Contract, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if contract.state in STAFF_DECIDED:
        return contract.state
    if contract.end_date < today:
        # An auto-renewing contract rolls over; it is still in force.
        return ContractStatus.ACTIVE if contract.auto_renew else ContractStatus.LAPSED
    if contract.notice_deadline <= renewal_horizon(today):
        return ContractStatus.RENEWAL_DUE
    return ContractStatus.ACTIVE


def status_expression(today: dt.date | None = None) -> Case:
    today = today or timezone.localdate()
    return Case(
        When(state__in=STAFF_DECIDED, then=F("state")),
        When(Q(end_date__lt=today, auto_renew=False), then=Value(ContractStatus.LAPSED)),
        When(Q(end_date__lt=today, auto_renew=True), then=Value(ContractStatus.ACTIVE)),
        When(notice_deadline__lte=renewal_horizon(today), then=Value(ContractStatus.RENEWAL_DUE)),
        default=Value(ContractStatus.ACTIVE),
        output_field=CharField(),
    )


def with_status(qs: QuerySet[Contract], today: dt.date | None = None) -> QuerySet[Contract]:
    return qs.annotate(status=status_expression(today))


def live_contracts(today: dt.date | None = None) -> QuerySet[Contract]:
    """Contracts in force today (active or coming up for renewal)."""
    return with_status(Contract.objects.all(), today).filter(status__in=LIVE_STATUSES)
