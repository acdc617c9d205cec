"""Tell other apps what happened to a ticket, without the desk importing them.

`ticket_event` is sent, inside the action's transaction, for every TicketEvent the desk records
(services and the SLA sweep). Mail connects to it to notify people, happiness to record signals.
Receivers run in the caller's transaction, so what they write commits or rolls back with the
action; they must wrap their own writes in `transaction.atomic()` (a savepoint), because a
receiver that fails is logged and skipped, and must not abort the action that sent it.
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger("goodwill.desk.events")

# Sent with sender=TicketEvent and event=<the TicketEvent> (event.ticket is loaded).
ticket_event = Signal()

# The same for a batch written at once (mail intake, desk.services.open_many / reply_many):
# sent with events=[TicketEvent, …] in order and inbound={event pk: InboundContext} for those
# that came from an e-mail. Every app that receives ticket_event receives this too (a test
# checks), so a batch is never missed; a receiver may simply loop over its ticket_event one.
ticket_events = Signal()


def publish(event) -> None:
    from goodwill.desk.models import TicketEvent

    for receiver, result in ticket_event.send_robust(sender=TicketEvent, event=event):
        if isinstance(result, Exception):
            logger.error(
                "ticket event %s on %s: receiver %s failed",
                event.kind,
                event.ticket_id,
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )


def publish_many(events, inbound=None) -> None:
    from goodwill.desk.models import TicketEvent

    if not events:
        return
    results = ticket_events.send_robust(sender=TicketEvent, events=events, inbound=inbound or {})
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "batch of %d ticket events: receiver %s failed",
                len(events),
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )
