"""The staff queue: which tickets, in what order, and why each one is where it is.

Fast at a million tickets because every query it runs on open tickets walks one of the partial
indexes on Ticket (open tickets only, by queue_key and id):

* SQLite uses a partial index only when the query repeats the index's condition *literally*;
  Django binds `status__in` values as parameters, which SQLite cannot match against the index.
  So open_only() writes the condition out (constants from TicketStatus, no user input).
* Pages are keyset-paginated (no OFFSET): tickets with a queue_key first, by (queue_key, id),
  then the ones without one (paused or done), by id. Each half is its own query so that each can
  use the index on both databases, whatever either puts NULLs first or last.
* Tab counts are capped (COUNT over a LIMITed subquery) and computed in one query.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import StakeholderRole
from goodwill.core.choices import Priority
from goodwill.desk import search, services
from goodwill.desk.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Ticket,
    TicketStatus,
    open_only,
)

PAGE_SIZE = 50
# Tab counts stop counting here and show "99+": a count never reads more than this many rows.
COUNT_CAP = 100
# A search shows at most this many matches (newest first), then the queue's own order.
SEARCH_LIMIT = 500

TABS: dict[str, str] = {
    "mine": "My tickets",
    "unassigned": "Unassigned",
    "open": "All open",
    "due_soon": "Due soon",
    "breached": "Breached",
}
DEFAULT_TAB = "open"

# status=… in the URL. "" (the default) is every open status.
STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "": ("Open (any open status)", tuple(OPEN_STATUSES)),
    **{value: (label, (value,)) for value, label in TicketStatus.choices},
    "done": ("Resolved or closed", tuple(DONE_STATUSES)),
    "any": ("Any status", tuple(TicketStatus.values)),
}

ROLE_LABELS: dict[str, str] = {
    StakeholderRole.DECISION_MAKER: "Boss",
    StakeholderRole.GATEKEEPER: "PA",
    StakeholderRole.BILLING: "FD",
    StakeholderRole.COMPLAINER: "Complainer",
}
# role=… in the URL, mapped to Ticket.requester_role values (the SLA cache).
ROLE_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "boss": ("Boss", (StakeholderRole.DECISION_MAKER,)),
    "pa": ("PA", (StakeholderRole.GATEKEEPER,)),
    "fd": ("FD", (StakeholderRole.BILLING,)),
    "complainer": ("Complainer", (StakeholderRole.COMPLAINER,)),
    "key": ("Any of these four", tuple(ROLE_LABELS)),
    "plain": ("Everyone else", ("",)),
}
WORK_ROLES = (StaffRole.OWNER, StaffRole.ACCOUNT_MANAGER, StaffRole.TECHNICIAN)
_ID = re.compile(r"[1-9][0-9]{0,11}")


def parse_id(value: str | None) -> int | None:
    """A primary key from a URL or a form (ASCII digits only), or None."""
    return int(value) if value and _ID.fullmatch(value) else None


def work_staff() -> QuerySet[User]:
    """The people tickets can be assigned to."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=WORK_ROLES) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "username")
    )


# What a row shows and why() reads; nothing else is loaded (a row costs Python time, not SQL).
ROW_FIELDS = (
    "number",
    "subject",
    "status",
    "priority",
    "opened_at",
    "resolved_at",
    "closed_at",
    "requester_role",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused",
    "sla_breached",
    "queue_key",
    "client__name",
    "requester__first_name",
    "requester__last_name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the person asked for, read through an allow-list: unknown values are ignored."""

    tab: str = DEFAULT_TAB
    q: str = ""
    client: int | None = None
    status: str = ""
    priority: str = ""
    assignee: str = ""  # "", "none" or a user id
    role: str = ""

    @classmethod
    def from_query(cls, data: Mapping[str, Any]) -> QueueFilters:
        def get(name: str) -> str:
            value = data.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        tab, status, priority, role = get("tab"), get("status"), get("priority"), get("role")
        assignee = get("assignee")
        return cls(
            tab=tab if tab in TABS else DEFAULT_TAB,
            q=get("q")[:200],
            client=parse_id(get("client")),
            status=status if status in STATUS_FILTERS else "",
            priority=priority if priority in Priority.values else "",
            assignee="none" if assignee == "none" else str(parse_id(assignee) or ""),
            role=role if role in ROLE_FILTERS else "",
        )

    @property
    def statuses(self) -> tuple[str, ...]:
        # A search looks through every status unless one was asked for.
        if self.q and not self.status:
            return STATUS_FILTERS["any"][1]
        return STATUS_FILTERS[self.status][1]

    @property
    def narrowed(self) -> int:
        """How many of the filters (search aside) are set."""
        return sum(
            bool(v) for v in (self.client, self.status, self.priority, self.assignee, self.role)
        )

    @property
    def filtered(self) -> bool:
        return bool(
            self.q or self.client or self.status or self.priority or self.assignee or self.role
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string for this view (defaults left out), with `changes` applied."""
        values = replace(self, **changes)
        out = {
            "tab": values.tab if values.tab != DEFAULT_TAB else "",
            "q": values.q,
            "client": str(values.client or ""),
            "status": values.status,
            "priority": values.priority,
            "assignee": values.assignee,
            "role": values.role,
        }
        return {key: value for key, value in out.items() if value}


def _due_soon(now: dt.datetime) -> Q:
    """A running deadline within the due-soon window, and none already passed."""
    soon = now + dt.timedelta(minutes=settings.GOODWILL_SLA_DUE_SOON_MINUTES)
    heaviest = dt.timedelta(minutes=max(settings.GOODWILL_QUEUE_WEIGHTS.values(), default=0))
    first_soon = Q(first_response_due_at__gt=now, first_response_due_at__lte=soon) & (
        Q(resolution_due_at__isnull=True) | Q(resolution_due_at__gt=now)
    )
    resolution_soon = Q(resolution_due_at__gt=now, resolution_due_at__lte=soon) & (
        Q(first_response_due_at__isnull=True) | Q(first_response_due_at__gt=now)
    )
    # queue_key = next deadline - the requester's weight: this range reads only the slice of
    # the queue index that can hold such tickets.
    return Q(sla_paused=False, queue_key__gt=now - heaviest, queue_key__lte=soon) & (
        first_soon | resolution_soon
    )


def _breached(now: dt.datetime) -> Q:
    # The flag is set when a clock breaches (by the SLA refresh or the worker's sweep); a
    # deadline that passed since then counts too, so the tab is right between sweeps.
    return Q(sla_breached=True) | Q(first_response_due_at__lte=now) | Q(resolution_due_at__lte=now)


def _tab(tab: str, user: User, now: dt.datetime) -> Q:
    if tab == "mine":
        return Q(assignee_id=user.pk)
    if tab == "unassigned":
        return Q(assignee__isnull=True)
    if tab == "due_soon":
        return _due_soon(now)
    if tab == "breached":
        return _breached(now)
    return Q()


def filter_q(filters: QueueFilters, user: User, now: dt.datetime) -> Q:
    """Everything but the status condition, which the two halves of a page need differently."""
    q = _tab(filters.tab, user, now)
    if filters.client:
        q &= Q(client_id=filters.client)
    if filters.priority:
        q &= Q(priority=filters.priority)
    if filters.assignee == "none":
        q &= Q(assignee__isnull=True)
    elif filters.assignee:
        q &= Q(assignee_id=int(filters.assignee))
    if filters.role:
        q &= Q(requester_role__in=ROLE_FILTERS[filters.role][1])
    return q


# --- Keyset pagination ----------------------------------------------------------------------

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CURSOR = re.compile(r"^(?:k(-?\d{1,20})|n)\.(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the last row's (queue_key, id); queue_key None = the
    second half (tickets without a queue_key)."""

    queue_key: dt.datetime | None
    id: int

    def encode(self) -> str:
        if self.queue_key is None:
            return f"n.{self.id}"
        micros = (self.queue_key - EPOCH) // dt.timedelta(microseconds=1)
        return f"k{micros}.{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        match = _CURSOR.match(value or "")
        if not match:
            return None
        micros, pk = match.groups()
        try:
            key = EPOCH + dt.timedelta(microseconds=int(micros)) if micros is not None else None
        except OverflowError:
            return None
        return cls(key, int(pk))

    @classmethod
    def after(cls, ticket: Ticket) -> Cursor:
        return cls(ticket.queue_key, ticket.pk)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: Cursor | None
    first: bool


def queue_page(
    filters: QueueFilters,
    user: User,
    *,
    after: Cursor | None = None,
    now: dt.datetime | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue: at most two queries whatever the page size."""
    now = now or timezone.now()
    where = filter_q(filters, user, now)
    statuses = set(filters.statuses)
    if filters.q:
        found = Q(pk__in=search.search_ticket_ids(filters.q, SEARCH_LIMIT))
        number = search.ticket_number(filters.q)
        where &= found | Q(number=number) if number is not None else found
    base = Ticket.objects.filter(where).select_related("client", "assignee", "requester").order_by()
    want = size + 1
    tickets: list[Ticket] = []
    in_second_half = after is not None and after.queue_key is None
    only_open = statuses <= set(OPEN_STATUSES)
    # A narrower choice than "every open status" or "any status" is one more condition.
    narrower = statuses not in (set(OPEN_STATUSES), set(TicketStatus.values))
    # First half: only open, unpaused tickets have a queue_key, so the literal open condition
    # is always true here, and it is what lets SQLite use the partial index.
    if not in_second_half and statuses & {TicketStatus.NEW, TicketStatus.OPEN}:
        keyed = base.filter(open_only(), queue_key__isnull=False)
        if narrower:
            keyed = keyed.filter(status__in=sorted(statuses))
        if after is not None:
            keyed = keyed.filter(
                Q(queue_key__gt=after.queue_key) | Q(queue_key=after.queue_key, pk__gt=after.id)
            )
        tickets = list(keyed.order_by("queue_key", "pk")[:want])
    # Due soon needs a running clock: nothing there lacks a queue_key.
    if len(tickets) < want and filters.tab != "due_soon":
        # Second half. Paused tickets: the longest waiting first; finished ones: newest first.
        unkeyed = base.filter(queue_key__isnull=True)
        if only_open:
            unkeyed = unkeyed.filter(open_only())
        if narrower:
            unkeyed = unkeyed.filter(status__in=sorted(statuses))
        if in_second_half:
            unkeyed = (
                unkeyed.filter(pk__gt=after.id) if only_open else unkeyed.filter(pk__lt=after.id)
            )
        unkeyed = unkeyed.order_by("pk" if only_open else "-pk")
        tickets += list(unkeyed[: want - len(tickets)])
    next_cursor = Cursor.after(tickets[size - 1]) if len(tickets) > size else None
    rows = [QueueRow.of(ticket, now) for ticket in tickets[:size]]
    return QueuePage(rows=rows, next_cursor=next_cursor, first=after is None)


# --- Tab counts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TabCount:
    key: str
    label: str
    count: int

    @property
    def display(self) -> str:
        return f"{COUNT_CAP - 1}+" if self.count >= COUNT_CAP else str(self.count)


def tab_counts(user: User, now: dt.datetime | None = None) -> list[TabCount]:
    """Open tickets in each tab (not narrowed by the filters), capped at COUNT_CAP, one query."""
    now = now or timezone.now()
    open_tickets = Ticket.objects.filter(open_only())
    parts = {
        "mine": open_tickets.filter(assignee_id=user.pk),
        "unassigned": open_tickets.filter(assignee__isnull=True),
        "open": open_tickets,
        "due_soon": open_tickets.filter(_due_soon(now)),
        # In two halves, each walking the partial index (by queue_key; then the NULLs).
        "breached": open_tickets.filter(_breached(now), queue_key__isnull=False),
        "breached_paused": open_tickets.filter(_breached(now), queue_key__isnull=True),
    }
    counts = capped_counts(parts, COUNT_CAP)
    counts["breached"] += counts.pop("breached_paused")
    return [TabCount(key, label, counts[key]) for key, label in TABS.items()]


def capped_counts(querysets: Mapping[str, QuerySet], cap: int) -> dict[str, int]:
    """{name: min(count, cap)} for each queryset, in a single round trip.

    Each count is COUNT(*) over a subquery LIMITed to `cap` rows, so it stops reading early.
    """
    selects, params = [], []
    for qs in querysets.values():
        sql, qs_params = qs.order_by().values("pk")[:cap].query.sql_with_params()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608 (Django's SQL)  # nosec B608
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        values = cursor.fetchone()
    return dict(zip(querysets.keys(), values, strict=True))


# --- Why a ticket is where it is ------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    text: str
    level: str = ""  # breached (red), soon (amber), paused, done, or "" (on track)
    at: dt.datetime | None = None  # the moment the text talks about
    title: str = ""  # that moment in full, for the hover: "Mon 2 Mar 2026, 10:40"


def absolute(at: dt.datetime) -> str:
    """'Mon 2 Mar 2026, 10:40' in the server's time zone. (strftime, not date_format: this
    runs for every row of every queue page, and the localised formatter is ~50x slower.)"""
    local = timezone.localtime(at)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


@dataclass
class QueueRow:
    ticket: Ticket
    why: Why
    url: str = ""

    @classmethod
    def of(cls, ticket: Ticket, now: dt.datetime) -> QueueRow:
        return cls(ticket, why(ticket, now), ticket.get_absolute_url())


def duration_words(seconds: float) -> str:
    """'40 min', '1 h 30 min', '5 h', '3 d'."""
    minutes = max(int(seconds // 60), 1)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 3 and rest:
        return f"{hours} h {rest} min"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


def moment_words(at: dt.datetime, now: dt.datetime) -> str:
    """'in 40 min', 'in 5 h', 'tomorrow 10:00', 'Tue 10:00', '3 Dec 10:00'; '2 h ago' if past."""
    seconds = (at - now).total_seconds()
    if seconds < 0:
        return f"{duration_words(-seconds)} ago"
    if seconds < 12 * 3600:
        return f"in {duration_words(seconds)}"
    local, today = timezone.localtime(at), timezone.localtime(now).date()
    days = (local.date() - today).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if days < 7:
        return f"{local:%a} {clock}"
    return f"{local.day} {local:%b} {clock}"


def why(ticket: Ticket, now: dt.datetime | None = None) -> Why:
    """Why this ticket is where it is, from the SLA cache on the ticket (no clock recomputed):
    'Boss · first response due in 40 min', 'breached 3 h ago', 'paused: waiting on client'."""
    now = now or timezone.now()
    who = ROLE_LABELS.get(ticket.requester_role, "")

    def said(text: str, level: str = "", at: dt.datetime | None = None) -> Why:
        return Why(f"{who} · {text}" if who else text, level, at, absolute(at) if at else "")

    if ticket.status in DONE_STATUSES:
        at = ticket.closed_at if ticket.status == TicketStatus.CLOSED else ticket.resolved_at
        verb = "closed" if ticket.status == TicketStatus.CLOSED else "resolved"
        return said(f"{verb} {moment_words(at, now)}" if at else verb, "done", at)
    breached_before = " · SLA breached" if ticket.sla_breached else ""
    if ticket.status in PAUSED_STATUSES:
        label = TicketStatus(ticket.status).label.lower()
        return said(
            f"paused: {label}{breached_before}",
            "breached" if ticket.sla_breached else "paused",
        )
    clocks = [
        (due, name)
        for due, name in (
            (ticket.first_response_due_at, "first response"),
            (ticket.resolution_due_at, "resolution"),
        )
        if due is not None
    ]
    if not clocks:
        return said(f"no SLA · opened {moment_words(ticket.opened_at, now)}", "", ticket.opened_at)
    overdue = sorted(c for c in clocks if c[0] <= now)
    if overdue:
        due, name = overdue[0]
        return said(
            f"{name} breached {duration_words((now - due).total_seconds())} ago", "breached", due
        )
    due, name = min(clocks)
    soon = due - now <= dt.timedelta(minutes=settings.GOODWILL_SLA_DUE_SOON_MINUTES)
    level = "breached" if ticket.sla_breached else ("soon" if soon else "")
    return said(f"{name} due {moment_words(due, now)}{breached_before}", level, due)


# --- Bulk actions ---------------------------------------------------------------------------

BULK_MAX = 200


@dataclass
class BulkResult:
    done: list[Ticket] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def bulk_apply(ids: Iterable[int], action: str, value: str, *, by_user: User) -> BulkResult:
    """Assign or change the status of each ticket through desk.services, one at a time.

    Each ticket is its own transaction: one that cannot change is reported with the reason
    and the others still change.
    """
    result = BulkResult()
    wanted = list(dict.fromkeys(ids))[:BULK_MAX]
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=wanted).select_related("merged_into")}
    assignee: User | None = None
    if action == "assign" and value != "none":
        pk = parse_id(value)
        assignee = work_staff().filter(pk=pk).first() if pk else None
        if assignee is None:
            result.failed.append(("", "Pick someone to assign the tickets to."))
            return result
    elif action == "status" and value not in TicketStatus.values:
        result.failed.append(("", "Pick a status."))
        return result
    elif action not in ("assign", "status"):
        result.failed.append(("", "Pick an action."))
        return result
    for pk in wanted:
        ticket = tickets.get(pk)
        if ticket is None:
            result.failed.append((f"#{pk}", "no longer exists"))
            continue
        try:
            if action == "assign":
                services.assign(ticket, assignee, by_user=by_user)
            else:
                services.change_status(ticket, value, by_user=by_user)
        except ValidationError as error:
            result.failed.append((ticket.reference, " ".join(error.messages)))
        else:
            result.done.append(ticket)
    return result
