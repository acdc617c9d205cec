"""What each desk fact means for a person's happiness: one function per signal source.

Both the live receiver (receivers.py, on every ticket event) and the backfill (backfill.py,
over existing tickets) build their signals here, with the same idempotency keys, so a backfill
after live recording adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from goodwill.happiness import sentiment
from goodwill.happiness.models import SignalKind

# A breach on a P1 hurts more than on a P4.
BREACH_VALUE = {"P1": -0.9, "P2": -0.7, "P3": -0.5, "P4": -0.4}
PRIORITY_WORDS = {"P1": "P1", "P2": "P2", "P3": "P3", "P4": "P4"}
OPENED_VALUE = -0.05  # a ticket means something broke, but raising it is not unhappiness
REOPENED_VALUE = -0.4
ESCALATION_VALUE = -0.3
MET_VALUE = 0.15
SENTIMENT_WEIGHT = 1.0


def ref(number: int | None) -> str:
    return f"GW-{number}" if number else "GW-…"


def spec(**kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("details", {})
    return kwargs


def ticket_opened(*, ticket_id: int, number: int, person_id: int, client_id: int,
                  at: dt.datetime, priority: str) -> dict[str, Any]:
    return spec(
        kind=SignalKind.TICKET_OPENED, value=OPENED_VALUE, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"opened:{ticket_id}", note=f"raised {ref(number)} ({priority})",
        details={"ticket": ticket_id, "priority": priority},
    )


def ticket_reopened(*, ticket_id: int, number: int, person_id: int, client_id: int,
                    at: dt.datetime, event_id: int) -> dict[str, Any]:
    return spec(
        kind=SignalKind.TICKET_REOPENED, value=REOPENED_VALUE, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"reopened:{event_id}", note=f"reopened {ref(number)}: the fix did not hold",
        details={"ticket": ticket_id},
    )


def escalation(*, ticket_id: int, number: int, person_id: int, client_id: int,
               at: dt.datetime, event_id: int, old: str, new: str) -> dict[str, Any] | None:
    if not (old and new and new < old):  # "P1" < "P3": raised
        return None
    return spec(
        kind=SignalKind.ESCALATION, value=ESCALATION_VALUE, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"escalation:{event_id}", note=f"{ref(number)} escalated from {old} to {new}",
        details={"ticket": ticket_id, "from": old, "to": new},
    )


def sla_breached(*, ticket_id: int, number: int, person_id: int, client_id: int,
                 at: dt.datetime, priority: str, clock: str = "") -> dict[str, Any]:
    # One breach per ticket: "3 breached P1s" counts tickets, not clocks.
    what = {"first_response": "first response", "resolution": "resolution"}.get(clock, "")
    return spec(
        kind=SignalKind.SLA_BREACHED, value=BREACH_VALUE.get(priority, -0.5), occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"breached:{ticket_id}",
        note=f"SLA breached on {ref(number)} ({priority}{', ' + what if what else ''})",
        details={"ticket": ticket_id, "priority": priority, "clock": clock},
    )


def _timing_value(elapsed: dt.timedelta, target: dt.timedelta | None,
                  good: float, bad: float) -> tuple[float, float | None]:
    if target is None or target.total_seconds() <= 0:
        hours = elapsed.total_seconds() / 3600
        return (good / 2 if hours <= 1 else 0.0 if hours <= 8 else bad / 3), None
    share = elapsed / target
    if share <= 0.5:
        return good, share
    if share <= 1:
        return good / 3, share
    return bad, share


def first_response(*, ticket_id: int, number: int, person_id: int, client_id: int,
                   opened_at: dt.datetime, at: dt.datetime,
                   due_at: dt.datetime | None) -> dict[str, Any]:
    elapsed = at - opened_at
    value, share = _timing_value(
        elapsed, (due_at - opened_at) if due_at else None, good=0.15, bad=-0.2
    )
    minutes = max(0, round(elapsed.total_seconds() / 60))
    return spec(
        kind=SignalKind.FIRST_RESPONSE_TIME, value=value, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"first_response:{ticket_id}",
        note=f"first response on {ref(number)} after {_duration(minutes)}",
        details={"ticket": ticket_id, "minutes": minutes, "share_of_target": share},
    )


def resolution(*, ticket_id: int, number: int, person_id: int, client_id: int,
               opened_at: dt.datetime, at: dt.datetime, due_at: dt.datetime | None,
               breached: bool, priority: str = "P3") -> list[dict[str, Any]]:
    elapsed = at - opened_at
    value, share = _timing_value(
        elapsed, (due_at - opened_at) if due_at else None, good=0.2, bad=-0.3
    )
    minutes = max(0, round(elapsed.total_seconds() / 60))
    signals = [spec(
        kind=SignalKind.RESOLUTION_TIME, value=value, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"resolution:{ticket_id}",
        note=f"{ref(number)} resolved after {_duration(minutes)}",
        details={"ticket": ticket_id, "minutes": minutes, "share_of_target": share},
    )]
    if due_at is not None and not breached and at > due_at:
        # Resolved late before the sweep noticed: still a breach (same key as the sweep's).
        signals.append(sla_breached(ticket_id=ticket_id, number=number, person_id=person_id,
                                    client_id=client_id, at=at, priority=priority,
                                    clock="resolution"))
    if due_at is not None and not breached and at <= due_at:
        signals.append(spec(
            kind=SignalKind.SLA_MET, value=MET_VALUE, occurred_at=at,
            person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
            key=f"met:{ticket_id}", note=f"SLA met on {ref(number)}",
            details={"ticket": ticket_id},
        ))
    return signals


def message_sentiment(*, message_id: int, number: int, person_id: int, client_id: int,
                      at: dt.datetime, body: str) -> dict[str, Any]:
    compound = sentiment.score(body)
    excerpt = " ".join(body.split())[:80]
    return spec(
        kind=SignalKind.SENTIMENT, value=compound * SENTIMENT_WEIGHT, occurred_at=at,
        person_id=person_id, client_id=client_id, source=f"ticket:{ref(number)}",
        key=f"sentiment:{message_id}",
        note=f"{sentiment.label(compound)} message on {ref(number)}: \u201c{excerpt}\u201d",
        details={"message": message_id, "compound": round(compound, 3)},
    )


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h".replace(".0 h", " h")
    return f"{minutes // (24 * 60)} days"
