"""Business rules for contracts, SLA policies and business-hours calendars.

Views hand validated forms (or plain values) to these functions; the rules about default dates,
which sites a contract may cover, and saving parents with their rows in one transaction live
here so the admin, the importer and the demo data can share them.
"""

from __future__ import annotations

import calendar as calendar_lib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.utils import timezone

from goodwill.audit import services as audit
from goodwill.clients.models import Client, Site
from goodwill.contracts.models import (
    BillingCycle,
    BusinessCalendar,
    Contract,
    ContractState,
    ContractStatus,
    SLAPolicy,
)
from goodwill.contracts.status import contract_status, renewal_horizon, with_status
from goodwill.core.dates import relative_days

# ---------------------------------------------------------------------------------------------
# Dates


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the end of a shorter month (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar_lib.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def default_contract_dates(
    start: dt.date,
    term_months: int,
    end: dt.date | None = None,
    renewal: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """Return (end date, renewal date), filling whichever was left empty.

    The end is the day before the term's anniversary (a 12-month term from 1 Feb ends on 31 Jan)
    and the contract comes up for renewal on its last day.
    """
    end = end or add_months(start, term_months) - dt.timedelta(days=1)
    renewal = renewal or end
    return end, renewal


def short_date(day: dt.date, today: dt.date) -> str:
    """'12 Jan' this year, '12 Jan 2027' otherwise."""
    return f"{day.day} {day:%b}" if day.year == today.year else f"{day.day} {day:%b %Y}"


# ---------------------------------------------------------------------------------------------
# Contracts


def validate_contract_sites(client: Client, sites: Iterable[Site]) -> None:
    """A contract covers sites of its own client only."""
    foreign = [site for site in sites if site.client_id != client.pk]
    if foreign:
        names = ", ".join(f"{site.name} ({site.client})" for site in foreign)
        raise ValidationError(
            {"sites": f"Only sites of {client} can be covered; {names} belongs to another client."}
        )


def save_contract(contract: Contract, *, sites: Iterable[Site] = ()) -> Contract:
    """Save a new or changed contract with the sites it covers (none means every site).

    Empty end and renewal dates are derived from the start and term; the notice deadline and
    monthly value are refreshed by the model on save.
    """
    sites = list(sites)
    validate_contract_sites(contract.client, sites)
    contract.end_date, contract.renewal_date = default_contract_dates(
        contract.start_date, contract.term_months, contract.end_date, contract.renewal_date
    )
    with transaction.atomic():
        contract.save()
        contract.sites.set(sites)
    return contract


@dataclass(frozen=True)
class StatusExplanation:
    status: str
    label: str
    text: str


def explain_status(contract: Contract, today: dt.date | None = None) -> StatusExplanation:
    """The derived status and, in a sentence, why it is that."""
    today = today or timezone.localdate()
    status = contract_status(contract, today)
    label = ContractStatus(status).label

    def when(day: dt.date) -> str:
        return f"{short_date(day, today)}, {relative_days(day, today)}"

    deadline = contract.renewal_date - dt.timedelta(days=contract.notice_days)
    if status == ContractStatus.DRAFT:
        text = "Not in force yet: mark it active once the client has signed."
    elif status == ContractStatus.CANCELLED:
        text = "Cancelled by staff; it no longer counts towards revenue."
    elif status == ContractStatus.RENEWED:
        text = "Renewed: a newer contract has taken over from this one."
    elif status == ContractStatus.LAPSED:
        text = f"It ended on {when(contract.end_date)}, and it does not renew automatically."
    elif status == ContractStatus.RENEWAL_DUE:
        verb = "was" if deadline < today else "is"
        renewal = when(contract.renewal_date)
        text = f"The notice deadline {verb} {when(deadline)}; renewal on {renewal}."
    elif contract.end_date < today:
        text = f"Its term ended on {when(contract.end_date)}; it renews automatically."
    else:
        lead = (renewal_horizon(today) - today).days
        text = (
            f"In force until {when(contract.end_date)}. The notice deadline is {when(deadline)}; "
            f"it shows as renewal due {lead} days before that."
        )
        if contract.start_date > today:
            text = f"Starts on {when(contract.start_date)}. " + text
    return StatusExplanation(
        status=status, label=label, text=f"{label}: {text[0].lower()}{text[1:]}"
    )


CONTRACT_SORTS: dict[str, tuple[str, ...]] = {
    "renewal": ("renewal_date", "client__name"),
    "-renewal": ("-renewal_date", "client__name"),
    "client": ("client__name", "name"),
    "-client": ("-client__name", "name"),
    "value": ("monthly_value", "client__name"),
    "-value": ("-monthly_value", "client__name"),
}


@dataclass(frozen=True)
class ContractSearch:
    """What the contracts list is showing: a page of contracts and the counts for the chips."""

    contracts: QuerySet[Contract]
    counts: dict[str, int]
    total: int


def search_contracts(
    *,
    status: str = "",
    query: str = "",
    sort: str = "renewal",
    today: dt.date | None = None,
) -> ContractSearch:
    """Contracts with their derived status (in SQL), filtered and sorted, plus status counts.

    The counts ignore the status filter, so the chips always show where the other contracts are.
    """
    qs = with_status(Contract.objects.select_related("client", "sla_policy"), today)
    if query:
        qs = qs.filter(client__name__icontains=query.strip())
    counts = dict.fromkeys(ContractStatus.values, 0)
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    qs = qs.order_by(*CONTRACT_SORTS.get(sort, CONTRACT_SORTS["renewal"]))
    return ContractSearch(contracts=qs, counts=counts, total=sum(counts.values()))


def period_label(billing_cycle: str) -> str:
    return {
        BillingCycle.MONTHLY: "month",
        BillingCycle.QUARTERLY: "quarter",
        BillingCycle.YEARLY: "year",
    }[BillingCycle(billing_cycle)]


STATE_HELP = {
    ContractState.DRAFT: "being drawn up, not in force",
    ContractState.ACTIVE: "signed and in force",
    ContractState.RENEWED: "superseded by its renewal",
    ContractState.CANCELLED: "ended by either side",
}

# ---------------------------------------------------------------------------------------------
# SLA durations

_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]*)")


def parse_minutes(text: str) -> int:
    """Read a business-time duration: '90', '90 min', '4h', '1.5 h', '1 h 30 min'.

    A bare number is minutes. Raises ValueError for anything else.
    """
    text = text.strip().lower()
    if not text:
        raise ValueError("empty")
    parts = list(_DURATION_PART.finditer(text))
    if not parts or "".join(p.group(0) for p in parts).replace(" ", "") != text.replace(" ", ""):
        raise ValueError(text)
    total = 0.0
    for part in parts:
        number, unit = float(part.group(1).replace(",", ".")), part.group(2)
        if unit in ("", "m", "min", "mins", "minute", "minutes"):
            total += number
        elif unit in ("h", "hr", "hrs", "hour", "hours"):
            total += number * 60
        else:
            raise ValueError(text)
    if total != int(total):
        raise ValueError(text)
    return int(total)


def format_minutes(minutes: int | None) -> str:
    """Compact, human: 45 min, 1 h, 1 h 30 min, 40 h (business time, so no days)."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@transaction.atomic
def save_sla_policy(policy_form: ModelForm, targets: BaseInlineFormSet) -> SLAPolicy:
    """Save a policy and its per-priority targets together (both already validated)."""
    policy = policy_form.save()
    targets.instance = policy
    targets.save()
    return policy


# ---------------------------------------------------------------------------------------------
# Business-hours calendars


@transaction.atomic
def save_calendar(
    calendar_form: ModelForm, hours: BaseInlineFormSet, closures: BaseInlineFormSet
) -> BusinessCalendar:
    """Save a calendar with its weekly hours and closures (all already validated)."""
    calendar = calendar_form.save()
    for formset in (hours, closures):
        formset.instance = calendar
        formset.save()
    return calendar


def days_off_preview(
    calendar: BusinessCalendar, today: dt.date | None = None
) -> list[tuple[dt.date, str]]:
    """Public holidays and closures in the twelve months from today."""
    today = today or timezone.localdate()
    if calendar.pk is None:
        return []
    return list(calendar.days_off(today, add_months(today, 12) - dt.timedelta(days=1)).items())


# ---------------------------------------------------------------------------------------------
# Automatic renewal


def roll_over_auto_renewals(today: dt.date | None = None) -> int:
    """Extend auto-renewing contracts whose term has ended, by whole terms, until they cover today.

    Work is selected by due date (end date in the past), so a missed day catches up. Each
    contract is extended with a conditional UPDATE on the end date it was read with, so two
    processes running this at once never extend the same contract twice. Returns how many
    contracts were extended.
    """
    today = today or timezone.localdate()
    due = Contract.objects.filter(state=ContractState.ACTIVE, auto_renew=True, end_date__lt=today)
    extended = 0
    fields = ("end_date", "renewal_date", "term_months", "notice_days", "name", "client__name")
    for contract in due.select_related("client").only(*fields):
        renewal_lead = contract.end_date - contract.renewal_date
        end = contract.end_date
        while end < today:
            end = add_months(end + dt.timedelta(days=1), contract.term_months) - dt.timedelta(
                days=1
            )
        renewal = end - renewal_lead
        won = Contract.objects.filter(pk=contract.pk, end_date=contract.end_date).update(
            end_date=end,
            renewal_date=renewal,
            notice_deadline=renewal - dt.timedelta(days=contract.notice_days),
            updated_at=timezone.now(),
        )
        if won:
            # update() sends no signals: the audit trail hears of the new term from here.
            audit.record_change(
                contract,
                {
                    "end_date": (contract.end_date, end),
                    "renewal_date": (contract.renewal_date, renewal),
                },
            )
        extended += won
    return extended
