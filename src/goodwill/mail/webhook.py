"""Inbound mail over HTTP: a mail provider (or a relay script) POSTs the raw RFC 822 message.

    POST /mail/webhook/            → the "webhook" mailbox
    POST /mail/webhook/<mailbox>/  → a webhook mailbox by name
    X-Goodwill-Timestamp: 1795000000       (Unix seconds)
    X-Goodwill-Token: <random, once>
    X-Goodwill-Signature: hex(HMAC-SHA256(secret, f"{timestamp}.{token}.".encode() + body))

RELIABILITY.md §2 (Mailgun's scheme): the HMAC covers the raw body and is compared in constant
time; a timestamp outside ±5 minutes is refused; a token seen before is refused (WebhookReceipt),
and old receipts can go, because a replay of an old call carries its old, signed timestamp.

The receipt and the stored raw message commit together: a call that fails before the commit
can be retried with the same token; one that succeeded is refused on replay and its message is
stored once either way (intake's unique key). Without GOODWILL_MAIL_WEBHOOK_SECRET the URL is 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from goodwill.mail.models import Mailbox, MailboxKind, WebhookReceipt

logger = logging.getLogger("goodwill.mail.webhook")

WINDOW = dt.timedelta(minutes=5)
DEFAULT_MAILBOX = "webhook"
_TOKEN = re.compile(r"^[A-Za-z0-9._:+/=-]{8,200}$")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class WebhookRefused(Exception):  # noqa: N818 - an answer, not a bug
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def signature(secret: str, timestamp: str, token: str, body: bytes) -> str:
    message = f"{timestamp}.{token}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(request: HttpRequest, body: bytes, secret: str, now: dt.datetime) -> str:
    """Check the signature headers; return the token. Raises WebhookRefused."""
    timestamp = request.headers.get("X-Goodwill-Timestamp", "").strip()
    token = request.headers.get("X-Goodwill-Token", "").strip()
    given = request.headers.get("X-Goodwill-Signature", "").strip()
    missing = [
        name
        for name, value in (("Timestamp", timestamp), ("Token", token), ("Signature", given))
        if not value
    ]
    if missing:
        raise WebhookRefused(
            400, "missing_header", "Missing X-Goodwill-" + ", X-Goodwill-".join(missing) + "."
        )
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookRefused(400, "bad_timestamp", "X-Goodwill-Timestamp is not Unix seconds.")
    if not _TOKEN.match(token):
        raise WebhookRefused(400, "bad_token", "X-Goodwill-Token must be 8–200 URL-safe chars.")
    if not _HEX.match(given):
        raise WebhookRefused(400, "bad_signature", "X-Goodwill-Signature must be 64 hex digits.")
    expected = signature(secret, timestamp, token, body)
    if not hmac.compare_digest(expected, given.lower()):
        raise WebhookRefused(401, "bad_signature", "The signature does not match the body.")
    sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent) > WINDOW:
        raise WebhookRefused(
            401, "stale", "The timestamp is more than 5 minutes from our clock; sign it again."
        )
    return token


def _mailbox(name: str | None) -> Mailbox:
    if name is None:
        mailbox, _ = Mailbox.objects.get_or_create(
            name=DEFAULT_MAILBOX, defaults={"kind": MailboxKind.WEBHOOK}
        )
        return mailbox
    mailbox = Mailbox.objects.filter(name=name, kind=MailboxKind.WEBHOOK).first()
    if mailbox is None:
        raise Http404("No such webhook mailbox")
    return mailbox


def _refused(error: WebhookRefused) -> JsonResponse:
    logger.warning("mail webhook refused (%s): %s", error.status, error.detail)
    return JsonResponse({"error": error.error, "detail": error.detail}, status=error.status)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, mailbox: str | None = None) -> JsonResponse:
    secret = settings.GOODWILL_MAIL_WEBHOOK_SECRET
    if not secret:
        raise Http404("The inbound webhook is off (no GOODWILL_MAIL_WEBHOOK_SECRET).")
    box = _mailbox(mailbox)
    if not box.is_active:
        raise Http404("This mailbox is switched off")
    limit = settings.GOODWILL_MAIL_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_big = WebhookRefused(413, "too_large", f"The message is over {limit} bytes.")
    if declared > limit:
        return _refused(too_big)
    # Read the stream ourselves: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refused(too_big)
    if not body.strip():
        return _refused(WebhookRefused(400, "empty", "The body is empty: send the raw message."))
    now = timezone.now()
    try:
        token = verify(request, body, secret, now)
    except WebhookRefused as error:
        return _refused(error)

    from goodwill.mail import intake

    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(token=token, received_at=now)
            stored = intake.receive(body, mailbox=box, source=f"webhook:{token}"[:200],
                                    process_now=False)  # fmt: skip
    except IntegrityError:
        return _refused(WebhookRefused(409, "replayed", "This token was used before."))
    # Processed after the commit: a failure there quarantines the message, it is never lost.
    result = intake.process(stored)
    return JsonResponse(
        {
            "id": result.pk,
            "status": result.status,
            "duplicate": bool(getattr(stored, "duplicate", False)),
        },
        status=202,
    )


def prune_receipts(now: dt.datetime) -> int:
    """Receipts older than the window protect nothing: their timestamps are refused anyway."""
    deleted, _ = WebhookReceipt.objects.filter(received_at__lt=now - 2 * WINDOW).delete()
    return deleted
