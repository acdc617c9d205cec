"""Rebuild signals from what the desk already knows (tickets, their events and messages).

Idempotent by key (the same keys the live receiver uses) and bulk: rows are built from
value lists and inserted in batches with INSERT … ON CONFLICT (key) DO NOTHING, so a second
run, or a run after live recording, adds nothing twice. Scores are recomputed afterwards, once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from goodwill.happiness import sources
from goodwill.happiness.models import Signal

BATCH = 5000


@dataclass
class BackfillResult:
    considered: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.considered} signals considered (new ones added) in {self.seconds:.1f} s"


def _ticket_specs(since: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    from goodwill.desk.models import Ticket

    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if since is not None:
        tickets = tickets.filter(opened_at__gte=since)
    rows = tickets.values_list(
        "pk", "number", "requester_id", "client_id", "priority", "opened_at",
        "first_response_at", "first_response_due_at", "resolved_at", "resolution_due_at",
        "sla_breached",
    )
    for (pk, number, person_id, client_id, priority, opened_at, responded_at, response_due,
         resolved_at, resolution_due, breached) in rows.iterator(chunk_size=BATCH):
        base = {"ticket_id": pk, "number": number, "person_id": person_id,
                "client_id": client_id}
        yield sources.ticket_opened(**base, at=opened_at, priority=priority)
        if responded_at:
            yield sources.first_response(
                **base, opened_at=opened_at, at=responded_at, due_at=response_due
            )
        if breached:
            # The moment it breached: the earliest deadline known, else when it was opened.
            dues = [d for d in (response_due, resolution_due) if d]
            yield sources.sla_breached(**base, at=min(dues) if dues else opened_at,
                                       priority=priority)
        if resolved_at:
            yield from sources.resolution(
                **base, opened_at=opened_at, at=resolved_at, due_at=resolution_due,
                breached=breached, priority=priority,
            )


def _event_specs(since: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    from goodwill.desk.models import EventKind, TicketEvent

    events = TicketEvent.objects.filter(
        kind__in=[EventKind.PRIORITY, EventKind.STATUS, EventKind.SLA_BREACHED]
    )
    if since is not None:
        events = events.filter(created_at__gte=since)
    rows = events.values_list(
        "pk", "kind", "data", "created_at", "actor_user_id", "ticket_id", "ticket__number",
        "ticket__requester_id", "ticket__client_id", "ticket__priority",
    )
    for (pk, kind, data, at, actor_user, ticket_id, number, person_id, client_id,
         priority) in rows.iterator(chunk_size=BATCH):
        data = data or {}
        base = {"ticket_id": ticket_id, "number": number, "person_id": person_id,
                "client_id": client_id}
        if kind == EventKind.PRIORITY:
            spec = sources.escalation(**base, at=at, event_id=pk, old=data.get("from", ""),
                                      new=data.get("to", ""))
            if spec:
                yield spec
        elif kind == EventKind.SLA_BREACHED:
            yield sources.sla_breached(**base, at=at, priority=priority,
                                       clock=data.get("clock", ""))
        elif (data.get("from") in ("resolved", "closed")
              and data.get("to") in ("new", "open", "waiting_client", "waiting_third_party")
              and actor_user is None):
            yield sources.ticket_reopened(**base, at=at, event_id=pk)


# Tone older than this no longer moves a score (its weight is under 0.3 %), and scoring text
# is the slow part of a backfill: older messages are left unscored.
SENTIMENT_DAYS = 180


def _message_specs(now: dt.datetime) -> Iterator[dict[str, Any]]:
    from goodwill.desk.models import Message

    rows = Message.objects.filter(
        internal=False, author_person__isnull=False,
        created_at__gte=now - dt.timedelta(days=SENTIMENT_DAYS),
    ).values_list(
        "pk", "ticket__number", "author_person_id", "author_person__client_id", "created_at",
        "body",
    )
    for pk, number, person_id, client_id, at, body in rows.iterator(chunk_size=BATCH):
        yield sources.message_sentiment(message_id=pk, number=number, person_id=person_id,
                                        client_id=client_id, at=at, body=body)


COLUMNS = ("client_id", "person_id", "kind", "value", "occurred_at", "source", "key", "note",
           "details", "created_at")


def _insert(rows: list[tuple]) -> None:
    """One prepared INSERT … ON CONFLICT (key) DO NOTHING for the batch (both databases):
    several times faster than bulk_create, which builds the SQL for every row."""
    table = connection.ops.quote_name(Signal._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = (f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 (constants)  # nosec B608
           f"ON CONFLICT ({connection.ops.quote_name('key')}) DO NOTHING")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _prepare(specs: Iterator[dict[str, Any]], now: dt.datetime) -> Iterator[tuple]:
    fields = {f.name: f for f in Signal._meta.concrete_fields}
    at, details, created = fields["occurred_at"], fields["details"], fields["created_at"]
    created_value = created.get_db_prep_save(now, connection)
    for spec in specs:
        yield (
            spec["client_id"], spec["person_id"], spec["kind"],
            max(-1.0, min(1.0, float(spec["value"]))),
            at.get_db_prep_save(spec["occurred_at"], connection),
            spec["source"][:100], spec["key"], spec["note"][:300],
            details.get_db_prep_save(spec["details"], connection), created_value,
        )


def backfill(now: dt.datetime | None = None, *, days: int | None = None) -> BackfillResult:
    """Signals from the desk's history; with `days`, only from that many days back (the demo
    uses SENTIMENT_DAYS: older signals weigh under 0.3 % of a score, and skipping them halves
    the demo's backfill at a million tickets)."""
    from django.utils import timezone

    started = time.perf_counter()
    now = now or timezone.now()
    since = now - dt.timedelta(days=days) if days is not None else None
    count = 0
    batch: list[tuple] = []
    with transaction.atomic():
        for generator in (_ticket_specs(since), _event_specs(since), _message_specs(now)):
            for row in _prepare(generator, now):
                batch.append(row)
                if len(batch) >= BATCH:
                    _insert(batch)
                    count += len(batch)
                    batch = []
        if batch:
            _insert(batch)
            count += len(batch)
    return BackfillResult(count, time.perf_counter() - started)
