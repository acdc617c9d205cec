"""Demo mail: e-mail threads on the desk demo's tickets, through the real intake path.

For a few recent e-mail tickets, the opening e-mail is stored as received (so "view original"
works) and the client answers our last message by e-mail: real RFC 822 bytes handed to
intake.receive, threaded by In-Reply-To, quotes and signature stripped as in production. No new
tickets (the desk demo owns the ticket counts). Two messages end in quarantine with their
reasons and one prospect waits in triage. Capped at six threads: as fast at 500 clients as at 20.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from goodwill.desk import sla
from goodwill.desk.models import Channel, Message, Ticket, TicketStatus
from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus, Mailbox, MailboxKind, ThreadRef
from goodwill.mail.samples import make_eml, quoted_reply

MAILBOX = "Support inbox (demo)"
ADDRESS = "support@goodwill-demo.example"
MAX_THREADS = 6
ANSWERS = (
    "Thanks, I'll try that this afternoon and let you know how it goes.",
    "That worked, thank you! Everything looks normal again.",
    "Thanks for the quick answer. It happened once more this morning, just so you know.",
    "Great, that's what we needed. Tomorrow morning suits us.",
    "Thank you. Could you also check the laptop in reception while you are at it?",
    "Perfect, many thanks. We'll keep an eye on it.",
)


def _mailbox() -> Mailbox:
    mailbox, _ = Mailbox.objects.get_or_create(
        name=MAILBOX, defaults={"kind": MailboxKind.MANUAL, "address": ADDRESS}
    )
    return mailbox


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1]


@transaction.atomic
def _store_opening(mailbox: Mailbox, ticket: Ticket, first: Message, seed: int) -> str:
    """The e-mail that opened a desk-demo ticket, stored as received and linked to it."""
    person = ticket.requester
    message_id = f"demo-{seed}-{ticket.number}-1@{_domain(person.email)}"
    raw = make_eml(
        sender=person.email, sender_name=person.full_name, subject=ticket.subject,
        body=first.body, message_id=message_id, to=ADDRESS, date=first.created_at,
    )  # fmt: skip
    row = intake.receive(raw, mailbox=mailbox, source="demo", process_now=False,
                         at=first.created_at)  # fmt: skip
    InboundMail.objects.filter(pk=row.pk, status=InboundStatus.RECEIVED).update(
        status=InboundStatus.TICKET, ticket=ticket, ticket_message=first, person=person,
        client=ticket.client, from_address=person.email.lower(), from_name=person.full_name,
        subject=ticket.subject[:300], sent_at=first.created_at, processed_at=first.created_at,
    )  # fmt: skip
    ThreadRef.objects.get_or_create(message_id=message_id, defaults={"ticket": ticket})
    return message_id


def seed(context) -> str:  # noqa: ANN001
    rng = random.Random(context.seed)  # noqa: S311 - demo data, not secrets  # nosec B311
    mailbox = _mailbox()
    cache = intake.IntakeCache()
    now = context.now
    # Recent e-mail tickets still being worked: the client answers our last message by mail.
    candidates = list(
        Ticket.objects.filter(
            channel=Channel.EMAIL,
            status__in=[TicketStatus.OPEN, TicketStatus.WAITING_CLIENT],
            merged_into__isnull=True,
            requester__email__gt="",
            opened_at__gte=now - dt.timedelta(days=21),
            opened_at__lte=now - dt.timedelta(hours=6),
        )
        .annotate(turns=Count("messages"))
        .filter(turns__lte=4, inbound_mail__isnull=True)
        .select_related("requester", "client")
        .order_by("-opened_at")[:60]
    )
    rng.shuffle(candidates)
    chosen: list[Ticket] = []
    for ticket in candidates:
        if ticket.client_id not in {t.client_id for t in chosen}:
            chosen.append(ticket)
        if len(chosen) == MAX_THREADS:
            break
    threads = 0
    for ticket in chosen:
        turns = list(ticket.messages.filter(internal=False).order_by("created_at", "id"))
        if not turns or turns[0].author_person_id != ticket.requester_id:
            continue
        first_id = _store_opening(mailbox, ticket, turns[0], context.seed)
        last = turns[-1]
        notice_id = f"demo-{context.seed}-{ticket.number}-notice@goodwill-demo.example"
        ThreadRef.objects.get_or_create(message_id=notice_id, defaults={"ticket": ticket})
        at = min(now - dt.timedelta(minutes=5), last.created_at + dt.timedelta(
            minutes=rng.randint(20, 180)))  # fmt: skip
        person = ticket.requester
        answer = ANSWERS[threads % len(ANSWERS)]
        body = quoted_reply(
            f"{answer}\n\n{person.full_name}\n{ticket.client.name}",
            last.body, who=f"{last.author_name} via Goodwill", when=last.created_at,
        )  # fmt: skip
        raw = make_eml(
            sender=person.email, sender_name=person.full_name,
            subject=f"Re: [{ticket.reference}] {ticket.subject}", body=body, to=ADDRESS,
            message_id=f"demo-{context.seed}-{ticket.number}-2@{_domain(person.email)}",
            in_reply_to=notice_id, references=[first_id, notice_id], date=at,
        )  # fmt: skip
        inbound = intake.receive(raw, mailbox=mailbox, cache=cache, source="demo", at=at)
        if inbound.status == InboundStatus.REPLY:
            threads += 1
        # The demo's clock, not the wall clock: deadlines as of the demo's "now".
        sla.refresh(Ticket.objects.get(pk=ticket.pk), now)

    # Mail that needs a person: a loop from our own address, one without a readable sender,
    # and a prospect nobody knows yet.
    intake.receive(
        make_eml(sender=ADDRESS, subject="Automatic reply: ticket received", to=ADDRESS,
                 body="We received your message.", message_id=f"demo-{context.seed}-loop@x",
                 headers={"Auto-Submitted": "auto-replied"}),
        mailbox=mailbox, cache=cache, source="demo",
    )  # fmt: skip
    intake.receive(
        b"To: " + ADDRESS.encode() + b"\r\nSubject: (fax) scanned document\r\n"
        b"Message-ID: <demo-" + str(context.seed).encode() + b"-nofrom@x>\r\n\r\n"
        b"A document was scanned and sent by the copier.\r\n",
        mailbox=mailbox, cache=cache, source="demo",
    )  # fmt: skip
    intake.receive(
        make_eml(sender="hannah.berg@northwind-optics.example", sender_name="Hannah Berg",
                 subject="Quote for IT support, 12 people", to=ADDRESS,
                 body="Hello,\n\nWe are an opticians' practice with 12 staff and two sites. "
                 "Could you send us a quote for monthly IT support?\n\nKind regards\nHannah Berg",
                 message_id=f"demo-{context.seed}-prospect@northwind-optics.example"),
        mailbox=mailbox, cache=cache, source="demo",
    )  # fmt: skip
    counts = {
        status: InboundMail.objects.filter(mailbox=mailbox, status=status).count()
        for status in InboundStatus.values
    }
    return (
        f"mail: {threads} e-mail threads answered by mail, {counts['quarantined']} quarantined, "
        f"{counts['triage']} in triage"
    )


def delete() -> None:
    mailbox = Mailbox.objects.filter(name=MAILBOX).first()
    if mailbox is None:
        return
    rows = InboundMail.objects.filter(mailbox=mailbox)
    ThreadRef.objects.filter(
        Q(message_id__in=rows.exclude(message_id="").values("message_id"))
        | Q(message_id__startswith="demo-", message_id__endswith="@goodwill-demo.example")
    ).delete()
    paths = set(rows.values_list("raw_path", flat=True))
    rows.delete()
    still_used = set(
        InboundMail.objects.filter(raw_path__in=paths).values_list("raw_path", flat=True)
    )
    for relative in paths - still_used:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)
    mailbox.delete()
