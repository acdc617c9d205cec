"""Turn desk events into signals as they happen (connected in HappinessConfig.ready).

Runs inside the desk action's transaction: writes go in a savepoint, and nothing here may
raise into the action (desk.events sends robustly and logs a failing receiver).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from goodwill.happiness import sources
from goodwill.happiness.signals import record, record_many

logger = logging.getLogger("goodwill.happiness")

DONE = ("resolved", "closed")
OPEN = ("new", "open", "waiting_client", "waiting_third_party")


def on_ticket_event(sender: Any, event: Any, **_: Any) -> None:
    try:
        with transaction.atomic():
            for spec in signals_for_event(event):
                record(**spec)
    except Exception:
        logger.exception("happiness: could not record signals for ticket event %s", event.pk)


def on_ticket_events(sender: Any, events: list, **_: Any) -> None:
    """The batch receiver (mail intake): the messages read in one query, the signals written
    with one INSERT, and scores refreshed as record() would (deferred inside a batch)."""
    from goodwill.desk.models import Message

    try:
        with transaction.atomic():
            ids = [e.data.get("message") for e in events if (e.data or {}).get("message")]
            messages = {
                row[0]: row[1:]
                for row in Message.objects.filter(
                    pk__in=ids, internal=False, author_person__isnull=False
                ).values_list("pk", "author_person_id", "author_person__client_id", "body")
            }
            record_many([spec for e in events for spec in signals_for_event(e, messages)])
    except Exception:
        logger.exception("happiness: could not record signals for %d ticket events", len(events))


def signals_for_event(event: Any, messages: dict[int, tuple] | None = None) -> list[dict[str, Any]]:
    """The signals one desk event means. `messages` (pk -> person, client, body of the client
    messages among the events) spares a query per event when the caller read them already."""
    from goodwill.desk.models import EventKind, Message

    ticket = event.ticket
    base = {
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "person_id": ticket.requester_id,
        "client_id": ticket.client_id,
    }
    data = event.data or {}
    at = event.created_at
    specs: list[dict[str, Any] | None] = []
    kind = event.kind
    if kind in (EventKind.OPENED, EventKind.CLIENT_REPLIED):
        if kind == EventKind.OPENED:
            specs.append(sources.ticket_opened(**base, at=at, priority=ticket.priority))
        message_id = data.get("message")
        if messages is not None:
            message = messages.get(message_id) if message_id else None
        else:
            message = (
                Message.objects.filter(pk=message_id, internal=False, author_person__isnull=False)
                .values_list("author_person_id", "author_person__client_id", "body")
                .first()
                if message_id
                else None
            )
        if message is not None:
            person_id, client_id, body = message
            specs.append(
                sources.message_sentiment(
                    message_id=message_id,
                    number=ticket.number,
                    person_id=person_id,
                    client_id=client_id,
                    at=at,
                    body=body,
                )
            )
    elif kind == EventKind.REPLIED:
        if ticket.first_response_at is None or ticket.first_response_at >= at:
            specs.append(
                sources.first_response(
                    **base, opened_at=ticket.opened_at, at=at, due_at=ticket.first_response_due_at
                )
            )
    elif kind == EventKind.SLA_BREACHED:
        specs.append(
            sources.sla_breached(
                **base, at=at, priority=ticket.priority, clock=data.get("clock", "")
            )
        )
    elif kind == EventKind.PRIORITY:
        specs.append(
            sources.escalation(
                **base, at=at, event_id=event.pk, old=data.get("from", ""), new=data.get("to", "")
            )
        )
    elif kind == EventKind.STATUS:
        old, new = data.get("from"), data.get("to")
        if old in DONE and new in OPEN and event.actor_user_id is None:
            specs.append(sources.ticket_reopened(**base, at=at, event_id=event.pk))
        elif new in DONE and old not in DONE:
            # The sweep flags breaches with an UPDATE: read the flag, not a stale instance.
            breached = (
                type(ticket)
                .objects.filter(pk=ticket.pk)
                .values_list("sla_breached", flat=True)
                .first()
            )
            specs.extend(
                sources.resolution(
                    **base,
                    opened_at=ticket.opened_at,
                    at=at,
                    due_at=ticket.resolution_due_at,
                    breached=bool(breached),
                    priority=ticket.priority,
                )
            )
            _after_resolution(ticket, at)
    return [s for s in specs if s]


def _after_resolution(ticket: Any, at: Any) -> None:
    """Queue the CSAT survey in the same transaction (the outbox sends it after commit)."""
    from goodwill.happiness import surveys

    try:
        with transaction.atomic():
            surveys.send_csat(ticket, now=at)
    except Exception:
        logger.exception("happiness: could not queue the CSAT survey for %s", ticket.pk)
