"""Every change to a ticket, one function per action.

Each action runs in a transaction, records a TicketEvent (the ticket's history and the input of
its SLA clocks) and refreshes the SLA cache. Views, mail intake, the portal and the API call
these; nothing else writes a ticket.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person, Site
from goodwill.contracts.models import Contract
from goodwill.contracts.status import LIVE_STATUSES, with_status
from goodwill.core.bulk import update_each
from goodwill.core.choices import Priority
from goodwill.desk import events, sla
from goodwill.desk.models import (
    DONE_STATUSES,
    NUMBER_OFFSET,
    PAUSED_STATUSES,
    Asset,
    Attachment,
    Category,
    Channel,
    EventKind,
    Impact,
    Message,
    Tag,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    Urgency,
    open_only,
    priority_for,
)


class TicketError(ValidationError):
    """A request that cannot be carried out, with a message for the person who asked."""


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _event(ticket: Ticket, kind: str, **fields: Any) -> TicketEvent:
    """Record and publish one event (arguments as _event_row)."""
    event = _event_row(ticket, kind, **fields)
    event.save()
    events.publish(event)
    return event


def _event_row(
    ticket: Ticket,
    kind: str,
    *,
    by_user: User | None = None,
    by_person: Person | None = None,
    at: dt.datetime | None = None,
    **data: Any,
) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_user=by_user,
        actor_person=by_person,
        data=data,
        created_at=_now(at),
    )


def _touch(ticket: Ticket, at: dt.datetime | None) -> None:
    ticket.updated_at = _now(at)
    ticket.save(update_fields=["updated_at"])


def contract_for(
    client: Client, site: Site | None = None, on: dt.date | None = None
) -> Contract | None:
    """The contract in force that covers this client (and site): the newest one, if several."""
    live = _live_contracts({client.pk}, on or timezone.localdate())
    return _covering(live.get(client.pk, []), site.pk if site else None)


@transaction.atomic
def open_ticket(
    *,
    requester: Person,
    subject: str,
    body: str = "",
    impact: int | None = None,
    urgency: int | None = None,
    priority: str | None = None,
    category: str = Category.OTHER,
    channel: str = Channel.STAFF,
    by_user: User | None = None,
    site: Site | None = None,
    asset: Asset | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    opened_at: dt.datetime | None = None,
    recurring: Any = None,
    recurring_due_at: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket for `requester`. Priority comes from impact × urgency unless given."""
    subject = subject.strip()
    if not subject:
        raise TicketError({"subject": "A ticket needs a subject."})
    client = requester.client
    if site is not None and site.client_id != client.pk:
        raise TicketError({"site": f"{site} is not a site of {client}."})
    if asset is not None and asset.client_id != client.pk:
        raise TicketError({"asset": f"{asset} does not belong to {client}."})
    impact = impact or Impact.LOW
    urgency = urgency or Urgency.MEDIUM
    priority = priority or priority_for(impact, urgency)
    Priority(priority)
    at = _now(opened_at)
    ticket = Ticket(
        client=client,
        requester=requester,
        contract=contract_for(client, site or requester.site, timezone.localtime(at).date()),
        site=site or requester.site,
        asset=asset,
        subject=subject[:255],
        priority=priority,
        impact=impact,
        urgency=urgency,
        category=category,
        channel=channel,
        assignee=assignee,
        opened_at=at,
        updated_at=at,
        recurring=recurring,
        recurring_due_at=recurring_due_at,
    )
    ticket.save()
    _number([ticket])
    first = None
    if body.strip():
        first = _first_message(ticket, body, by_user=by_user)
        first.save()
    _event(ticket, EventKind.OPENED, **_opened_data(ticket, first, by_user=by_user))
    if tags:
        _set_tags(ticket, tags)
    sla.refresh(ticket)
    return ticket


def _number(tickets: list[Ticket]) -> None:
    """Human references follow the primary key: unique and stable without a sequence table."""
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(number=F("id") + NUMBER_OFFSET)
    for ticket in tickets:
        ticket.number = ticket.pk + NUMBER_OFFSET


def _first_message(ticket: Ticket, body: str, *, by_user: User | None) -> Message:
    staff = ticket.channel == Channel.STAFF and by_user is not None
    return Message(
        ticket=ticket,
        author_user=by_user if staff else None,
        author_person=None if staff else ticket.requester,
        body=body,
        channel=ticket.channel,
        created_at=ticket.opened_at,
    )


def _opened_data(ticket: Ticket, first: Message | None, *, by_user: User | None) -> dict:
    return {
        "by_user": by_user,
        "by_person": None if by_user else ticket.requester,
        "at": ticket.opened_at,
        "status": TicketStatus.NEW,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "message": first.pk if first else None,
    }


@dataclass
class Opening:
    """One ticket for open_many: what open_ticket is given when a client writes in."""

    requester: Person
    subject: str
    body: str
    channel: str = Channel.EMAIL
    opened_at: dt.datetime | None = None


@transaction.atomic
def open_many(openings: Sequence[Opening]) -> list[tuple[Ticket, Message | None, TicketEvent]]:
    """open_ticket for a batch of tickets clients raised (mail intake): the same rows, events
    and SLA cache, written with a handful of statements instead of a dozen per ticket.

    The events are returned unpublished: the caller publishes them with events.publish_many
    once the batch is written, so the other apps can take them in batches too."""
    clients = {o.requester.client_id for o in openings}
    live: dict[dt.date, dict[int, list[Contract]]] = {}  # the contracts in force, by day
    tickets: list[Ticket] = []
    for opening in openings:
        subject = opening.subject.strip()
        if not subject:
            raise TicketError({"subject": "A ticket needs a subject."})
        requester, at = opening.requester, _now(opening.opened_at)
        day = timezone.localtime(at).date()
        if day not in live:
            live[day] = _live_contracts(clients, day)
        contract = _covering(live[day].get(requester.client_id, []), requester.site_id)
        impact, urgency = Impact.LOW, Urgency.MEDIUM
        tickets.append(
            Ticket(
                client=requester.client,
                requester=requester,
                contract=contract,
                site=requester.site,
                subject=subject[:255],
                priority=priority_for(impact, urgency),
                impact=impact,
                urgency=urgency,
                category=Category.OTHER,
                channel=opening.channel,
                opened_at=at,
                updated_at=at,
            )
        )
    Ticket.objects.bulk_create(tickets)
    _number(tickets)
    firsts = [
        _first_message(ticket, opening.body, by_user=None) if opening.body.strip() else None
        for ticket, opening in zip(tickets, openings, strict=True)
    ]
    Message.objects.bulk_create([m for m in firsts if m is not None])
    opened = [
        _event_row(ticket, EventKind.OPENED, **_opened_data(ticket, first, by_user=None))
        for ticket, first in zip(tickets, firsts, strict=True)
    ]
    TicketEvent.objects.bulk_create(opened)
    sla.refresh_many(tickets)
    return list(zip(tickets, firsts, opened, strict=True))


def _live_contracts(client_ids: set[int], on: dt.date) -> dict[int, list[Contract]]:
    """contract_for's candidates for many clients in one query: newest first, with sites."""
    by_client: dict[int, list[Contract]] = {}
    contracts = (
        with_status(Contract.objects.filter(client_id__in=client_ids), on)
        .filter(status__in=LIVE_STATUSES)
        .prefetch_related("sites")
        .order_by("-start_date", "-pk")
    )
    for contract in contracts:
        by_client.setdefault(contract.client_id, []).append(contract)
    return by_client


def _covering(contracts: list[Contract], site_id: int | None) -> Contract | None:
    """contract_for's choice among one client's live contracts: the newest that has no sites
    or names this one."""
    for contract in contracts:
        sites = {s.pk for s in contract.sites.all()}
        if site_id is None or not sites or site_id in sites:
            return contract
    return None


def can_reply_in_batch(ticket: Ticket) -> bool:
    """A client's reply that changes nothing but the conversation: reply_many can add it.
    (One to a paused or finished ticket reopens it: that goes through reply().)"""
    return ticket.status not in PAUSED_STATUSES and ticket.status not in DONE_STATUSES


@transaction.atomic
def reply_many(
    replies: Sequence[tuple[Ticket, str, Person, dt.datetime | None]],
    *,
    channel: str = Channel.EMAIL,
) -> list[tuple[Message, TicketEvent]]:
    """reply() for a batch of client replies (ticket, body, person, at) to tickets that stay as
    they are (can_reply_in_batch). Events are returned unpublished, as by open_many."""
    messages, replied = [], []
    touched: dict[int, Ticket] = {}
    for ticket, body, person, at in replies:
        if not can_reply_in_batch(ticket):
            raise TicketError({"body": f"{ticket.reference} needs reply(): it would reopen."})
        if not body.strip():
            raise TicketError({"body": "The reply is empty."})
        at = _now(at)
        messages.append(
            Message(
                ticket=ticket,
                author_person=person,
                body=body,
                channel=channel,
                created_at=at,
            )
        )
        ticket.updated_at = max(ticket.updated_at or at, at)
        touched[ticket.pk] = ticket
    Message.objects.bulk_create(messages)
    for message, (ticket, _, person, _) in zip(messages, replies, strict=True):
        replied.append(
            _event_row(
                ticket,
                EventKind.CLIENT_REPLIED,
                by_person=person,
                at=message.created_at,
                message=message.pk,
            )
        )
    TicketEvent.objects.bulk_create(replied)
    update_each(list(touched.values()), ["updated_at"])
    sla.refresh_many(list(touched.values()))
    return list(zip(messages, replied, strict=True))


@transaction.atomic
def reply(
    ticket: Ticket,
    body: str,
    *,
    by_user: User | None = None,
    by_person: Person | None = None,
    channel: str | None = None,
    at: dt.datetime | None = None,
) -> Message:
    """A public reply. Staff replies count as the first response; a client's reply to a ticket
    that waits on them, or was resolved, puts it back in our court."""
    if (by_user is None) == (by_person is None):
        raise ValueError("A reply comes from exactly one of a staff user or a person")
    if not body.strip():
        raise TicketError({"body": "The reply is empty."})
    at = _now(at)
    message = Message.objects.create(
        ticket=ticket,
        author_user=by_user,
        author_person=by_person,
        body=body,
        channel=channel or (Channel.STAFF if by_user else Channel.EMAIL),
        created_at=at,
    )
    if by_user is not None:
        _event(ticket, EventKind.REPLIED, by_user=by_user, at=at, message=message.pk)
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            ticket.save(update_fields=["first_response_at"])
        if ticket.status == TicketStatus.NEW:
            _set_status(ticket, TicketStatus.OPEN, by_user=by_user, at=at)
    else:
        _event(ticket, EventKind.CLIENT_REPLIED, by_person=by_person, at=at, message=message.pk)
        if ticket.status in PAUSED_STATUSES or ticket.status in DONE_STATUSES:
            _set_status(ticket, TicketStatus.OPEN, by_person=by_person, at=at)
    _touch(ticket, at)
    sla.refresh(ticket)
    return message


@transaction.atomic
def add_note(ticket: Ticket, body: str, *, by_user: User, at: dt.datetime | None = None) -> Message:
    """An internal note: never shown to the client, never a response."""
    if not body.strip():
        raise TicketError({"body": "The note is empty."})
    at = _now(at)
    message = Message.objects.create(
        ticket=ticket, author_user=by_user, body=body, internal=True, created_at=at
    )
    _event(ticket, EventKind.NOTE, by_user=by_user, at=at, message=message.pk)
    _touch(ticket, at)
    return message


def _set_status(
    ticket: Ticket,
    status: str,
    *,
    by_user: User | None = None,
    by_person: Person | None = None,
    at: dt.datetime,
) -> None:
    old = ticket.status
    if old == status:
        return
    ticket.status = status
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    else:
        # Reopened: the resolution clock resumes where it stopped.
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.save(update_fields=["status", "resolved_at", "closed_at"])
    _event(
        ticket,
        EventKind.STATUS,
        by_user=by_user,
        by_person=by_person,
        at=at,
        **{"from": old, "to": status},
    )


@transaction.atomic
def change_status(
    ticket: Ticket,
    status: str,
    *,
    by_user: User | None = None,
    by_person: Person | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    TicketStatus(status)
    if ticket.merged_into_id and status != TicketStatus.CLOSED:
        raise TicketError(
            {"status": f"This ticket was merged into {ticket.merged_into.reference}."}
        )
    at = _now(at)
    _set_status(ticket, status, by_user=by_user, by_person=by_person, at=at)
    _touch(ticket, at)
    sla.refresh(ticket)
    return ticket


@transaction.atomic
def change_priority(
    ticket: Ticket, priority: str, *, by_user: User, at: dt.datetime | None = None
) -> Ticket:
    Priority(priority)
    if ticket.priority == priority:
        return ticket
    at = _now(at)
    old, ticket.priority = ticket.priority, priority
    ticket.save(update_fields=["priority"])
    _event(ticket, EventKind.PRIORITY, by_user=by_user, at=at, **{"from": old, "to": priority})
    _touch(ticket, at)
    sla.refresh(ticket)
    return ticket


@transaction.atomic
def assign(
    ticket: Ticket, assignee: User | None, *, by_user: User | None, at: dt.datetime | None = None
) -> Ticket:
    if assignee is not None and not assignee.is_goodwill_staff:
        raise TicketError({"assignee": f"{assignee} is not a member of staff."})
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    at = _now(at)
    old = ticket.assignee
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    _event(
        ticket,
        EventKind.ASSIGNED,
        by_user=by_user,
        at=at,
        **{"from": str(old) if old else None, "to": str(assignee) if assignee else None},
    )
    _touch(ticket, at)
    return ticket


@transaction.atomic
def log_time(
    ticket: Ticket,
    minutes: int,
    *,
    by_user: User,
    billable: bool = False,
    note: str = "",
    work_date: dt.date | None = None,
) -> TimeEntry:
    if minutes <= 0:
        raise TicketError({"minutes": "Log at least one minute."})
    if minutes > 24 * 60:
        raise TicketError({"minutes": "One entry cannot be more than 24 hours."})
    entry = TimeEntry.objects.create(
        ticket=ticket,
        contract=ticket.contract,
        user=by_user,
        minutes=minutes,
        billable=billable,
        note=note[:255],
        work_date=work_date or timezone.localdate(),
    )
    _event(ticket, EventKind.TIME, by_user=by_user, minutes=minutes, billable=billable)
    _touch(ticket, None)
    return entry


@transaction.atomic
def attach(
    ticket: Ticket,
    upload: UploadedFile,
    *,
    by_user: User | None = None,
    by_person: Person | None = None,
    message: Message | None = None,
) -> Attachment:
    limit = settings.GOODWILL_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise TicketError(
            {"file": f"{upload.name} is {upload.size // 1024} KB; the limit is {limit // 1024} KB."}
        )
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = Attachment(
        ticket=ticket,
        message=message,
        filename=name,
        content_type=content_type,
        size=upload.size or 0,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _event(ticket, EventKind.ATTACHED, by_user=by_user, by_person=by_person, filename=name)
    return attachment


def _set_tags(ticket: Ticket, names: Iterable[str]) -> list[str]:
    clean = sorted({n.strip().lower()[:50] for n in names if n.strip()})
    tags = [Tag.objects.get_or_create(name=n)[0] for n in clean]
    ticket.tags.set(tags)
    return clean


@transaction.atomic
def set_tags(ticket: Ticket, names: Iterable[str], *, by_user: User) -> list[str]:
    clean = _set_tags(ticket, names)
    _event(ticket, EventKind.TAGGED, by_user=by_user, tags=clean)
    return clean


@transaction.atomic
def merge(source: Ticket, target: Ticket, *, by_user: User) -> Ticket:
    """Fold `source` into `target`: its conversation, files and time move; it is closed."""
    if source.pk == target.pk:
        raise TicketError({"target": "A ticket cannot be merged into itself."})
    if source.client_id != target.client_id:
        raise TicketError({"target": "Tickets of different clients cannot be merged."})
    if target.merged_into_id:
        raise TicketError(
            {"target": f"{target.reference} was itself merged; pick the ticket it went into."}
        )
    Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    TimeEntry.objects.filter(ticket=source).update(ticket=target)
    Ticket.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    now = timezone.now()
    _event(source, EventKind.MERGED, by_user=by_user, at=now, into=target.reference)
    _event(target, EventKind.MERGED, by_user=by_user, at=now, merged=source.reference)
    _set_status(source, TicketStatus.CLOSED, by_user=by_user, at=now)
    _touch(target, now)
    sla.refresh(source)
    sla.refresh(target)
    return target


@transaction.atomic
def split(ticket: Ticket, message: Message, *, by_user: User, subject: str = "") -> Ticket:
    """Move one message (and its files) into a new ticket of its own."""
    if message.ticket_id != ticket.pk:
        raise TicketError({"message": "That message is not on this ticket."})
    requester = message.author_person or ticket.requester
    new = open_ticket(
        requester=requester,
        subject=subject or f"Split from {ticket.reference}: {ticket.subject}",
        priority=ticket.priority,
        category=ticket.category,
        channel=ticket.channel,
        by_user=by_user,
        site=ticket.site,
        opened_at=message.created_at,
    )
    Message.objects.filter(pk=message.pk).update(ticket=new)
    Attachment.objects.filter(message=message).update(ticket=new)
    _event(ticket, EventKind.SPLIT, by_user=by_user, into=new.reference)
    _event(new, EventKind.SPLIT, by_user=by_user, split_from=ticket.reference)
    sla.refresh(new)
    return new


# --- Worker job -----------------------------------------------------------------------------


def sweep_sla(now: dt.datetime | None = None) -> int:
    """Record "due soon" and "breached" once per clock for open tickets, by due time.

    Selected through the queue index (due - weight = queue_key, so due <= T implies
    queue_key <= T), so the sweep reads only tickets near a deadline however long the history.
    Each event has a unique once_key: a second sweep, or a second worker, records nothing new.
    """
    now = now or timezone.now()
    soon = now + dt.timedelta(minutes=settings.GOODWILL_SLA_DUE_SOON_MINUTES)
    recorded = 0
    candidates = Ticket.objects.filter(open_only(), queue_key__lte=soon)
    for ticket in candidates.iterator():
        for clock, due in (
            ("first_response", ticket.first_response_due_at),
            ("resolution", ticket.resolution_due_at),
        ):
            if due is None or due > soon:
                continue
            kind = EventKind.SLA_BREACHED if due <= now else EventKind.SLA_DUE_SOON
            event, created = TicketEvent.objects.get_or_create(
                ticket=ticket,
                kind=kind,
                once_key=clock,
                defaults={"created_at": now, "data": {"clock": clock, "due": due.isoformat()}},
            )
            if created:
                events.publish(event)
            recorded += created
            if kind == EventKind.SLA_BREACHED and not ticket.sla_breached:
                Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True)
    return recorded


def refresh_open_tickets(batch: int = 500) -> int:
    """Recompute the SLA cache of every open ticket (after an SLA policy or calendar edit)."""
    count = 0
    for ticket in (
        Ticket.objects.filter(open_only())
        .select_related("contract__sla_policy__calendar")
        .iterator(chunk_size=batch)
    ):
        sla.refresh(ticket)
        count += 1
    return count
