"""Intake for many messages at once (`goodwill ingest`): the outcomes of intake.receive() and
intake.process(), in a few statements per batch instead of a few dozen per message.

The guarantees stay those of intake.py: every raw message is written and its row committed
before anything is parsed; the rows are claimed by status inside the batch's transaction, so
two processes never process one twice; a message that cannot be read is quarantined with the
reason and the batch goes on.

What the batch writes itself is the common case: new tickets and client replies from people
the desk knows (or new people at a known client's domain), triage and plain quarantines. The
rest (delivery reports, staff answering from their mail program, a reply that reopens a
ticket, and anything threaded under one of those) goes through intake.process() one by one
after the batch, in arrival order. If writing the batch fails for any reason, it is rolled
back and every message of it goes through intake.process() instead: slower, never lost.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.utils import timezone

from goodwill.clients.models import Person
from goodwill.core.bulk import update_each
from goodwill.desk import events as desk_events
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Message, Ticket
from goodwill.mail import intake, notify
from goodwill.mail.context import InboundContext, processing
from goodwill.mail.models import InboundMail, InboundStatus, Mailbox, ThreadRef
from goodwill.mail.parse import ParsedMail, parse

logger = logging.getLogger(__name__)


def receive_many(
    items: Sequence[tuple[bytes, str]], *, mailbox: Mailbox, cache: intake.IntakeCache
) -> list[InboundMail]:
    """Store each (raw bytes, source) of the batch, then process the new ones together.
    Returns one row per item, in order; one delivered before has `duplicate` set."""
    stored = []
    for raw, source in items:
        sha256, relative = intake.store_raw(raw)
        message_id = intake.message_id_of(raw)
        stored.append((raw, source, sha256, relative, message_id,
                       (message_id or f"sha256:{sha256}")[:255]))  # fmt: skip
    keys = [s[5] for s in stored]
    before = set(
        InboundMail.objects.filter(mailbox=mailbox, dedupe_key__in=keys).values_list(
            "dedupe_key", flat=True
        )
    )
    now = timezone.now()
    fresh: dict[str, InboundMail] = {}
    for raw, source, sha256, relative, message_id, key in stored:
        if key not in before and key not in fresh:
            fresh[key] = InboundMail(
                mailbox=mailbox, dedupe_key=key, message_id=message_id, sha256=sha256,
                raw_path=relative, size=len(raw), source=source[:200], received_at=now,
            )  # fmt: skip
    with transaction.atomic():
        # Another process may store the same message a moment earlier: its row wins, ours is
        # skipped, and claiming by status below keeps it from being processed twice.
        InboundMail.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    rows = {
        r.dedupe_key: r for r in InboundMail.objects.filter(mailbox=mailbox, dedupe_key__in=keys)
    }
    todo, taken = [], set()
    for raw, *_, key in stored:
        if key not in before and key not in taken:
            taken.add(key)
            todo.append((rows[key], raw))
    done = {row.pk: row for row in process_many(todo, cache=cache)}
    results, seen = [], set()
    for *_, key in stored:
        row = done.get(rows[key].pk, rows[key])
        if key in before or key in seen:
            row = copy.copy(row)  # a second delivery of a row listed already: its own flag
            row.duplicate = True
        seen.add(key)
        results.append(row)
    return results


def process_many(
    items: Sequence[tuple[InboundMail, bytes]], *, cache: intake.IntakeCache
) -> list[InboundMail]:
    """Process stored rows (with their raw bytes) still RECEIVED; see the module docstring."""
    if not items:
        return []
    with transaction.atomic():
        claimed = set(
            InboundMail.objects.select_for_update()
            .filter(pk__in=[row.pk for row, _ in items], status=InboundStatus.RECEIVED)
            .values_list("pk", flat=True)
        )
        todo = [(row, raw) for row, raw in items if row.pk in claimed]
        try:
            with transaction.atomic():
                later = _Batch(cache).run(todo)
        except OperationalError:
            cache.clear()
            raise  # the database, not the mail: the rows stay RECEIVED for the next run
        except Exception:  # noqa: BLE001 - nothing of the batch is kept; one by one instead
            logger.warning("Batch of %d messages failed; processing one by one", len(todo),
                           exc_info=True)  # fmt: skip
            cache.clear()
            later = todo
    done = {row.pk: row for row, _ in todo}
    for row, raw in later:
        done[row.pk] = intake.process(row, cache=cache, raw=raw)
    return list(done.values())


@dataclass
class _Pending:
    """A message the batch will write: a new ticket, or a reply to `ticket` (or to the ticket
    the batch opens for `opening`, an earlier message of the same batch)."""

    row: InboundMail
    raw: bytes
    parsed: ParsedMail
    person: Person
    body: str
    reason: str = ""
    ticket: Ticket | None = None
    opening: _Pending | None = None
    message: Message | None = None


class _Batch:
    def __init__(self, cache: intake.IntakeCache) -> None:
        self.cache = cache
        self.now = timezone.now()
        self.openings: list[_Pending] = []
        self.replies: list[_Pending] = []
        self.later: list[tuple[InboundMail, bytes]] = []
        self.finished: list[InboundMail] = []
        # Message-IDs of this batch -> the pending message that answers for them, or None when
        # that message went to the one-by-one path (then so does anything threaded under it).
        self.threads: dict[str, _Pending | None] = {}

    def run(self, todo: list[tuple[InboundMail, bytes]]) -> list[tuple[InboundMail, bytes]]:
        parsed = []
        for row, raw in todo:
            row.attempts += 1
            row.processed_at = self.now
            row.from_address = row.from_name = row.subject = ""
            try:
                mail = parse(raw)
            except Exception as error:  # noqa: BLE001 - quarantine it, go on
                self._finish(row, _quarantined(error))
                continue
            intake._fill_headers(row, mail)
            parsed.append((row, raw, mail))
        self._look_up(parsed)
        for row, raw, mail in parsed:
            try:
                self._plan(row, raw, mail)
            except Exception as error:  # noqa: BLE001 - quarantine it, go on
                self._finish(row, _quarantined(error))
        self._write()
        return self.later

    # --- Reading: who sent it, what it answers --------------------------------------------------

    def _look_up(self, parsed: list) -> None:
        """The people, stored Message-IDs and subject references of the whole batch, at once."""
        self.cache.preload({mail.from_address for _, _, mail in parsed if mail.from_address})
        ids = {i for _, _, mail in parsed for i in _thread_ids(mail)}
        self.refs: dict[str, tuple[int, Ticket]] = {}
        for ref in ThreadRef.objects.filter(message_id__in=ids).select_related("ticket__client"):
            if ref.message_id not in self.refs or ref.pk > self.refs[ref.message_id][0]:
                self.refs[ref.message_id] = (ref.pk, ref.ticket)
        self.earlier: dict[str, tuple[int, Ticket]] = {}
        for mail in (
            InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .select_related("ticket__client")
        ):  # fmt: skip
            if mail.message_id not in self.earlier or mail.pk > self.earlier[mail.message_id][0]:
                self.earlier[mail.message_id] = (mail.pk, mail.ticket)
        numbers = set()
        for _, _, mail in parsed:
            match = intake.TICKET_REFERENCE.search(mail.subject)
            if match:
                numbers.add(int(match.group(1)))
        self.numbered = {
            t.number: t for t in Ticket.objects.filter(number__in=numbers).select_related("client")
        }

    def _thread(self, mail: ParsedMail) -> tuple[Ticket | _Pending | None, str, bool]:
        """As intake._thread, with this batch's own messages first (they are the newest).
        The third value says the thread runs through a message processed one by one."""
        how = intake.THREADED
        ids = _thread_ids(mail)
        for message_id in ids:  # In-Reply-To first: the message it answers
            if message_id in self.threads:
                pending = self.threads[message_id]
                return pending, how, pending is None
        for table in (self.refs, self.earlier):
            found = [table[i] for i in ids if i in table]
            if found:
                return intake._follow_merge(max(found, key=lambda f: f[0])[1]), how, False
        match = intake.TICKET_REFERENCE.search(mail.subject)
        if match and int(match.group(1)) in self.numbered:
            ticket = intake._follow_merge(self.numbered[int(match.group(1))])
            return ticket, "ticket reference in the subject", False
        return None, "", False

    # --- Deciding ----------------------------------------------------------------------------

    def _plan(self, row: InboundMail, raw: bytes, mail: ParsedMail) -> None:
        if mail.bounce is not None:
            return self._one_by_one(row, raw, mail)
        address = intake.sender_address(mail, self.cache)
        target, how, through_later = self._thread(mail)
        if through_later or self.cache.staff(address) is not None:
            return self._one_by_one(row, raw, mail)
        person = intake.sender_person(address, mail, self.cache)
        if person is None:
            return self._finish(row, intake.triage(address, mail))
        ticket = target.ticket if isinstance(target, _Pending) else target
        client_id = target.person.client_id if isinstance(target, _Pending) else (
            ticket.client_id if ticket is not None else None
        )  # fmt: skip
        reason = ""
        if target is not None and client_id != person.client_id:
            reference = ticket.reference if ticket is not None else "a ticket"
            reason = intake.other_client(reference, how, person)
            target = None
        if isinstance(target, Ticket) and not desk.can_reply_in_batch(target):
            return self._one_by_one(row, raw, mail)
        if target is None:
            pending = _Pending(row, raw, mail, person, intake.opening_body(mail), reason=reason)
            self.openings.append(pending)
        else:
            pending = _Pending(row, raw, mail, person, intake.reply_body(mail))
            if isinstance(target, _Pending):
                pending.opening = target.opening or target
            else:
                pending.ticket = target
            self.replies.append(pending)
        self._remember(mail, row, pending)

    def _one_by_one(self, row: InboundMail, raw: bytes, mail: ParsedMail) -> None:
        self.later.append((row, raw))
        self._remember(mail, row, None)

    def _remember(self, mail: ParsedMail, row: InboundMail, pending: _Pending | None) -> None:
        message_id = mail.message_id or row.message_id
        if message_id:
            self.threads[message_id[:255]] = pending

    def _finish(self, row: InboundMail, outcome: intake.Outcome) -> None:
        intake.apply_outcome(row, outcome)
        self.finished.append(row)

    # --- Writing -----------------------------------------------------------------------------

    def _write(self) -> None:
        opened = desk.open_many(
            [
                desk.Opening(
                    requester=p.person,
                    subject=p.parsed.subject.strip() or "(no subject)",
                    body=p.body,
                    channel=Channel.EMAIL,
                )
                for p in self.openings
            ]
        )
        events, contexts = [], {}
        for pending, (ticket, first, event) in zip(self.openings, opened, strict=True):
            pending.ticket, pending.message = ticket, first
            events.append(event)
            contexts[event.pk] = self._context(pending)
        for pending in self.replies:
            if pending.opening is not None:
                pending.ticket = pending.opening.ticket
        replied = desk.reply_many(
            [(p.ticket, p.body, p.person, None) for p in self.replies], channel=Channel.EMAIL
        )
        for pending, (message, event) in zip(self.replies, replied, strict=True):
            pending.message = message
            events.append(event)
            contexts[event.pk] = self._context(pending)
        everything = self.openings + self.replies
        for pending in everything:
            if pending.parsed.attachments:
                with processing(self._context(pending)):
                    intake._attach_all(pending.ticket, pending.parsed, pending.message,
                                       person=pending.person, staff=None)  # fmt: skip
        ThreadRef.objects.bulk_create(
            [
                ThreadRef(
                    message_id=(p.parsed.message_id or p.row.message_id)[:255],
                    ticket=p.ticket,
                    created_at=self.now,
                )  # fmt: skip
                for p in everything
                if p.parsed.message_id or p.row.message_id
            ],
            ignore_conflicts=True,
        )
        desk_events.publish_many(events, contexts)
        for pending in self.openings:
            self._finish(pending.row, intake.Outcome(
                InboundStatus.TICKET, reason=pending.reason, ticket=pending.ticket,
                message=pending.message, person=pending.person, client=pending.person.client,
            ))  # fmt: skip
        for pending in self.replies:
            self._finish(pending.row, intake.Outcome(
                InboundStatus.REPLY, ticket=pending.ticket, message=pending.message,
                person=pending.person, client=pending.ticket.client,
            ))  # fmt: skip
        update_each(self.finished, intake.PROCESSED_FIELDS)

    def _context(self, pending: _Pending) -> InboundContext:
        return InboundContext(
            inbound_id=pending.row.pk,
            automatic=bool(pending.parsed.automatic),
            message_id=pending.parsed.message_id or pending.row.message_id,
            from_address=pending.parsed.from_address,
            copied=frozenset(notify.copied_in(pending.raw)),
        )


def _thread_ids(mail: ParsedMail) -> list[str]:
    return list(dict.fromkeys(mail.in_reply_to + mail.references[::-1]))[:50]


def _quarantined(error: Exception) -> intake.Outcome:
    if isinstance(error, intake.Quarantine):
        reason = str(error)
    else:
        logger.warning("Inbound mail quarantined", exc_info=error)
        reason = f"{type(error).__name__}: {error}"
    return intake.Outcome(InboundStatus.QUARANTINED, reason=reason[:2000])
