"""SLA clocks, derived from a ticket's event log.

Nothing is counted up and stored: the clocks are recomputed from the status history whenever
the ticket changes, so they can always be rebuilt and explained ("paused 2 h 10 min waiting on
the client"). Pausing, resuming and reopening never reset time already consumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from goodwill.clients.models import KEY_ROLES, PersonRole, StakeholderRole
from goodwill.contracts.models import SLATarget
from goodwill.core import business_hours as bh
from goodwill.core.bulk import update_each
from goodwill.desk.models import (
    DONE_STATUSES,
    PAUSED_STATUSES,
    EventKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)

# Which role speaks for a person holding several, for the queue's weighting.
ROLE_ORDER = (
    StakeholderRole.DECISION_MAKER,
    StakeholderRole.GATEKEEPER,
    StakeholderRole.BILLING,
    StakeholderRole.COMPLAINER,
)
# Without an SLA policy a ticket still needs a place in the queue.
NO_SLA_QUEUE_DELAY = dt.timedelta(days=3)


@dataclass
class Clock:
    name: str  # "first_response" or "resolution"
    target_minutes: int | None
    consumed_seconds: int = 0
    due_at: dt.datetime | None = None  # when the target is (or was) reached, while it runs
    stopped_at: dt.datetime | None = None  # responded / resolved
    breached_at: dt.datetime | None = None
    paused: bool = False
    paused_seconds: dict[str, int] = field(default_factory=dict)  # wall time, per status

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def state(self) -> str:
        """none, met, breached, paused or running."""
        if self.target_minutes is None:
            return "none"
        if self.breached:
            return "breached"
        if self.stopped_at is not None:
            return "met"
        return "paused" if self.paused else "running"

    @property
    def remaining_seconds(self) -> int | None:
        if self.target_minutes is None:
            return None
        return self.target_minutes * 60 - self.consumed_seconds


@dataclass
class SLAState:
    first_response: Clock
    resolution: Clock

    @property
    def clocks(self) -> tuple[Clock, Clock]:
        return (self.first_response, self.resolution)

    @property
    def next_due_at(self) -> dt.datetime | None:
        """The deadline that matters now: the earliest running clock's due time."""
        dues = [c.due_at for c in self.clocks if c.due_at and c.stopped_at is None and not c.paused]
        return min(dues) if dues else None


# --- Inputs ---------------------------------------------------------------------------------


def requester_role(ticket: Ticket) -> str:
    return speaking_role(
        PersonRole.objects.filter(
            person_id=ticket.requester_id, dismissed_at__isnull=True
        ).values_list("role", flat=True)
    )


def speaking_role(roles: Iterable[str]) -> str:
    """The role that speaks for someone holding `roles` (ROLE_ORDER), or ""."""
    held = set(roles)
    return next((role for role in ROLE_ORDER if role in held), "")


def targets_for(ticket: Ticket) -> tuple[int | None, int | None]:
    """(first response, resolution) in business minutes, or (None, None) without a policy."""
    contract = ticket.contract
    if contract is None or contract.sla_policy_id is None:
        return None, None
    target = SLATarget.objects.filter(
        policy_id=contract.sla_policy_id, priority=ticket.priority
    ).first()
    return _minutes(target, ticket.requester_role)


def _minutes(target: SLATarget | None, requester_role: str) -> tuple[int | None, int | None]:
    if target is None:
        return None, None
    if requester_role in KEY_ROLES:
        return (
            target.key_first_response_minutes or target.first_response_minutes,
            target.key_resolution_minutes or target.resolution_minutes,
        )
    return target.first_response_minutes, target.resolution_minutes


def calendar_spec(ticket: Ticket) -> bh.BusinessCalendarSpec | None:
    """The business hours the ticket's SLA runs in, or None without a policy or any hours.

    Built fresh each time (two small queries): a cache keyed on the calendar would miss edits
    to its hours and closures, and a wrong deadline is worse than a query.
    """
    contract = ticket.contract
    if contract is None or contract.sla_policy_id is None:
        return None
    calendar = contract.sla_policy.calendar
    spec = bh.spec_for_calendar(calendar)
    return spec if any(spec.weekly.values()) else None


# --- Status history -------------------------------------------------------------------------


def status_timeline(ticket: Ticket, events: Iterable[TicketEvent]) -> list[tuple[dt.datetime, str]]:
    """[(since, status), …] from the ticket's opening, in time order."""
    timeline: list[tuple[dt.datetime, str]] = [(ticket.opened_at, TicketStatus.NEW)]
    for event in sorted(events, key=lambda e: (e.created_at, e.pk or 0)):
        if event.kind == EventKind.OPENED and event.data.get("status"):
            timeline[0] = (ticket.opened_at, event.data["status"])
        elif event.kind == EventKind.STATUS and event.data.get("to"):
            timeline.append((max(event.created_at, ticket.opened_at), event.data["to"]))
    return timeline


def _segments(
    timeline: Sequence[tuple[dt.datetime, str]], until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, str]]:
    out = []
    for i, (since, status) in enumerate(timeline):
        end = timeline[i + 1][0] if i + 1 < len(timeline) else until
        end = min(end, until)
        if end > since:
            out.append((since, end, status))
    return out


def _run_clock(
    clock: Clock,
    spec: bh.BusinessCalendarSpec,
    segments: Sequence[tuple[dt.datetime, dt.datetime, str]],
    current_status: str,
    now: dt.datetime,
) -> Clock:
    target = clock.target_minutes * 60 if clock.target_minutes is not None else None
    consumed = 0
    for start, end, status in segments:
        if status in PAUSED_STATUSES:
            clock.paused_seconds[status] = clock.paused_seconds.get(status, 0) + int(
                (end - start).total_seconds()
            )
            continue
        if status in DONE_STATUSES:
            continue
        worked = bh.business_seconds_between(spec, start, end)
        if target is not None and clock.breached_at is None and consumed + worked >= target:
            clock.breached_at = bh.add_business_seconds(spec, start, target - consumed)
        consumed += worked
    clock.consumed_seconds = consumed
    stopped = clock.stopped_at is not None
    running_now = not stopped and current_status not in PAUSED_STATUSES + DONE_STATUSES
    clock.paused = not stopped and current_status in PAUSED_STATUSES
    if target is not None and running_now:
        if clock.breached_at is not None:
            clock.due_at = clock.breached_at
        else:
            clock.due_at = bh.add_business_seconds(spec, now, target - consumed)
    if clock.breached_at is not None and clock.breached_at > (clock.stopped_at or now):
        clock.breached_at = None  # reached only in the future: not a breach yet
    return clock


_LOOK_UP = object()


def compute(
    ticket: Ticket,
    events: Iterable[TicketEvent],
    now: dt.datetime | None = None,
    *,
    targets: tuple[int | None, int | None] | None = None,
    spec: bh.BusinessCalendarSpec | None | object = _LOOK_UP,
) -> SLAState:
    """Both SLA clocks of `ticket` as of `now`, from its status history.

    `targets` and `spec` are looked up unless the caller already has them (refresh_many)."""
    now = now or timezone.now()
    first_target, resolution_target = targets if targets is not None else targets_for(ticket)
    first = Clock("first_response", first_target, stopped_at=ticket.first_response_at)
    resolution = Clock(
        "resolution",
        resolution_target,
        stopped_at=ticket.resolved_at if ticket.status in DONE_STATUSES else None,
    )
    if spec is _LOOK_UP:
        spec = calendar_spec(ticket)
    if spec is None:
        return SLAState(first, resolution)
    if not isinstance(spec, bh.BusinessCalendarSpec):  # narrows the sentinel (kept under -O)
        raise TypeError(f"expected a BusinessCalendarSpec, got {type(spec).__name__}")
    timeline = status_timeline(ticket, events)
    current_status = ticket.status
    for clock in (first, resolution):
        until = min(clock.stopped_at or now, now)
        _run_clock(clock, spec, _segments(timeline, until), current_status, now)
    return SLAState(first, resolution)


# --- The cache on the ticket ----------------------------------------------------------------


def role_weight(role: str) -> dt.timedelta:
    return dt.timedelta(minutes=settings.GOODWILL_QUEUE_WEIGHTS.get(role, 0))


def queue_key(ticket: Ticket, state: SLAState) -> dt.datetime | None:
    """Lower is more urgent. Paused and finished tickets have none (they sort last)."""
    if ticket.status not in TicketStatus.values or ticket.status in DONE_STATUSES:
        return None
    if ticket.status in PAUSED_STATUSES:
        return None
    due = state.next_due_at or ticket.opened_at + NO_SLA_QUEUE_DELAY
    return due - role_weight(ticket.requester_role)


CACHE_FIELDS = [
    "requester_role",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused",
    "sla_breached",
    "queue_key",
]


def refresh(ticket: Ticket, now: dt.datetime | None = None) -> SLAState:
    """Recompute the ticket's SLA cache from its events, and save it."""
    ticket.requester_role = requester_role(ticket)
    state = compute(ticket, ticket.events.all(), now)
    _apply(ticket, state)
    ticket.save(update_fields=CACHE_FIELDS)
    return state


def refresh_many(tickets: Sequence[Ticket], now: dt.datetime | None = None) -> None:
    """refresh() for a batch (mail intake): the same cache, with the roles, events, contracts,
    targets and calendars read once for all of them and one UPDATE at the end."""
    if not tickets:
        return
    from goodwill.contracts.models import Contract

    ids = [t.pk for t in tickets]
    person_ids = {t.requester_id for t in tickets}
    held: dict[int, set[str]] = {}
    for person_id, role in PersonRole.objects.filter(
        person_id__in=person_ids, dismissed_at__isnull=True
    ).values_list("person_id", "role"):
        held.setdefault(person_id, set()).add(role)
    history: dict[int, list[TicketEvent]] = {}
    for event in TicketEvent.objects.filter(ticket_id__in=ids, kind__in=CLOCK_EVENTS):
        history.setdefault(event.ticket_id, []).append(event)
    contracts = Contract.objects.select_related("sla_policy__calendar").in_bulk(
        {t.contract_id for t in tickets if t.contract_id}
    )
    policy_ids = {c.sla_policy_id for c in contracts.values() if c.sla_policy_id}
    targets = {
        (t.policy_id, t.priority): t for t in SLATarget.objects.filter(policy_id__in=policy_ids)
    }
    specs: dict[int, bh.BusinessCalendarSpec | None] = {}
    for ticket in tickets:
        ticket.requester_role = speaking_role(held.get(ticket.requester_id, ()))
        contract = contracts.get(ticket.contract_id) if ticket.contract_id else None
        policy = contract.sla_policy if contract is not None else None
        if policy is None:
            state = compute(ticket, [], now, targets=(None, None), spec=None)
        else:
            if policy.calendar_id not in specs:
                spec = bh.spec_for_calendar(policy.calendar)
                specs[policy.calendar_id] = spec if any(spec.weekly.values()) else None
            target = targets.get((policy.pk, ticket.priority))
            state = compute(
                ticket,
                history.get(ticket.pk, []),
                now,
                targets=_minutes(target, ticket.requester_role),
                spec=specs[policy.calendar_id],
            )
        _apply(ticket, state)
    update_each(tickets, CACHE_FIELDS)


# Only these events move the clocks (status_timeline reads nothing else).
CLOCK_EVENTS = (EventKind.OPENED, EventKind.STATUS)


def _apply(ticket: Ticket, state: SLAState) -> None:
    ticket.first_response_due_at = (
        state.first_response.due_at if state.first_response.stopped_at is None else None
    )
    ticket.resolution_due_at = (
        state.resolution.due_at if state.resolution.stopped_at is None else None
    )
    ticket.sla_paused = state.first_response.paused or state.resolution.paused
    ticket.sla_breached = state.first_response.breached or state.resolution.breached
    ticket.queue_key = queue_key(ticket, state)
