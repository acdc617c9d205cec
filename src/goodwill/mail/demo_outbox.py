"""Demo: the outbox with the notifications the last days' tickets would have sent.

They are queued through the real path (notify's receivers for the recent staff replies and the
tickets people opened by e-mail), then recorded as sent, except one refused by the client's
server, so the outbox page shows a failure with the server's answer. Nothing is left queued
(the notifications the mail demo's intake queued are settled too): a demo must never mail the
made-up addresses. Extensions that run later and act on tickets should wrap that in
`notify.muted()`.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.mail import notify

RECENT = dt.timedelta(days=7)
MAX_REPLIES = 16
MAX_OPENED = 6
KINDS = (notify.KIND_RECEIVED, notify.KIND_REPLY, notify.KIND_STATUS, notify.KIND_STAFF)


def seed(context) -> str:
    from goodwill.desk.models import Channel, EventKind, TicketEvent

    rng = random.Random(context.seed)  # noqa: S311 - demo data, not security  # nosec B311
    since = context.now - RECENT
    recent = (
        TicketEvent.objects.filter(created_at__gte=since, created_at__lte=context.now)
        .select_related("ticket__client", "ticket__requester", "ticket__assignee", "actor_person")
        .order_by("-created_at", "-id")
    )
    replies = list(recent.filter(kind=EventKind.REPLIED)[:MAX_REPLIES])
    opened = list(
        recent.filter(kind=EventKind.OPENED, actor_person__isnull=False).exclude(
            data__channel=Channel.STAFF
        )[:MAX_OPENED]
    )
    queued: list[OutboundMessage] = []
    with transaction.atomic():
        for event in sorted(opened + replies, key=lambda e: (e.created_at, e.pk)):
            before = set(
                OutboundMessage.objects.filter(
                    context=f"ticket:{event.ticket.reference}"
                ).values_list("pk", flat=True)
            )
            handler = notify._opened if event.kind == EventKind.OPENED else notify._replied
            handler(event)
            queued.extend(
                OutboundMessage.objects.filter(context=f"ticket:{event.ticket.reference}").exclude(
                    pk__in=before
                )
            )
        # Mail the demo's earlier steps queued (intake's tickets from e-mail) is settled too.
        mine = {row.pk for row in queued}
        queued.extend(
            OutboundMessage.objects.filter(kind__in=KINDS, status=OutboundStatus.QUEUED)
            .exclude(pk__in=mine)
            .order_by("pk")
        )
        failed = rng.choice(queued) if queued else None
        for row in queued:
            # Queued "at" the event it tells about; sent a minute later by the worker.
            event_at = _event_time(row)
            if row is failed:
                OutboundMessage.objects.filter(pk=row.pk).update(
                    status=OutboundStatus.FAILED,
                    attempts=1,
                    created_at=event_at,
                    next_attempt_at=event_at,
                    claimed_at=event_at + dt.timedelta(minutes=1),
                    last_error=(
                        f"SMTPRecipientsRefused: {{'{row.recipient}': (550, b'5.1.1 "
                        f"<{row.recipient}>: Recipient address rejected: User unknown')}}"
                    ),
                )
            else:
                OutboundMessage.objects.filter(pk=row.pk).update(
                    status=OutboundStatus.SENT,
                    attempts=1,
                    created_at=event_at,
                    next_attempt_at=event_at,
                    claimed_at=event_at + dt.timedelta(minutes=1),
                    sent_at=event_at + dt.timedelta(minutes=1),
                )
    return f"outbox: {len(queued)} notifications sent, {1 if failed else 0} refused by a server"


def _event_time(row: OutboundMessage) -> dt.datetime:
    from goodwill.desk.models import TicketEvent

    event_pk = (row.dedupe_key or "").split(":")[1:2]
    event = TicketEvent.objects.filter(pk=int(event_pk[0])).first() if event_pk else None
    return event.created_at if event else row.created_at


def delete() -> None:
    from goodwill.mail.models import ThreadRef

    rows = OutboundMessage.objects.filter(kind__in=KINDS)
    ids = [notify.bare_id(m) for m in rows.values_list("message_id", flat=True)]
    for start in range(0, len(ids), 500):
        ThreadRef.objects.filter(message_id__in=ids[start : start + 500]).delete()
    rows.delete()
