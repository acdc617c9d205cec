"""Batch intake (mail.batch, what `goodwill ingest` uses) ends exactly where taking the same
messages one by one (intake.receive) ends: same tickets, replies, SLA clocks, notifications,
signals, quarantines; and a batch that fails to write loses nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import transaction

from goodwill.clients.models import Person
from goodwill.core.models import OutboundMessage
from goodwill.desk import events as desk_events
from goodwill.desk import services as desk
from goodwill.desk.models import Attachment, Message, Ticket, TicketEvent, TicketStatus
from goodwill.happiness.models import Signal
from goodwill.mail import batch, intake
from goodwill.mail.models import InboundMail, InboundStatus, ThreadRef
from goodwill.mail.samples import make_eml

pytestmark = pytest.mark.django_db

# A Tuesday morning in office hours: the SLA clocks run from the moment the mail arrives.
FROZEN = dt.datetime(2026, 12, 1, 10, 15, tzinfo=dt.UTC)


def _mixed_batch(cast, resolved: Ticket) -> list[tuple[bytes, str]]:
    """Every way a message can end, in an order where later ones answer earlier ones."""
    vpn = cast.ticket.reference
    mails = [
        # A new ticket, copied to a colleague (who gets the acknowledgement too) and an outsider.
        dict(sender="maria@acme.test", subject="Printer jams on floor 2", body="It jams.",
             message_id="a1@acme.test", to="support@goodwill.test, tom@acme.test, x@out.example"),
        # A colleague answers it in the same batch: a reply on that new ticket.
        dict(sender="tom@acme.test", subject="Re: Printer jams on floor 2",
             body="Me too.\n\n> It jams.", message_id="a2@acme.test", in_reply_to="a1@acme.test"),
        # A reply to an existing ticket found by the reference in its subject.
        dict(sender="maria@acme.test", subject=f"Re: [{vpn}] VPN down", body="Still down.",
             message_id="a3@acme.test"),
        # A file.
        dict(sender="priya@acme.test", subject="Screenshot of the error", body="See attached",
             message_id="a4@acme.test",
             attachments=[("error.png", b"\x89PNG" + b"0" * 500, "image/png")]),
        # Someone at another client naming Acme's ticket: a ticket of their own instead.
        dict(sender="beth@birch.test", subject=f"Re: [{vpn}] me too", body="Same here",
             message_id="a5@birch.test"),
        # A new person at a known client's domain.
        dict(sender="zoe@acme.test", sender_name="Zoe Quinn", subject="New starter laptop",
             body="I start Monday.", message_id="a6@acme.test"),
        # An unknown domain: triage.
        dict(sender="who@nowhere.example", subject="Hello", body="Are you an IT company?",
             message_id="a7@nowhere.example"),
        # Automatic mail opens a ticket but is never answered automatically.
        dict(sender="dave@acme.test", subject="Out of office", body="Back Monday.",
             message_id="a8@acme.test", headers={"Auto-Submitted": "auto-replied"}),
        # Staff answering from their own mail program: a staff reply (one by one).
        dict(sender="tess@provider.test", subject="Re: Printer jams on floor 2",
             body="On my way.", message_id="a9@provider.test", in_reply_to="a2@acme.test"),
        # A reply that reopens a resolved ticket (one by one), and one threaded under it.
        dict(sender="ana@acme.test", subject=f"Re: [{resolved.reference}] Invoice export",
             body="It broke again.", message_id="a10@acme.test"),
        dict(sender="ana@acme.test", subject="Re: Invoice export", body="And again.",
             message_id="a11@acme.test", in_reply_to="a10@acme.test"),
        # The same message delivered twice.
        dict(sender="maria@acme.test", subject="Printer jams on floor 2", body="It jams.",
             message_id="a1@acme.test"),
    ]  # fmt: skip
    items = [(make_eml(**m), f"m{i:02}") for i, m in enumerate(mails)]
    items.append((b"Subject: nobody\r\n\r\nno sender at all\r\n", "m98"))
    return items


def _fingerprint(since: dict[str, int]) -> dict[str, list]:
    """Everything intake wrote, without primary keys or random Message-IDs (a second run
    takes other numbers)."""

    def rows(items) -> list:  # noqa: ANN001 - sorted with None among the values
        return sorted(items, key=repr)

    def norm(text: str) -> str:
        return re.sub(r"GW-\d+", "GW-#", text or "")

    new = {name: {"pk__gt": pk} for name, pk in since.items()}
    tickets = Ticket.objects.filter(**new["ticket"]).select_related("requester")
    return {
        "inbound": rows(
            (m.source, m.status, norm(m.reason), m.ticket.subject if m.ticket else None,
             m.person.email if m.person else None, m.client_id)
            for m in InboundMail.objects.select_related("ticket", "person")
        ),  # fmt: skip
        "tickets": rows(
            (t.subject, t.requester.email, t.status, t.priority, t.contract_id,
             t.first_response_due_at, t.resolution_due_at, t.queue_key, t.requester_role,
             t.sla_breached)
            for t in Ticket.objects.select_related("requester")
        ),  # fmt: skip
        "new tickets": rows(t.subject for t in tickets),
        "messages": rows(
            (m.ticket.subject, m.author_person.email if m.author_person else None,
             m.author_user_id, m.body, m.internal, m.channel)
            for m in Message.objects.filter(**new["message"]).select_related(
                "ticket", "author_person"
            )
        ),  # fmt: skip
        "events": rows(
            (e.ticket.subject, e.kind, e.actor_person.email if e.actor_person else None,
             e.actor_user_id,
             norm(str(sorted((k, bool(v) if k == "message" else v) for k, v in e.data.items()))))
            for e in TicketEvent.objects.filter(**new["event"]).select_related(
                "ticket", "actor_person"
            )
        ),  # fmt: skip
        "outbound": rows(
            (o.kind, tuple(o.to), tuple(o.cc), norm(o.subject), o.automatic, o.context != "",
             _parent(o.headers), len(o.headers.get("References", "").split()),
             norm(o.text_body))
            for o in OutboundMessage.objects.all()
        ),  # fmt: skip
        "threads": rows(
            (r.message_id if "goodwill" not in r.message_id else "ours", r.ticket.subject)
            for r in ThreadRef.objects.select_related("ticket")
        ),
        "signals": rows(
            (s.kind, s.person.email if s.person else None, round(s.value, 4), norm(s.note))
            for s in Signal.objects.select_related("person")
        ),
        "attachments": rows(
            (a.ticket.subject, a.filename, a.size)
            for a in Attachment.objects.select_related("ticket")
        ),
        "people": rows(
            (p.email, p.first_name, p.last_name, p.needs_role_review) for p in Person.objects.all()
        ),
    }  # fmt: skip


def _parent(headers: dict) -> str:
    """In-Reply-To: a client's Message-ID as is; one of ours is random, so just "ours"."""
    value = headers.get("In-Reply-To", "")
    return "ours" if "goodwill" in value else value


class _Rollback(Exception):
    pass


def test_a_batch_ends_where_one_by_one_ends(cast, mailbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Goodwill IT <noreply@goodwill.test>"
    with time_machine.travel(FROZEN - dt.timedelta(days=1), tick=False):
        resolved = desk.open_ticket(requester=cast.fd, subject="Invoice export", body="Broken")
        desk.change_status(resolved, TicketStatus.RESOLVED, by_user=cast.tech)
    since = {
        "ticket": Ticket.objects.order_by("-pk").first().pk,
        "message": Message.objects.order_by("-pk").first().pk,
        "event": TicketEvent.objects.order_by("-pk").first().pk,
    }
    items = _mixed_batch(cast, resolved)

    fingerprints = []
    for way in ("one by one", "batch"):
        try:
            with transaction.atomic(), time_machine.travel(FROZEN, tick=False):
                if way == "one by one":
                    for raw, source in items:
                        intake.receive(raw, mailbox=mailbox, source=source)
                else:
                    batch.receive_many(items, mailbox=mailbox, cache=intake.IntakeCache())
                fingerprints.append(_fingerprint(since))
                raise _Rollback
        except _Rollback:
            pass
    one_by_one, batched = fingerprints
    for part in one_by_one:
        assert batched[part] == one_by_one[part], part
    # And the batch really covered the cases it claims to.
    statuses = sorted(status for _, status, *_ in batched["inbound"])
    assert statuses.count(InboundStatus.TICKET) == 5
    assert statuses.count(InboundStatus.REPLY) == 5
    assert InboundStatus.TRIAGE in statuses and InboundStatus.QUARANTINED in statuses


def test_receive_many_marks_duplicates_and_returns_rows_in_order(cast, mailbox):
    first = make_eml(sender="maria@acme.test", subject="One", body="1", message_id="d1@acme.test")
    second = make_eml(sender="tom@acme.test", subject="Two", body="2", message_id="d2@acme.test")
    items = [(first, "1"), (second, "2"), (first, "1 again")]
    rows = batch.receive_many(items, mailbox=mailbox, cache=intake.IntakeCache())
    assert [r.subject for r in rows] == ["One", "Two", "One"]
    assert [r.duplicate for r in rows] == [False, False, True]
    again = batch.receive_many([(second, "2")], mailbox=mailbox, cache=intake.IntakeCache())
    assert again[0].duplicate and again[0].status == InboundStatus.TICKET
    assert Ticket.objects.filter(subject__in=["One", "Two"]).count() == 2


def test_a_batch_that_fails_to_write_goes_one_by_one_and_loses_nothing(
    cast, mailbox, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(desk, "open_many", broken)
    items = [
        (make_eml(sender="maria@acme.test", subject=f"S{i}", body="x", message_id=f"f{i}@a.t"), "")
        for i in range(3)
    ]
    rows = batch.receive_many(items, mailbox=mailbox, cache=intake.IntakeCache())
    assert [r.status for r in rows] == [InboundStatus.TICKET] * 3
    assert Ticket.objects.filter(subject__in=["S0", "S1", "S2"]).count() == 3
    assert OutboundMessage.objects.filter(kind="ticket.received").count() == 3


def test_every_ticket_event_receiver_also_takes_batches():
    """A receiver connected to ticket_event only would miss everything mail intake writes."""
    assert len(desk_events.ticket_events.receivers) == len(desk_events.ticket_event.receivers)
