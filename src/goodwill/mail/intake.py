"""Mail intake: store the raw message first, then turn it into a ticket, a reply, a bounce
note, a triage entry, or a quarantined message with its reason.

RELIABILITY.md §2: the raw bytes are written (atomically, named by sha256) and the InboundMail
row committed before anything is parsed; the row is unique on (mailbox, Message-ID or hash), so
a second delivery or a batch run again after `kill -9` finds the row and does nothing. Processing
runs in its own transaction and claims the row by its status, so a message becomes exactly one
ticket or reply, or stays RECEIVED to be processed by the next run. Any exception while
processing quarantines that one message with the reason, inside a savepoint, and the batch
goes on.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Message, Ticket
from goodwill.mail.context import InboundContext, processing
from goodwill.mail.models import (
    InboundMail,
    InboundStatus,
    Mailbox,
    MailboxKind,
    ThreadRef,
    Undeliverable,
)
from goodwill.mail.parse import ParsedMail, parse
from goodwill.mail.quotes import new_text

logger = logging.getLogger(__name__)

RAW_DIR = "mail/raw"
THREADED = "In-Reply-To/References"
TICKET_REFERENCE = re.compile(r"\bGW-(\d{4,9})\b", re.IGNORECASE)
MAX_BODY_CHARS = 100_000
DONE = (
    InboundStatus.TICKET,
    InboundStatus.REPLY,
    InboundStatus.BOUNCE,
    InboundStatus.TRIAGE,
    InboundStatus.QUARANTINED,
    InboundStatus.DISCARDED,
)


PROCESSED_FIELDS = [
    "status", "reason", "ticket", "ticket_message", "person", "client", "attempts",
    "processed_at", "from_address", "from_name", "subject", "sent_at", "message_id",
]  # fmt: skip


class Quarantine(Exception):  # noqa: N818 - it is an outcome, not a bug
    """Processing decided this message needs a person; the text is the reason."""


# --- Storing ---------------------------------------------------------------------------------


def raw_path_for(sha256: str) -> str:
    return f"{RAW_DIR}/{sha256[:2]}/{sha256}.eml"


def store_raw(raw: bytes) -> tuple[str, str]:
    """Write the bytes under MEDIA_ROOT named by their sha256: temp file + rename, so a crash
    leaves either no file or the whole file. Returns (sha256, relative path)."""
    sha256 = hashlib.sha256(raw).hexdigest()
    relative = raw_path_for(sha256)
    target = Path(settings.MEDIA_ROOT) / relative
    if target.exists() and target.stat().st_size == len(raw):
        return sha256, relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return sha256, relative


def read_raw(inbound: InboundMail) -> bytes:
    return (Path(settings.MEDIA_ROOT) / inbound.raw_path).read_bytes()


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def message_id_of(raw: bytes) -> str:
    """The Message-ID from the header block, without parsing the rest (cheap, cannot fail)."""
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw[:65536]
    match = _MESSAGE_ID.search(head)
    if not match:
        return ""
    value = match.group(1).decode("latin-1")
    found = re.search(r"<([^<>\s]{1,250})>", value)
    if found:
        return found.group(1)
    value = value.strip()
    return value[:250] if value and " " not in value else ""


def receive(
    raw: bytes,
    *,
    mailbox: Mailbox,
    source: str = "",
    cache: IntakeCache | None = None,
    process_now: bool = True,
    at: dt.datetime | None = None,
) -> InboundMail:
    """Store one raw message, then process it. Delivered before: the existing row, untouched."""
    sha256, relative = store_raw(raw)
    message_id = message_id_of(raw)
    key = (message_id or f"sha256:{sha256}")[:255]
    try:
        with transaction.atomic():
            inbound = InboundMail.objects.create(
                mailbox=mailbox,
                dedupe_key=key,
                message_id=message_id,
                sha256=sha256,
                raw_path=relative,
                size=len(raw),
                source=source[:200],
                received_at=at or timezone.now(),
            )
    except IntegrityError:
        # Delivered before (or stored by another process a moment ago).
        existing = InboundMail.objects.get(mailbox=mailbox, dedupe_key=key)
        existing.duplicate = True
        return existing
    if process_now:
        inbound = process(inbound, cache=cache, raw=raw, at=at)
    return inbound


def mailbox_for(name: str, kind: str = MailboxKind.MANUAL, **fields: object) -> Mailbox:
    mailbox, _ = Mailbox.objects.get_or_create(name=name[:100], defaults={"kind": kind, **fields})
    return mailbox


# --- Lookups, cached for a batch -------------------------------------------------------------


class IntakeCache:
    """Staff addresses, client domains and people by address, read once per batch."""

    def __init__(self) -> None:
        self._staff: dict[str, User] | None = None
        self._domains: dict[str, Client] | None = None
        self._own: set[str] | None = None
        self._people: dict[str, Person | None] = {}

    def clear(self) -> None:
        self.__init__()

    def staff(self, address: str) -> User | None:
        if self._staff is None:
            self._staff = {}
            for user in User.objects.filter(is_active=True).exclude(email=""):
                if user.is_goodwill_staff:
                    self._staff.setdefault(user.email.lower(), user)
        return self._staff.get(address)

    def own_address(self, address: str) -> bool:
        if self._own is None:
            self._own = {
                a.lower()
                for a in Mailbox.objects.exclude(address="").values_list("address", flat=True)
            }
            if settings.DEFAULT_FROM_EMAIL:
                self._own.add(re.sub(r".*<|>.*", "", settings.DEFAULT_FROM_EMAIL).lower())
        return address in self._own

    def client_for_domain(self, domain: str) -> Client | None:
        if self._domains is None:
            self._domains = {}
            for client in Client.objects.exclude(email_domains="").order_by("pk"):
                for d in client.domain_list:
                    self._domains.setdefault(d, client)
        return self._domains.get(domain)

    def person(self, address: str) -> Person | None:
        if address not in self._people:
            self._people[address] = (
                Person.objects.annotate(lower_email=Lower("email"))
                .filter(~Q(email=""), lower_email=address)
                .select_related("client")
                .first()
            )
        return self._people[address]

    def preload(self, addresses: set[str]) -> None:
        """Look up a batch's senders in one query; person() then answers from memory."""
        wanted = {a for a in addresses if a not in self._people}
        if not wanted:
            return
        found: dict[str, Person] = {}
        for person in (
            Person.objects.annotate(lower_email=Lower("email"))
            .filter(~Q(email=""), lower_email__in=wanted)
            .select_related("client")
        ):
            found.setdefault(person.lower_email, person)
        for address in wanted:
            self._people[address] = found.get(address)

    def remember(self, person: Person) -> None:
        self._people[person.email.lower()] = person


# --- Processing ------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str
    reason: str = ""
    ticket: Ticket | None = None
    message: Message | None = None
    person: Person | None = None
    client: Client | None = None


def process(
    inbound: InboundMail,
    *,
    cache: IntakeCache | None = None,
    raw: bytes | None = None,
    retry: bool = False,
    at: dt.datetime | None = None,
) -> InboundMail:
    """Process one stored message in its own transaction. Only a RECEIVED row is processed
    (or a quarantined/triaged one when staff retry), so running twice does nothing twice."""
    cache = cache or IntakeCache()
    allowed = [InboundStatus.RECEIVED]
    if retry:
        allowed += [InboundStatus.QUARANTINED, InboundStatus.TRIAGE]
    with transaction.atomic():
        try:
            row = InboundMail.objects.select_for_update().get(pk=inbound.pk)
        except InboundMail.DoesNotExist:
            return inbound
        if row.status not in allowed:
            return row
        row.attempts += 1
        row.processed_at = timezone.now()
        try:
            with transaction.atomic():
                data = raw if raw is not None else read_raw(row)
                outcome = _process(row, data, cache, at)
        except OperationalError:
            # The database, not the message (locked, deadlock, connection lost): the row stays
            # RECEIVED and is taken again by the next run or finish_stale, not quarantined.
            cache.clear()
            raise
        except Exception as error:  # noqa: BLE001 - quarantine, never lose, never stop the batch
            cache.clear()  # people created in the rolled-back savepoint are gone
            if not isinstance(error, Quarantine):
                logger.warning("Inbound mail %s quarantined", row.pk, exc_info=True)
            reason = (
                str(error)
                if isinstance(error, Quarantine)
                else (f"{type(error).__name__}: {error}")
            )
            outcome = Outcome(InboundStatus.QUARANTINED, reason=reason[:2000])
        apply_outcome(row, outcome)
        row.save(update_fields=PROCESSED_FIELDS)
    return row


def apply_outcome(row: InboundMail, outcome: Outcome) -> None:
    row.status = outcome.status
    row.reason = outcome.reason
    row.ticket = outcome.ticket
    row.ticket_message = outcome.message
    row.person = outcome.person
    row.client = outcome.client or (outcome.person.client if outcome.person else None)


def process_pending(mailbox: Mailbox | None = None, cache: IntakeCache | None = None) -> int:
    """Process rows stored but never processed (the process died in between)."""
    pending = InboundMail.objects.filter(status=InboundStatus.RECEIVED)
    if mailbox is not None:
        pending = pending.filter(mailbox=mailbox)
    cache = cache or IntakeCache()
    count = 0
    for inbound in pending.order_by("pk").iterator():
        process(inbound, cache=cache)
        count += 1
    return count


STALE_AFTER = dt.timedelta(minutes=5)


def finish_stale(now: dt.datetime | None = None) -> int:
    """Worker job: process messages stored but left unprocessed for a while (a poller or an
    ingest killed between storing and processing). Claiming is by status inside process(), so
    two workers never process one message twice."""
    now = now or timezone.now()
    stale = InboundMail.objects.filter(
        status=InboundStatus.RECEIVED, received_at__lt=now - STALE_AFTER
    ).order_by("pk")[:200]
    cache = IntakeCache()
    done = 0
    for inbound in stale:
        if process(inbound, cache=cache).status != InboundStatus.RECEIVED:
            done += 1
    return done


def _fill_headers(inbound: InboundMail, parsed: ParsedMail) -> None:
    inbound.from_address = parsed.from_address
    inbound.from_name = parsed.from_name
    inbound.subject = parsed.subject
    inbound.sent_at = parsed.sent_at
    if not inbound.message_id and parsed.message_id:
        inbound.message_id = parsed.message_id


def _process(
    inbound: InboundMail, raw: bytes, cache: IntakeCache, at: dt.datetime | None = None
) -> Outcome:
    """`at`: when the desk records the ticket or reply (now, unless a caller such as the demo
    replays mail that arrived earlier)."""
    inbound.from_address = inbound.from_name = inbound.subject = ""
    parsed = parse(raw)
    _fill_headers(inbound, parsed)
    if parsed.bounce is not None:
        return _bounce(inbound, parsed, cache)
    address = sender_address(parsed, cache)
    ticket, how = _thread(parsed)
    staff = cache.staff(address)
    if staff is not None:
        if ticket is None:
            raise Quarantine(
                f"From staff member {staff} but not a reply to any ticket; nothing to add it to."
            )
        if how != THREADED:
            # A From header is easy to forge; the Message-ID of a notification we sent is known
            # only to those who received it. So a staff reply must answer one of them.
            raise Quarantine(
                f"From staff member {staff}, naming {ticket.reference} only in the subject: a "
                "staff reply must answer one of our notifications. Check it came from them."
            )
        return _add_reply(inbound, parsed, ticket, staff=staff, person=None, at=at)
    person = sender_person(address, parsed, cache)
    if person is None:
        return triage(address, parsed)
    reason = ""
    if ticket is not None and ticket.client_id != person.client_id:
        reason = other_client(ticket.reference, how, person)
        ticket = None
    if ticket is not None:
        outcome = _add_reply(inbound, parsed, ticket, staff=None, person=person, at=at)
    else:
        outcome = _open(inbound, parsed, person, at)
    outcome.reason = reason
    return outcome


def sender_address(parsed: ParsedMail, cache: IntakeCache) -> str:
    """The sender's address, or Quarantine when there is none or it is our own."""
    address = parsed.from_address
    if not address or "@" not in address:
        raise Quarantine("No sender address could be read from the From header.")
    if cache.own_address(address):
        raise Quarantine(f"Sent from our own address {address}: a mail loop, not a request.")
    return address


def sender_person(address: str, parsed: ParsedMail, cache: IntakeCache) -> Person | None:
    """The Person who wrote, a new one (for role review) at a known client's domain, or None
    when the domain is nobody's (triage)."""
    person = cache.person(address)
    if person is None:
        client = cache.client_for_domain(address.rsplit("@", 1)[-1])
        if client is None:
            return None
        person = _new_person(client, address, parsed.from_name)
        cache.remember(person)
    return person


def triage(address: str, parsed: ParsedMail) -> Outcome:
    why = f"Nobody at a known client writes from {address.rsplit('@', 1)[-1]}"
    if parsed.automatic:
        why += f" (automatic mail: {parsed.automatic})"
    return Outcome(InboundStatus.TRIAGE, reason=why + ".")


def other_client(reference: str, how: str, person: Person) -> str:
    """Why a message naming another client's ticket opened one of its own.

    A subject token (or a forwarded thread) never gives write access to another client's
    ticket: the sender gets a ticket of their own (RELIABILITY.md §2, threading)."""
    return (
        f"Referred to {reference} ({how}), a ticket of another client; "
        f"opened a new ticket for {person.client} instead."
    )


def opening_body(parsed: ParsedMail) -> str:
    body = _body(parsed.text)
    return body if body or parsed.attachments else "(No text in this e-mail.)"


def reply_body(parsed: ParsedMail) -> str:
    """The new text of a reply, without the quoted history and signature."""
    sender = parsed.from_name or parsed.from_address
    body = _body(new_text(parsed.text, sender=sender, html=parsed.html))
    if not body:
        body = "(No text in this e-mail.)" if not parsed.attachments else "(Files only.)"
    return body


def _new_person(client: Client, address: str, name: str) -> Person:
    name = re.sub(r"[\"'<>]", "", name).strip()
    if "@" in name or not name:
        name = address.split("@", 1)[0].replace(".", " ").replace("_", " ").title()
    first, _, last = name.partition(" ")
    if "," in first and last:  # "Shaw, Maria"
        first, last = last, first.rstrip(",")
    try:
        with transaction.atomic():
            return Person.objects.create(
                client=client,
                first_name=first[:100] or address[:100],
                last_name=last[:100],
                email=address,
                needs_role_review=True,
                notes="Created from an e-mail they sent.",
            )
    except IntegrityError:
        # Added a moment ago by another process (or by staff): the address is unique.
        return Person.objects.select_related("client").get(email__iexact=address)


def _follow_merge(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def _thread(parsed: ParsedMail) -> tuple[Ticket | None, str]:
    """The ticket this message answers: stored Message-IDs first, then the subject token."""
    ids = list(dict.fromkeys(parsed.in_reply_to + parsed.references[::-1]))[:50]
    if ids:
        ref = (
            ThreadRef.objects.filter(message_id__in=ids)
            .select_related("ticket__client")
            .order_by("-pk")
            .first()
        )
        if ref is not None:
            return _follow_merge(ref.ticket), THREADED
        earlier = (
            InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .select_related("ticket__client")
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            return _follow_merge(earlier.ticket), THREADED
    match = TICKET_REFERENCE.search(parsed.subject)
    if match:
        ticket = Ticket.objects.filter(number=int(match.group(1))).select_related("client").first()
        if ticket is not None:
            return _follow_merge(ticket), "ticket reference in the subject"
    return None, ""


def _context(inbound: InboundMail, parsed: ParsedMail) -> InboundContext:
    return InboundContext(
        inbound_id=inbound.pk,
        automatic=bool(parsed.automatic),
        message_id=parsed.message_id or inbound.message_id,
        from_address=parsed.from_address,
    )


def _body(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + "\n\n[… cut here; the full e-mail is kept as received.]"
    return text


def _add_reply(
    inbound: InboundMail,
    parsed: ParsedMail,
    ticket: Ticket,
    *,
    staff: User | None,
    person: Person | None,
    at: dt.datetime | None,
) -> Outcome:
    body = reply_body(parsed)
    with processing(_context(inbound, parsed)):
        message = desk.reply(
            ticket, body, by_user=staff, by_person=person, channel=Channel.EMAIL, at=at
        )
        _attach_all(ticket, parsed, message, person=person, staff=staff)
    _register(parsed, inbound, ticket)
    return Outcome(
        InboundStatus.REPLY,
        ticket=ticket,
        message=message,
        person=person,
        client=ticket.client,
    )


def _open(
    inbound: InboundMail, parsed: ParsedMail, person: Person, at: dt.datetime | None
) -> Outcome:
    subject = parsed.subject.strip() or "(no subject)"
    body = opening_body(parsed)
    with processing(_context(inbound, parsed)):
        ticket = desk.open_ticket(
            requester=person, subject=subject, body=body, channel=Channel.EMAIL, opened_at=at
        )
        message = ticket.messages.first() if body else None
        _attach_all(ticket, parsed, message, person=person, staff=None)
    _register(parsed, inbound, ticket)
    return Outcome(
        InboundStatus.TICKET, ticket=ticket, message=message, person=person, client=person.client
    )


def _attach_all(
    ticket: Ticket,
    parsed: ParsedMail,
    message: Message | None,
    *,
    person: Person | None,
    staff: User | None,
) -> None:
    limit = settings.GOODWILL_MAX_ATTACHMENT_BYTES
    skipped = []
    for attachment in parsed.attachments[:50]:
        if len(attachment.data) > limit:
            skipped.append(f"{attachment.filename} ({len(attachment.data) // 1024} KB)")
            continue
        if not attachment.data:
            continue
        upload = SimpleUploadedFile(
            attachment.filename, attachment.data, content_type=attachment.content_type
        )
        try:
            desk.attach(ticket, upload, by_user=staff, by_person=person, message=message)
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # The whole message waits (rolled back, quarantined) rather than arriving without
            # its file: staff retry it once there is room.
            raise Quarantine(
                f"Could not save the attachment {attachment.filename!r}: the disk where "
                f"attachments are kept is full ({error.strerror}). Free some space, then retry "
                "this message; the e-mail as received is kept."
            ) from error
    if len(parsed.attachments) > 50:
        skipped.append(f"{len(parsed.attachments) - 50} more files")
    if skipped:
        desk.add_note(
            ticket,
            "Not attached (over the limit of "
            f"{limit // 1024} KB per file; the e-mail as received still has them): "
            + ", ".join(skipped),
            by_user=None,
        )


def _register(parsed: ParsedMail, inbound: InboundMail, ticket: Ticket) -> None:
    message_id = parsed.message_id or inbound.message_id
    if message_id:
        ThreadRef.objects.bulk_create(
            [ThreadRef(message_id=message_id[:255], ticket=ticket)], ignore_conflicts=True
        )


def _bounce(inbound: InboundMail, parsed: ParsedMail, cache: IntakeCache) -> Outcome:
    """A delivery report: note it on the ticket the failed mail was about, stop mailing the
    address, tell the happiness engine. Never a ticket of its own."""
    from goodwill.happiness.signals import record_signal

    report = parsed.bounce
    if report is None:  # only called for bounces; checked even under python -O
        raise ValueError("not a bounce")
    ids = list(dict.fromkeys(report.original_ids + parsed.in_reply_to + parsed.references))
    ticket = None
    if ids:
        ref = ThreadRef.objects.filter(message_id__in=ids).select_related("ticket").first()
        if ref is not None:
            ticket = _follow_merge(ref.ticket)
        else:
            earlier = InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False).first()
            ticket = _follow_merge(earlier.ticket) if earlier else None
    now = timezone.now()
    person = None
    lines = []
    # A delivery report is easy to forge: only one about mail we sent may stop our mail to an
    # address (a stranger's fake bounce must not silence a client's boss).
    ours = ticket is not None or (
        bool(ids)
        and OutboundMessage.objects.filter(message_id__in=[f"<{i}>" for i in ids]).exists()
    )
    for address, diagnostic in report.failed[:20] if ours else []:
        Undeliverable.objects.update_or_create(
            address=address[:320],
            defaults={"reason": diagnostic or "Bounced", "bounce": inbound, "since": now},
        )
        lines.append(f"{address}: {diagnostic or 'delivery failed'}")
        bounced = cache.person(address)
        if bounced is not None:
            person = person or bounced
            _safe_signal(
                record_signal,
                kind="bounce",
                value=-0.2,
                occurred_at=now,
                person=bounced,
                source=f"mail:{inbound.pk}",
                key=f"bounce:{inbound.mailbox_id}:{inbound.dedupe_key}:{address}"[:200],
                note=f"Mail to {address} bounced; check the address with them.",
                details={"diagnostic": diagnostic[:300]},
            )
    if ticket is not None:
        what = "\n".join(lines) if lines else "A delivery report (no failed address in it)."
        with processing(_context(inbound, parsed)):
            desk.add_note(
                ticket,
                f"Mail about this ticket bounced ({parsed.subject or 'delivery report'}).\n"
                f"{what}\nThose addresses get no more automatic mail until fixed.",
                by_user=None,
            )
    if ticket is not None:
        reason = ""
    elif ours:
        reason = "A delivery report for mail we sent that is not about a ticket."
    else:
        failed = ", ".join(a for a, _ in report.failed[:5]) or "no address"
        reason = (
            f"A delivery report ({failed}) for mail we did not send or cannot match; "
            "no address was marked undeliverable."
        )
    return Outcome(
        InboundStatus.BOUNCE,
        reason=reason,
        ticket=ticket,
        person=person,
        client=ticket.client if ticket else (person.client if person else None),
    )


def _safe_signal(record_signal, **kwargs) -> None:  # noqa: ANN001
    """The happiness signal is a side note: if it fails, the bounce is still handled."""
    try:
        with transaction.atomic():
            record_signal(**kwargs)
    except Exception:  # noqa: BLE001
        logger.exception("Could not record the bounce signal")


def received_today(now: dt.datetime | None = None) -> int:
    start = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0)
    return InboundMail.objects.filter(received_at__gte=start).count()
