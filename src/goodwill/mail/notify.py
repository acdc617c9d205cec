"""Notifications: what the people of a ticket receive by e-mail when something happens to it.

Connected to `desk.events.ticket_event` (MailConfig.ready). Every message goes through the outbox
in the action's transaction, so a rolled-back reply never sends mail and an SMTP outage only
delays it.

- OPENED by a person (e-mail, portal, API): an acknowledgement, `Auto-Submitted: auto-replied`.
- REPLIED (a staff member's public reply; internal notes never): the reply itself, written by a
  human, so `Auto-Submitted: no` and outside the automatic-reply budget.
- STATUS to waiting or resolved: a short automatic notice. When the same action also sent a
  reply ("reply and resolve"), the notice is folded into that reply instead of a second mail.
- CLIENT_REPLIED / OPENED with an assignee: the technician gets the client's words; they can
  answer from their own mail program (intake turns a staff address's mail into a staff reply).

Each message gets a Message-ID registered in ThreadRef and In-Reply-To/References pointing at the
client's last message, a `[GW-10432]` subject and Reply-To the support address: a reply threads
back to the ticket by Message-ID first, then by the subject reference.

Loops (RFC 3834): no automatic mail in answer to automatic mail (`current_inbound().automatic`),
none to an address that bounced (Undeliverable), and at most GOODWILL_AUTOREPLY_PER_10_MINUTES /
GOODWILL_AUTOREPLY_PER_HOUR automatic messages per address; over budget, skip and log.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import compat32
from email.utils import formataddr, getaddresses, parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.mail.context import current_inbound, processing

logger = logging.getLogger("goodwill.mail.notify")

KIND_RECEIVED = "ticket.received"
KIND_REPLY = "ticket.reply"
KIND_STATUS = "ticket.status"
KIND_STAFF = "staff.ticket"
# Automatic mail to clients: counted against the per-address budget. (Staff replies are written
# by a person; staff notifications go to our own people.)
BUDGETED_KINDS = (KIND_RECEIVED, KIND_STATUS)
NOTIFIED_STATUSES = ("waiting_client", "waiting_third_party", "resolved")
# A status change this soon after a staff reply is folded into the reply's mail.
FOLD_WINDOW = dt.timedelta(minutes=2)
MAX_CC = 10
MAX_REFERENCES = 10

_muted: ContextVar[bool] = ContextVar("goodwill_notify_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No notifications inside (bulk imports, the demo's history)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# --- Header hygiene ---------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_MESSAGE_ID = re.compile(r"^[^\s<>\"]+@[^\s<>\"]+$")


def clean_line(value: str, limit: int = 200) -> str:
    """One safe header line from text a client typed: line breaks and other control characters
    become spaces (a CR/LF in a subject or a name can never start a new header)."""
    chars = (" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value or "")
    line = _SPACE.sub(" ", "".join(chars)).strip()
    return line[:limit].rstrip()


def bare_id(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def _bracketed(message_id: str) -> str | None:
    value = bare_id(clean_line(message_id, 250))
    return f"<{value}>" if _MESSAGE_ID.match(value) else None


def support_address() -> str:
    name, address = parseaddr(clean_line(settings.GOODWILL_SUPPORT_ADDRESS, 300))
    if "@" not in address:
        name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((clean_line(name or settings.GOODWILL_PROVIDER_NAME, 100), address))


@lru_cache(maxsize=4096)
def bare_address(value: str) -> str:
    """The lower-case address of a header value ("Maria <maria@acme.test>"): asked several times
    per notification, and parsing it was a tenth of a mail batch's time."""
    return parseaddr(value)[1].lower()


def _address_of(person_or_user, name: str) -> str | None:
    email = (person_or_user.email or "").strip()
    if "@" not in email or clean_line(email, 320) != email:
        return None
    return formataddr((clean_line(name, 100), email))


# --- Dates in the reader's zone and language --------------------------------------------------


@lru_cache(maxsize=64)
def locale_for(language: str, country: str = "") -> Locale:
    for tag in (f"{language}_{country}", language, "en"):
        try:
            return Locale.parse(tag)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def format_moment(when: dt.datetime, time_zone: str, locale: Locale) -> str:
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    local = when.astimezone(zone)
    day = format_date(local.date(), "full", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)} ({local.tzname()})"


# --- Who, and what it answers ----------------------------------------------------------------


def _is_staff_address(address: str) -> bool:
    from goodwill.accounts.models import User

    return bool(address) and User.objects.filter(email__iexact=address).exists()


_HEADER_END = re.compile(rb"\r?\n\r?\n")
HEADER_READ = 64 * 1024


def copied_addresses(raw_path: str) -> set[str]:
    """The To and Cc addresses of a stored message (see copied_in)."""
    with default_storage.open(raw_path, "rb") as handle:
        return copied_in(handle.read(HEADER_READ))


def copied_in(head: bytes) -> set[str]:
    """The To and Cc addresses of a raw message, from its header block only (cheap: no
    MIME parsing, no header objects; malformed headers give fewer addresses, never an error)."""
    head = head[:HEADER_READ]
    end = _HEADER_END.search(head)
    headers = message_from_bytes(head[: end.start()] if end else head, policy=compat32)
    values = [str(v) for v in (headers.get_all("To") or []) + (headers.get_all("Cc") or [])]
    return {a.lower() for _, a in getaddresses(values) if "@" in a}


def cc_people(ticket, extra_inbound_id: int | None = None) -> list:
    """People of the ticket's client who were addressed (To/Cc) on the mail of this ticket.

    Only people of the same client: ticket content never goes to an outside address someone
    happened to copy (nor to our own support address, which is nobody's Person)."""
    from goodwill.clients.models import Person
    from goodwill.mail.models import InboundMail

    mails = InboundMail.objects.filter(ticket=ticket)
    if extra_inbound_id:
        mails = mails | InboundMail.objects.filter(pk=extra_inbound_id)
    addresses: set[str] = set()
    for raw_path in mails.order_by("-received_at").values_list("raw_path", flat=True)[:20]:
        try:
            addresses |= copied_addresses(raw_path)
        except Exception:  # unreadable: no copies from this one
            logger.warning("notify: cannot read the recipients of %s", raw_path, exc_info=True)
    if ticket.requester.email:
        addresses.discard(ticket.requester.email.lower())
    if not addresses:
        return []
    return list(
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(client_id=ticket.client_id, email_lower__in=addresses)
        .order_by("pk")[:MAX_CC]
    )


def parent_message_id(ticket) -> str | None:
    """The client's last message on this ticket: what our mail answers (In-Reply-To)."""
    from goodwill.mail.models import InboundMail

    inbound = current_inbound()
    if inbound and inbound.message_id and not _is_staff_address(inbound.from_address):
        return _bracketed(inbound.message_id)
    last = (
        InboundMail.objects.filter(ticket=ticket, person__isnull=False)
        .exclude(message_id="")
        .order_by("-received_at", "-id")
        .values_list("message_id", flat=True)
        .first()
    )
    return _bracketed(last) if last else None


def references(ticket, parent: str | None) -> list[str]:
    from goodwill.mail.models import ThreadRef

    known = [
        b
        for b in (
            _bracketed(m)
            for m in ThreadRef.objects.filter(ticket=ticket)
            .order_by("created_at", "id")
            .values_list("message_id", flat=True)
        )
        if b
    ]
    if parent:
        known = [m for m in known if m != parent] + [parent]
    if len(known) > MAX_REFERENCES:  # the first (the thread's root) and the latest
        known = known[:1] + known[-(MAX_REFERENCES - 1) :]
    return known


def undeliverable(addresses: list[str]) -> set[str]:
    from goodwill.mail.models import Undeliverable

    bare = [bare_address(a) for a in addresses]
    return set(Undeliverable.objects.filter(address__in=bare).values_list("address", flat=True))


def over_budget(address: str, now: dt.datetime) -> bool:
    """Has `address` had its share of automatic mail (per 10 minutes, per hour)?"""
    return not _Budget([address.lower()], now).take(address.lower())


# --- Composing and queueing -------------------------------------------------------------------


@dataclass
class Draft:
    kind: str
    ticket: object
    event: object
    to: list  # Person or User objects, the first is the main recipient
    template: str
    context: dict
    subject: str
    automatic: bool
    auto_submitted: str  # the Auto-Submitted value
    from_name: str = ""
    dedupe_suffix: str = ""


def _name(who) -> str:
    if hasattr(who, "get_full_name"):  # a staff User
        return who.get_full_name() or who.username
    return str(who)


def subject_for(ticket, prefix: str = "") -> str:
    subject = clean_line(ticket.subject, 200) or "(no subject)"
    return f"{prefix}[{ticket.reference}] {subject}"


def render(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"mail/notify/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"mail/notify/{template}.html", context)
    return text, html


def _addresses(draft: Draft) -> list[str]:
    """The draft's recipients as header values, each address once, the main reader first."""
    addresses: list[str] = []
    seen: set[str] = set()
    for who in draft.to:
        address = _address_of(who, _name(who))
        if address and bare_address(address) not in seen:
            seen.add(bare_address(address))
            addresses.append(address)
    return addresses


def _deliverable(draft: Draft, addresses: list[str], bounced: set[str]) -> list[str]:
    if not bounced:
        return addresses
    dropped = sorted({bare_address(a) for a in addresses} & bounced)
    if dropped:
        logger.info("notify: %s not sent to undeliverable %s", draft.kind, dropped)
    return [a for a in addresses if bare_address(a) not in bounced]


def queue(draft: Draft, now: dt.datetime | None = None) -> OutboundMessage | None:
    """Queue one notification, or skip it (and say why in the log)."""
    now = now or timezone.now()
    ticket = draft.ticket
    addresses = _addresses(draft)
    addresses = _deliverable(draft, addresses, undeliverable(addresses))
    if not addresses:
        logger.info("notify: %s on %s has nobody to go to", draft.kind, ticket.reference)
        return None
    main = bare_address(addresses[0])
    if draft.kind in BUDGETED_KINDS and over_budget(main, now):
        _skipped_over_budget(draft, main)
        return None
    parent = parent_message_id(ticket)
    row = compose(draft, addresses, parent=parent, refs=references(ticket, parent), now=now)
    from goodwill.mail.models import ThreadRef

    with transaction.atomic():
        row = outbox.enqueue(**row)
        ThreadRef.objects.get_or_create(
            message_id=bare_id(row.message_id), defaults={"ticket": ticket, "created_at": now}
        )
    return row


def _skipped_over_budget(draft: Draft, address: str) -> None:
    # Info, not warning: a storm of automatic mail from one address would print a line per
    # message it sends us; the budget is doing its job.
    logger.info(
        "notify: %s on %s to %s skipped: over the automatic-reply budget",
        draft.kind,
        draft.ticket.reference,
        address,
    )


def compose(
    draft: Draft, addresses: list[str], *, parent: str | None, refs: list[str], now: dt.datetime
) -> dict:
    """The outbox.enqueue() arguments of one notification: rendered in the reader's language
    and time zone, threaded under `parent` with `refs`, replies routed back to the ticket."""
    ticket = draft.ticket
    reader = draft.to[0]
    locale = locale_for(getattr(reader, "language", "") or "en", ticket.client.country)
    zone = getattr(reader, "time_zone", "") or settings.TIME_ZONE
    context = {
        "ticket": ticket,
        "reference": ticket.reference,
        "subject": clean_line(ticket.subject, 200),
        "reader_name": clean_line(getattr(reader, "first_name", "") or _name(reader), 100),
        "provider": settings.GOODWILL_PROVIDER_NAME,
        "when": format_moment(draft.event.created_at, zone, locale),
        **draft.context,
    }
    text, html = render(draft.template, context)
    headers = {"X-Auto-Response-Suppress": "All", "X-Goodwill-Ticket": ticket.reference}
    headers["Auto-Submitted"] = draft.auto_submitted
    if parent:
        headers["In-Reply-To"] = parent
    if refs:
        headers["References"] = " ".join(refs)
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    from_name = clean_line(draft.from_name or parseaddr(settings.DEFAULT_FROM_EMAIL)[0], 100)
    return {
        "kind": draft.kind,
        "to": addresses[:1],
        "cc": addresses[1:],
        "subject": draft.subject,
        "text": text,
        "html": html,
        "reply_to": support_address(),
        "from_email": formataddr((from_name, from_address)) if from_name else from_address,
        "headers": headers,
        "context": f"ticket:{ticket.reference}",
        "dedupe_key": f"ticket-event:{draft.event.pk}:{draft.kind}{draft.dedupe_suffix}",
        "message_id": outbox.new_message_id(f"gw.{ticket.reference.lower()}"),
        "automatic": draft.automatic,
        "now": now,
    }


# --- The receivers ----------------------------------------------------------------------------


def on_ticket_event(sender, event, **kwargs) -> None:
    if _muted.get():
        return
    from goodwill.desk.models import EventKind

    handler = {
        EventKind.OPENED: _opened,
        EventKind.REPLIED: _replied,
        EventKind.CLIENT_REPLIED: _client_replied,
        EventKind.STATUS: _status,
    }.get(event.kind)
    if handler is None:
        return
    with transaction.atomic():
        handler(event)


def on_ticket_events(sender, events, inbound=None, **kwargs) -> None:
    """The batch receiver (mail intake): tickets clients opened by e-mail are acknowledged
    together, with the copied people, bounced addresses and budgets read once for the batch and
    the mail queued in one INSERT. Every other event goes through on_ticket_event."""
    if _muted.get():
        return
    from goodwill.desk.models import Channel, EventKind

    inbound = inbound or {}
    acknowledge = []
    for event in events:
        context = inbound.get(event.pk)
        ticket = event.ticket
        unassigned = ticket.assignee_id is None  # then _tell_assignee has nobody to tell
        if (
            event.kind == EventKind.OPENED
            and context is not None
            and context.copied is not None
            and unassigned
            and event.actor_person_id is not None
            and event.data.get("channel") != Channel.STAFF
        ):
            if not context.automatic:
                acknowledge.append((event, context))
            continue
        if event.kind == EventKind.CLIENT_REPLIED and unassigned:
            continue
        with processing(context) if context else nullcontext():
            on_ticket_event(sender, event)
    if acknowledge:
        with transaction.atomic():
            _acknowledge_many(acknowledge)


def _acknowledge_many(opened: list) -> None:
    """_opened's acknowledgement for new tickets from e-mail, as queue() would send each."""
    from goodwill.clients.models import Person
    from goodwill.mail.models import ThreadRef

    now = timezone.now()
    copied: set[str] = set().union(*(context.copied for _, context in opened))
    colleagues: dict[tuple[int, str], Person] = {}
    for person in (
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=copied)
        .order_by("pk")
    ):
        colleagues.setdefault((person.client_id, person.email_lower), person)
    drafts = []
    for event, context in opened:
        ticket = event.ticket
        own = (ticket.requester.email or "").lower()
        cc = sorted(
            (colleagues[(ticket.client_id, a)] for a in context.copied - {own}
             if (ticket.client_id, a) in colleagues),
            key=lambda p: p.pk,
        )[:MAX_CC]  # fmt: skip
        draft = _received(ticket, event, [ticket.requester, *cc])
        drafts.append((draft, _addresses(draft), context))
    everyone = [a for _, addresses, _ in drafts for a in addresses]
    bounced = undeliverable(everyone)
    budget = _Budget([bare_address(a[0]) for _, a, _ in drafts if a], now)
    rows, refs = [], []
    for draft, addresses, context in drafts:
        addresses = _deliverable(draft, addresses, bounced)
        if not addresses:
            logger.info("notify: %s on %s has nobody to go to", draft.kind, draft.ticket.reference)
            continue
        main = bare_address(addresses[0])
        if not budget.take(main):
            _skipped_over_budget(draft, main)
            continue
        # A new ticket's thread is the client's message alone: it is what we answer.
        parent = _bracketed(context.message_id) if context.message_id else None
        row = outbox.prepare(
            **compose(draft, addresses, parent=parent, refs=[parent] if parent else [], now=now)
        )
        rows.append(row)
        refs.append(ThreadRef(message_id=bare_id(row.message_id), ticket=draft.ticket,
                              created_at=now))  # fmt: skip
    outbox.enqueue_many(rows)
    ThreadRef.objects.bulk_create(refs, ignore_conflicts=True)


class _Budget:
    """The per-address budget of automatic mail: the last hour's read in one query for all the
    addresses, and what a batch queues counted as it goes."""

    def __init__(self, addresses: list[str], now: dt.datetime) -> None:
        self.now = now
        self.sent: dict[str, list[dt.datetime]] = {a: [] for a in addresses}
        recent = (
            OutboundMessage.objects.filter(
                recipient__in=set(addresses),
                automatic=True,
                kind__in=BUDGETED_KINDS,
                created_at__gt=now - dt.timedelta(hours=1),
            )
            .exclude(status=OutboundStatus.CANCELLED)
            .values_list("recipient", "created_at")
        )
        for address, created_at in recent:
            self.sent.setdefault(address, []).append(created_at)

    def take(self, address: str) -> bool:
        sent = self.sent.setdefault(address, [])
        ten = sum(1 for at in sent if at > self.now - dt.timedelta(minutes=10))
        if (
            ten >= settings.GOODWILL_AUTOREPLY_PER_10_MINUTES
            or len(sent) >= settings.GOODWILL_AUTOREPLY_PER_HOUR
        ):
            return False
        sent.append(self.now)
        return True


def _received(ticket, event, to: list) -> Draft:
    return Draft(
        kind=KIND_RECEIVED,
        ticket=ticket,
        event=event,
        to=to,
        template="received",
        context={},
        subject=subject_for(ticket, "Received: "),
        automatic=True,
        auto_submitted="auto-replied",
    )


def _automatic_inbound() -> bool:
    inbound = current_inbound()
    return bool(inbound and inbound.automatic)


def _client_people(ticket, inbound_id: int | None = None) -> list:
    return [ticket.requester, *cc_people(ticket, inbound_id)]


def _opened(event) -> None:
    from goodwill.desk.models import Channel, Message

    ticket = event.ticket
    if event.actor_person_id is None or event.data.get("channel") == Channel.STAFF:
        return  # opened by staff or by a schedule: nobody to acknowledge
    inbound = current_inbound()
    if not _automatic_inbound():
        people = _client_people(ticket, inbound.inbound_id if inbound else None)
        queue(_received(ticket, event, people))
    message = Message.objects.filter(pk=event.data.get("message")).first()
    _tell_assignee(event, message, "opened")


def _replied(event) -> None:
    from goodwill.desk.models import Message

    message = Message.objects.filter(pk=event.data.get("message"), internal=False).first()
    if message is None or _automatic_inbound():
        return
    ticket = event.ticket
    author = message.author_user or event.actor_user
    author_name = clean_line(_name(author), 100) if author else ""
    queue(
        Draft(
            kind=KIND_REPLY,
            ticket=ticket,
            event=event,
            to=_client_people(ticket),
            template="reply",
            context={"body": message.body, "author": author_name, "status": None},
            subject=subject_for(ticket, "Re: "),
            automatic=False,
            auto_submitted="no",
            from_name=f"{author_name} ({settings.GOODWILL_PROVIDER_NAME})" if author_name else "",
        )
    )


def _status(event) -> None:
    to = event.data.get("to")
    if to not in NOTIFIED_STATUSES or event.actor_person_id or _automatic_inbound():
        return  # the client changed it themselves, or nothing they need to hear
    ticket = event.ticket
    if _fold_into_reply(event, to):
        return
    queue(
        Draft(
            kind=KIND_STATUS,
            ticket=ticket,
            event=event,
            to=_client_people(ticket),
            template="status",
            context={"status": to, "status_label": _status_label(to)},
            subject=subject_for(ticket, f"{_status_label(to)}: "),
            automatic=True,
            auto_submitted="auto-generated",
        )
    )


def _status_label(status: str) -> str:
    return {
        "waiting_client": "Waiting for you",
        "waiting_third_party": "Waiting on a supplier",
        "resolved": "Resolved",
    }.get(status, status)


def _fold_into_reply(event, status: str) -> bool:
    """Reply and resolve in one action: say so in the reply instead of a second e-mail.

    Only a reply still queued and unclaimed is rewritten, with a conditional UPDATE."""
    from goodwill.desk.models import Message, TicketEvent

    row = (
        OutboundMessage.objects.filter(
            kind=KIND_REPLY,
            context=f"ticket:{event.ticket.reference}",
            status=OutboundStatus.QUEUED,
            attempts=0,
            created_at__gte=event.created_at - FOLD_WINDOW,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None or not row.dedupe_key:
        return False
    replied = TicketEvent.objects.filter(pk=row.dedupe_key.split(":")[1]).first()
    message = Message.objects.filter(pk=(replied.data if replied else {}).get("message")).first()
    if message is None:
        return False
    reader = event.ticket.requester
    locale = locale_for(reader.language or "en", event.ticket.client.country)
    text, html = render(
        "reply",
        {
            "ticket": event.ticket,
            "reference": event.ticket.reference,
            "subject": clean_line(event.ticket.subject, 200),
            "reader_name": clean_line(reader.first_name, 100),
            "provider": settings.GOODWILL_PROVIDER_NAME,
            "when": format_moment(replied.created_at, reader.time_zone, locale),
            "body": message.body,
            "author": clean_line(_name(message.author_user), 100) if message.author_user else "",
            "status": status,
            "status_label": _status_label(status),
        },
    )
    return bool(
        OutboundMessage.objects.filter(
            pk=row.pk,
            status=OutboundStatus.QUEUED,
            claim_token="",  # an empty claim token, not a password  # nosec B106
        ).update(text_body=text, html_body=html)
    )


def _client_replied(event) -> None:
    from goodwill.desk.models import Message

    message = Message.objects.filter(pk=event.data.get("message")).first()
    _tell_assignee(event, message, "replied")


def _tell_assignee(event, message, what: str) -> None:
    """The assigned technician reads the client's words and can answer from their mail."""
    ticket = event.ticket
    assignee = ticket.assignee
    if (
        not settings.GOODWILL_NOTIFY_ASSIGNEE
        or assignee is None
        or not assignee.email
        or message is None
        or _automatic_inbound()
    ):
        return
    person = event.actor_person
    who = clean_line(str(person), 100) if person else "The client"
    queue(
        Draft(
            kind=KIND_STAFF,
            ticket=ticket,
            event=event,
            to=[assignee],
            template="staff",
            context={"body": message.body, "who": who, "what": what},
            subject=subject_for(ticket, f"{who} {what}: "),
            automatic=True,
            auto_submitted="auto-generated",
            dedupe_suffix=f":{assignee.pk}",
        )
    )
