"""The outbox: every e-mail Goodwill sends is queued here, then claimed, sent and recorded.

    enqueue(kind=..., to=[...], subject=..., text=..., dedupe_key=...)  -> OutboundMessage
    deliver_due(now)                                                    (a worker job)

Why a table rather than sending inline: a request or job that wants to send mail commits its
own change and the queued message together, so a crash never sends mail about something that
was rolled back, and an SMTP outage delays mail instead of failing the action.

Delivery guarantees:
- Two workers never send the same row: a worker claims a row with a conditional UPDATE
  (queued → sending, with its own token) and only the winner sends it.
- A failure is retried on the same row with back-off (RETRY_DELAYS); a permanent refusal (5xx)
  or too many attempts marks it failed, for staff to see and retry.
- A server that cannot be reached costs one connection attempt per run: every due row records
  the error and backs off, so a dead server never holds the worker for a timeout per message.
- A worker killed between sending and recording leaves the row "sending"; after STALE_CLAIM it
  is queued again. That is the one case where a message can go out twice, and it goes out with
  the same Message-ID so mail programs show it once; losing it would be worse.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core import claims
from goodwill.core.models import OutboundAttachment, OutboundMessage, OutboundStatus

logger = logging.getLogger("goodwill.outbox")

RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
STALE_CLAIM = claims.STALE_CLAIM
BATCH = 100


class OutboxError(ValueError):
    """A message that cannot be queued as given (bad address, a header with a line break)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def mail_domain() -> str:
    configured = getattr(settings, "GOODWILL_MAIL_DOMAIN", "")
    if configured:
        return configured
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def new_message_id(prefix: str = "gw") -> str:
    return f"<{prefix}.{uuid.uuid4().hex}@{mail_domain()}>"


def _one_line(value: str, what: str) -> str:
    # Header injection: a CR or LF in a subject or a name would start a new header.
    if "\r" in value or "\n" in value:
        raise OutboxError(f"The {what} contains a line break: {value[:60]!r}")
    return value


def _addresses(values: Iterable[str], what: str) -> list[str]:
    result = []
    for value in values:
        _one_line(value, what)
        name, address = parseaddr(value)
        if "@" not in address or len(getaddresses([value])) != 1:
            raise OutboxError(f"Not an e-mail address in {what}: {value!r}")
        result.append(formataddr((name, address)) if name else address)
    return result


def enqueue(*, attachments: Sequence[Attachment] = (), **fields: Any) -> OutboundMessage:
    """Queue one message (inside the caller's transaction); `fields` are prepare()'s. With a
    dedupe_key already queued, returns the existing row and queues nothing."""
    dedupe_key = fields.get("dedupe_key")
    if dedupe_key:
        existing = OutboundMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    row = prepare(**fields)
    try:
        with transaction.atomic():
            row.save()
            OutboundAttachment.objects.bulk_create(
                OutboundAttachment(
                    message=row,
                    filename=_one_line(a.filename, "attachment name"),
                    content_type=a.content_type,
                    content=a.content,
                )
                for a in attachments
            )
    except IntegrityError:
        if dedupe_key:  # queued by someone else in the meantime
            return OutboundMessage.objects.get(dedupe_key=dedupe_key)
        raise
    return row


# Mail whose text is a key: a password reset or sign-in link works for whoever reads it first,
# so staff pages never show these bodies (the outbox shows who, when and whether it went).
CREDENTIAL_KINDS = frozenset(
    {"accounts.password_reset", "portal.sign_in_link", "portal.invitation"}
)


def enqueue_many(rows: Sequence[OutboundMessage]) -> int:
    """Queue prepared rows (no attachments) in one INSERT, inside the caller's transaction.
    A row whose dedupe_key is already queued is skipped; returns how many were new."""
    keys = [r.dedupe_key for r in rows if r.dedupe_key]
    queued = set(
        OutboundMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    new = [r for r in rows if not r.dedupe_key or r.dedupe_key not in queued]
    OutboundMessage.objects.bulk_create(new)
    return len(new)


def prepare(
    *,
    kind: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str = "",
    cc: Sequence[str] = (),
    reply_to: str = "",
    from_email: str = "",
    headers: dict[str, str] | None = None,
    context: str = "",
    dedupe_key: str | None = None,
    message_id: str | None = None,
    automatic: bool = True,
    send_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> OutboundMessage:
    """The unsaved row enqueue() saves: every address and header checked (no CR/LF can start a
    header of its own), raising OutboxError with what is wrong."""
    if not to:
        raise OutboxError("A message needs at least one recipient.")
    extra = dict(headers or {})
    for name, value in extra.items():
        _one_line(name, "header name")
        _one_line(str(value), f"{name} header")
    now = now or timezone.now()
    recipients = _addresses(to, "recipients")
    row = OutboundMessage(
        kind=kind,
        context=context[:100],
        dedupe_key=dedupe_key or None,
        message_id=message_id or new_message_id(),
        from_email=_addresses([from_email or settings.DEFAULT_FROM_EMAIL], "sender")[0],
        to=recipients,
        recipient=parseaddr(recipients[0])[1].lower(),
        cc=_addresses(cc, "copies"),
        reply_to=_addresses([reply_to], "reply address")[0] if reply_to else "",
        subject=_one_line(subject, "subject")[:300],
        text_body=text,
        html_body=html,
        headers=extra,
        automatic=automatic,
        next_attempt_at=send_after or now,
        created_at=now,
    )
    return row


def build_email(row: OutboundMessage, connection=None) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.message_id, **row.headers}
    if row.automatic:
        # RFC 3834: mark what Goodwill sends on its own, and ask others not to auto-reply to it.
        headers.setdefault("Auto-Submitted", "auto-generated")
        headers.setdefault("X-Auto-Response-Suppress", "All")
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text_body,
        from_email=row.from_email,
        to=row.to,
        cc=row.cc,
        reply_to=[row.reply_to] if row.reply_to else None,
        headers=headers,
        connection=connection,
    )
    if row.html_body:
        message.attach_alternative(row.html_body, "text/html")
    for attachment in row.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return message


def _permanent(error: Exception) -> bool:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in error.recipients.values()]
        return bool(codes) and all(c >= 500 for c in codes)
    return isinstance(code, int) and code >= 500


def release_stale_claims(now: dt.datetime) -> int:
    return claims.release_stale_claims(OutboundMessage, now)


def claim(row_id: int, now: dt.datetime) -> str | None:
    return claims.claim(OutboundMessage, row_id, now)


def deliver_due(now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send what is due; returns how many were sent. A worker job, safe to run in parallel."""
    now = now or timezone.now()
    due = claims.due_ids(OutboundMessage, now, limit)
    if not due:
        return 0
    sent = 0
    unreachable: Exception | None = None
    connection = get_connection(fail_silently=False)
    try:
        for row_id in due:
            token = claim(row_id, now)
            if token is None:
                continue  # another worker took it
            row = OutboundMessage.objects.get(pk=row_id)
            if unreachable is None:
                try:
                    # One SMTP session for the batch (send() alone opens one per message).
                    connection.open()
                except Exception as error:  # the server is down, unreachable or refuses us
                    unreachable = error
            if unreachable is not None:
                # Not the message's fault: retried with back-off, never failed for good. Every
                # due row records it without trying again, so nobody waits out a timeout twice.
                _record_failure(row, token, unreachable, now, permanent=False)
                continue
            try:
                build_email(row, connection).send()
            except Exception as error:  # every failure is recorded on the row
                _record_failure(row, token, error, now)
                # A broken connection stays broken for this batch: reopen it for the next row.
                connection.close()
                continue
            OutboundMessage.objects.filter(pk=row_id, claim_token=token).update(
                status=OutboundStatus.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    finally:
        connection.close()
    return sent


def _record_failure(
    row: OutboundMessage,
    token: str,
    error: Exception,
    now: dt.datetime,
    *,
    permanent: bool | None = None,
) -> None:
    attempts = row.attempts
    permanent = _permanent(error) if permanent is None else permanent
    text = f"{type(error).__name__}: {error}"[:2000]
    if permanent or attempts >= MAX_ATTEMPTS:
        status, next_at = OutboundStatus.FAILED, row.next_attempt_at
    else:
        status, next_at = OutboundStatus.QUEUED, now + RETRY_DELAYS[attempts - 1]
    OutboundMessage.objects.filter(pk=row.pk, claim_token=token).update(
        status=status,
        next_attempt_at=next_at,
        last_error=text,
        claim_token="",  # an empty claim token, not a password  # nosec B106
    )
    logger.warning(
        "outbox: %s message %s (attempt %s): %s",
        "gave up on" if status == OutboundStatus.FAILED else "will retry",
        row.pk,
        attempts,
        text,
    )


def retry(row: OutboundMessage, now: dt.datetime | None = None) -> bool:
    """Staff asked to try a failed message again."""
    return bool(
        OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.FAILED).update(
            status=OutboundStatus.QUEUED, attempts=0, next_attempt_at=now or timezone.now()
        )
    )


def cancel(row: OutboundMessage) -> bool:
    return bool(
        OutboundMessage.objects.filter(
            pk=row.pk, status__in=[OutboundStatus.QUEUED, OutboundStatus.FAILED]
        ).update(status=OutboundStatus.CANCELLED)
    )
