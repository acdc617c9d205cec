"""What the ticket page shows, read from the database in a fixed number of queries.

Reading only: every change goes through desk.services. This module turns a ticket, its events
and its SLA state into what people read: clocks in words ("paused 2 h 10 min waiting on
client"), the history as sentences ("Tess Tech set status to Waiting on client"), file sizes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.accounts.permissions import CAPABILITIES
from goodwill.clients.models import PersonRole, StakeholderRole
from goodwill.core.choices import Priority
from goodwill.desk import sla
from goodwill.desk.models import (
    PAUSED_STATUSES,
    Attachment,
    Channel,
    EventKind,
    Message,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    open_only,
)

OTHER_TICKETS_SHOWN = 8
CLOCK_LABELS = {"first_response": "First response", "resolution": "Resolution"}


# --- Words ----------------------------------------------------------------------------------


def duration_text(seconds: float | int | None) -> str:
    """'under a minute', '35 min', '2 h 10 min', '3 d 4 h'. ticket.js writes the same."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    minutes = seconds // 60
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def minutes_text(minutes: int | None) -> str:
    """Logged time: '45 min', '1 h 30 min', '26 h' (hours, never days: people bill hours)."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def status_label(value: str) -> str:
    try:
        return TicketStatus(value).label
    except ValueError:
        return value


def _actor(event: TicketEvent) -> str:
    if event.actor_user_id:
        return str(event.actor_user)
    if event.actor_person_id:
        return str(event.actor_person)
    return ""


def event_sentence(event: TicketEvent) -> str:
    """One line of the history, as a person would say it."""
    who = _actor(event)
    data: dict[str, Any] = event.data or {}
    kind = event.kind
    if kind in (EventKind.SLA_DUE_SOON, EventKind.SLA_BREACHED):
        clock = CLOCK_LABELS.get(data.get("clock", ""), "a clock").lower()
        return f"SLA {'breached' if kind == EventKind.SLA_BREACHED else 'due soon'}: {clock}"
    subject = who or "Goodwill"
    if kind == EventKind.OPENED:
        channel = data.get("channel", "")
        how = f" by {Channel(channel).label.lower()}" if channel in Channel.values else ""
        if channel in (Channel.STAFF, Channel.API):
            how = ""
        return f"{subject} opened the ticket{how}"
    if kind in (EventKind.REPLIED, EventKind.CLIENT_REPLIED):
        return f"{subject} replied"
    if kind == EventKind.NOTE:
        return f"{subject} added an internal note"
    if kind == EventKind.STATUS:
        to = status_label(data.get("to", ""))
        if not who:
            return f"Status set to {to}"
        return f"{who} set status to {to}"
    if kind == EventKind.PRIORITY:
        return f"{subject} changed priority from {data.get('from')} to {data.get('to')}"
    if kind == EventKind.ASSIGNED:
        if data.get("to"):
            return f"{subject} assigned the ticket to {data['to']}"
        return f"{subject} unassigned the ticket" + (
            f" (was {data['from']})" if data.get("from") else ""
        )
    if kind == EventKind.TIME:
        kind_of = "billable" if data.get("billable") else "covered by the contract"
        return f"{subject} logged {minutes_text(data.get('minutes'))} ({kind_of})"
    if kind == EventKind.ATTACHED:
        return f"{subject} attached {data.get('filename', 'a file')}"
    if kind == EventKind.MERGED:
        if data.get("into"):
            return f"{subject} merged this ticket into {data['into']}"
        return f"{subject} merged {data.get('merged', 'a ticket')} into this ticket"
    if kind == EventKind.SPLIT:
        if data.get("into"):
            return f"{subject} split a message off into {data['into']}"
        return f"{subject} split this ticket off {data.get('split_from', 'another ticket')}"
    if kind == EventKind.TAGGED:
        tags = data.get("tags") or []
        return f"{subject} set tags to {', '.join(tags)}" if tags else f"{subject} removed the tags"
    return f"{subject}: {event.get_kind_display().lower()}"


EVENT_ICONS = {
    EventKind.OPENED: "plus-circle",
    EventKind.REPLIED: "reply",
    EventKind.CLIENT_REPLIED: "chat-left-text",
    EventKind.NOTE: "sticky",
    EventKind.STATUS: "arrow-repeat",
    EventKind.PRIORITY: "flag",
    EventKind.ASSIGNED: "person-check",
    EventKind.TIME: "stopwatch",
    EventKind.ATTACHED: "paperclip",
    EventKind.MERGED: "union",
    EventKind.SPLIT: "scissors",
    EventKind.TAGGED: "tags",
    EventKind.SLA_DUE_SOON: "hourglass-split",
    EventKind.SLA_BREACHED: "exclamation-octagon",
}


@dataclass
class HistoryLine:
    at: dt.datetime
    text: str
    icon: str
    alert: bool


def history(events: list[TicketEvent]) -> list[HistoryLine]:
    """Newest first."""
    lines = [
        HistoryLine(
            at=e.created_at,
            text=event_sentence(e),
            icon=EVENT_ICONS.get(e.kind, "dot"),
            alert=e.kind == EventKind.SLA_BREACHED,
        )
        for e in events
    ]
    lines.reverse()
    return lines


# --- SLA clocks -----------------------------------------------------------------------------


@dataclass
class ClockView:
    """One SLA clock as the page shows it. `colour` is green, amber, red, grey or met."""

    name: str
    label: str
    state: str
    colour: str
    headline: str
    detail: str = ""
    due_at: dt.datetime | None = None
    # For ticket.js: it ticks the headline from these between the server's 60 s refreshes.
    tick: str = ""  # "due", "breached" or "paused"
    tick_from: dt.datetime | None = None
    soon_seconds: int = 0
    paused_reason: str = ""

    @property
    def tick_iso(self) -> str:
        return self.tick_from.replace(microsecond=0).isoformat() if self.tick_from else ""


def paused_text(seconds: float, reason: str) -> str:
    """'Paused 2 h 10 min waiting on client'; ticket.js writes the same."""
    if seconds < 60:
        return f"Paused just now, {reason}"
    return f"Paused {duration_text(seconds)} {reason}"


def _pause_reason(status: str) -> str:
    if status == TicketStatus.WAITING_CLIENT:
        return "waiting on client"
    return "waiting on a third party"


def clock_view(
    clock: sla.Clock, ticket: Ticket, paused_since: dt.datetime | None, now: dt.datetime
) -> ClockView:
    soon = settings.GOODWILL_SLA_DUE_SOON_MINUTES * 60
    label = CLOCK_LABELS.get(clock.name, clock.name)
    target = minutes_text(clock.target_minutes) if clock.target_minutes is not None else ""
    base = {"name": clock.name, "label": label, "state": clock.state, "soon_seconds": soon}
    state = clock.state
    if state == "none":
        why = "No contract covers this ticket" if ticket.contract_id is None else "No SLA target"
        return ClockView(**base, colour="grey", headline="No SLA", detail=why)
    if state == "met":
        took = duration_text(clock.consumed_seconds)
        return ClockView(**base, colour="met", headline=f"Met in {took}", detail=f"target {target}")
    if state == "breached" and clock.breached_at is not None:
        if clock.stopped_at is not None:
            took = duration_text(clock.consumed_seconds)
            return ClockView(
                **base,
                colour="red",
                headline="Breached",
                detail=f"took {took} of business time, target {target}",
                due_at=clock.breached_at,
            )
        ago = duration_text((now - clock.breached_at).total_seconds())
        return ClockView(
            **base,
            colour="red",
            headline=f"Breached {ago} ago",
            detail=f"target {target}",
            due_at=clock.breached_at,
            tick="breached",
            tick_from=clock.breached_at,
        )
    left = duration_text(clock.remaining_seconds)
    if state == "paused":
        reason = _pause_reason(ticket.status)
        since = paused_since or now
        return ClockView(
            **base,
            colour="grey",
            headline=paused_text((now - since).total_seconds(), reason),
            detail=f"{left} of business time left, target {target}",
            tick="paused",
            tick_from=since,
            paused_reason=reason,
        )
    # Running.
    due = clock.due_at
    remaining = (due - now).total_seconds() if due else 0
    if due is None or remaining <= 0:
        return ClockView(
            **base, colour="red", headline="Due now", detail=f"target {target}", due_at=due
        )
    return ClockView(
        **base,
        colour="amber" if remaining <= soon else "green",
        headline=f"Due in {duration_text(remaining)}",
        detail=f"{left} of business time left, target {target}",
        due_at=due,
        tick="due",
        tick_from=due,
    )


def paused_since(ticket: Ticket, events: list[TicketEvent]) -> dt.datetime | None:
    if ticket.status not in PAUSED_STATUSES:
        return None
    return sla.status_timeline(ticket, events)[-1][0]


@dataclass
class Clocks:
    ticket: Ticket
    clocks: list[ClockView]

    @property
    def live(self) -> bool:
        """Worth refreshing: a clock still runs or waits."""
        return any(c.state in ("running", "paused") or c.tick for c in self.clocks)


def clocks_for(ticket: Ticket, events: list[TicketEvent], now: dt.datetime | None = None) -> Clocks:
    now = now or timezone.now()
    state = sla.compute(ticket, events, now)
    since = paused_since(ticket, events)
    return Clocks(ticket, [clock_view(c, ticket, since, now) for c in state.clocks])


# --- Loading --------------------------------------------------------------------------------


def ticket_queryset() -> Any:
    return Ticket.objects.select_related(
        "client",
        "requester",
        "contract__sla_policy__calendar",
        "site",
        "asset",
        "assignee",
        "merged_into",
    )


def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor_user", "actor_person"))


def workers() -> Any:
    """Staff who can be given tickets."""
    return User.objects.filter(is_active=True, role__in=CAPABILITIES["tickets.work"]).order_by(
        "first_name", "last_name", "username"
    )


@dataclass
class Turn:
    message: Message
    files: list[Attachment] = field(default_factory=list)


def conversation(ticket: Ticket) -> tuple[list[Turn], list[Attachment]]:
    """The messages with their files, and the files attached to no message."""
    files: dict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in ticket.attachments.all():
        files[attachment.message_id].append(attachment)
    turns = [
        Turn(m, files.pop(m.pk, []))
        for m in ticket.messages.select_related("author_user", "author_person")
    ]
    loose = [a for group in files.values() for a in group]
    loose.sort(key=lambda a: (a.uploaded_at, a.pk))
    return turns, loose


@dataclass
class TimeSummary:
    entries: list[TimeEntry]
    total: int
    covered: int
    billable: int


def time_summary(ticket: Ticket) -> TimeSummary:
    entries = list(ticket.time_entries.select_related("user"))
    billable = sum(e.minutes for e in entries if e.billable)
    total = sum(e.minutes for e in entries)
    return TimeSummary(entries, total, total - billable, billable)


def requester_roles(ticket: Ticket) -> list[PersonRole]:
    order = {role: i for i, role in enumerate(StakeholderRole.values)}
    roles = PersonRole.objects.filter(person_id=ticket.requester_id, dismissed_at__isnull=True)
    return sorted(roles, key=lambda r: order.get(r.role, 99))


def other_open_tickets(ticket: Ticket) -> tuple[list[Ticket], int]:
    """The client's other open tickets, most urgent first (the client queue index)."""
    others = (
        Ticket.objects.filter(open_only(), client_id=ticket.client_id)
        .exclude(pk=ticket.pk)
        .order_by(F("queue_key").asc(nulls_last=True), "id")
    )
    shown = list(others.select_related("assignee")[:OTHER_TICKETS_SHOWN])
    count = len(shown) if len(shown) < OTHER_TICKETS_SHOWN else others.count()
    return shown, count


def page_context(ticket: Ticket, *, can_work: bool) -> dict[str, Any]:
    events = ticket_events(ticket)
    turns, loose_files = conversation(ticket)
    others, others_count = other_open_tickets(ticket)
    return {
        "ticket": ticket,
        "tags": list(ticket.tags.all()),
        "turns": turns,
        "loose_files": loose_files,
        "clocks": clocks_for(ticket, events),
        "history": history(events),
        "time": time_summary(ticket),
        "requester_roles": requester_roles(ticket),
        "other_tickets": others,
        "other_tickets_count": others_count,
        "can_work": can_work,
        "statuses": TicketStatus.choices,
        "priorities": Priority.choices,
        "workers": list(workers()) if can_work else [],
        "max_attachment": size_text(settings.GOODWILL_MAX_ATTACHMENT_BYTES),
    }
