"""Outbound webhooks: events queued per subscription, then claimed, POSTed and recorded.

    emit("ticket.created", key="ticket:12:opened:88", payload={...})   (inside the transaction)
    deliver_due(now)                                                   (a worker job)

The same discipline as core.outbox: a row per delivery written with the change that caused it,
a conditional UPDATE to claim it (two workers never send one row), retries with the outbox's
back-off on the same row, a stale claim released after core.claims.STALE_CLAIM.

Each POST carries `X-Goodwill-Signature: sha256=<hex>`, the HMAC-SHA256 with the subscription's
secret of "<X-Goodwill-Timestamp>.<body>", so a receiver can check origin and freshness.

Targets that resolve to private, loopback, link-local or otherwise non-public addresses are
refused (SSRF), both when a subscription is saved and at each delivery (DNS may change), unless
GOODWILL_WEBHOOK_ALLOW_PRIVATE is on. The connection goes to the address that was checked, and
redirects are not followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core import claims
from goodwill.core.outbox import MAX_ATTEMPTS, RETRY_DELAYS

from .models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookMark,
    WebhookSubscription,
)

logger = logging.getLogger("goodwill.webhooks")
BATCH = 100
USER_AGENT = "Goodwill-Webhooks/1"


class UnsafeTarget(ValueError):
    """A webhook URL Goodwill will not call."""


# --- Where we may send ------------------------------------------------------------------------


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to), or UnsafeTarget."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("Use an http:// or https:// address.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put no user name or password in the address; the secret signs.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(f"{parts.hostname} does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    if not settings.GOODWILL_WEBHOOK_ALLOW_PRIVATE:
        private = [a for a in addresses if not _public(a)]
        if private:
            raise UnsafeTarget(
                f"{parts.hostname} resolves to a private or local address ({private[0]}); "
                "an administrator can allow that with GOODWILL_WEBHOOK_ALLOW_PRIVATE."
            )
    return parts.scheme, parts.hostname, port, addresses[0]


def check_url(url: str) -> None:
    resolve_target(url)


# --- Queueing ----------------------------------------------------------------------------------


def emit(event: str, *, key: str, payload: dict[str, Any], now: dt.datetime | None = None) -> int:
    """Queue `event` for every active subscription to it; returns how many were queued.
    Call inside the transaction of the change; `key` makes a repeated emit harmless."""
    WebhookEvent(event)
    now = now or timezone.now()
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    queued = 0
    for subscription in WebhookSubscription.objects.filter(is_active=True):
        if event not in subscription.events:
            continue
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    subscription=subscription,
                    event=event,
                    event_key=key[:200],
                    payload={
                        "event": event,
                        "id": key,
                        "occurred_at": now.isoformat(),
                        "data": body,
                    },
                    next_attempt_at=now,
                    created_at=now,
                )
            queued += 1
        except IntegrityError:
            continue  # already queued for this subscription
    return queued


def ticket_payload(ticket) -> dict[str, Any]:
    return {
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "reference": ticket.reference,
            "client_id": ticket.client_id,
            "requester_id": ticket.requester_id,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "opened_at": ticket.opened_at,
            "updated_at": ticket.updated_at,
        }
    }


def on_ticket_event(sender: Any, event: Any, **kwargs: Any) -> None:
    """desk.events receiver: ticket.created for a new ticket, ticket.updated for the rest.
    Internal notes are announced as a change, never with their text."""
    from goodwill.desk.models import EventKind

    if not WebhookSubscription.objects.filter(is_active=True).exists():
        return
    name = (
        WebhookEvent.TICKET_CREATED
        if event.kind == EventKind.OPENED
        else WebhookEvent.TICKET_UPDATED
    )
    payload = ticket_payload(event.ticket)
    payload["change"] = event.kind
    with transaction.atomic():
        emit(name, key=f"ticket-event:{event.pk}", payload=payload, now=event.created_at)


def on_ticket_events(sender: Any, events: list, **kwargs: Any) -> None:
    """desk.events batch receiver: asks once whether anyone subscribes, then as above."""
    if not WebhookSubscription.objects.filter(is_active=True).exists():
        return
    for event in events:
        on_ticket_event(sender, event)


# --- Delivery ----------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the address we checked, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(delivery: WebhookDelivery) -> int:
    """POST one delivery; returns the HTTP status. Raises on network errors and unsafe targets."""
    subscription = delivery.subscription
    scheme, host, port, address = resolve_target(subscription.url)
    parts = urlsplit(subscription.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = str(int(timezone.now().timestamp()))
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, settings.GOODWILL_WEBHOOK_TIMEOUT)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Goodwill-Event": delivery.event,
                "X-Goodwill-Delivery": str(delivery.pk),
                "X-Goodwill-Timestamp": timestamp,
                "X-Goodwill-Signature": sign(subscription.secret, timestamp, body),
            },
        )
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def release_stale_claims(now: dt.datetime) -> int:
    return claims.release_stale_claims(WebhookDelivery, now)


def claim(row_id: int, now: dt.datetime) -> str | None:
    return claims.claim(WebhookDelivery, row_id, now)


def deliver_due(now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send what is due; returns how many were delivered. A worker job, safe in parallel."""
    now = now or timezone.now()
    due = claims.due_ids(WebhookDelivery, now, limit)
    # Why each target that did not answer in this run failed: its other deliveries record the
    # same and back off, rather than each waiting out the timeout (holding up the worker).
    unreachable: dict[int, str] = {}
    delivered = 0
    for row_id in due:
        token = claim(row_id, now)
        if token is None:
            continue  # another worker took it
        row = WebhookDelivery.objects.select_related("subscription").get(pk=row_id)
        if row.subscription_id in unreachable:
            _record_failure(row, token, unreachable[row.subscription_id], now)
            continue
        try:
            status = post(row)
        except UnsafeTarget as error:
            _record_failure(row, token, f"Refused: {error}", now, permanent=True)
            continue
        except (OSError, http.client.HTTPException) as error:
            unreachable[row.subscription_id] = f"{type(error).__name__}: {error}"
            _record_failure(row, token, unreachable[row.subscription_id], now)
            continue
        if 200 <= status < 300:
            WebhookDelivery.objects.filter(pk=row_id, claim_token=token).update(
                status=DeliveryStatus.DELIVERED,
                delivered_at=timezone.now(),
                response_status=status,
                last_error="",
            )
            delivered += 1
        else:
            # 4xx other than 408/429 will not get better by retrying.
            permanent = 400 <= status < 500 and status not in (408, 429)
            _record_failure(
                row, token, f"HTTP {status}", now, permanent=permanent, response_status=status
            )
    return delivered


def _record_failure(
    row: WebhookDelivery,
    token: str,
    text: str,
    now: dt.datetime,
    *,
    permanent: bool = False,
    response_status: int | None = None,
) -> None:
    attempts = row.attempts
    if permanent or attempts >= MAX_ATTEMPTS:
        status, next_at = DeliveryStatus.FAILED, row.next_attempt_at
    else:
        status, next_at = DeliveryStatus.QUEUED, now + RETRY_DELAYS[attempts - 1]
    WebhookDelivery.objects.filter(pk=row.pk, claim_token=token).update(
        status=status,
        next_attempt_at=next_at,
        last_error=text[:2000],
        claim_token="",  # an empty claim token, not a password  # nosec B106
        response_status=response_status,
    )
    logger.warning(
        "webhook: %s delivery %s to %s (attempt %s): %s",
        "gave up on" if status == DeliveryStatus.FAILED else "will retry",
        row.pk,
        row.subscription.url,
        attempts,
        text,
    )


def retry(row: WebhookDelivery, now: dt.datetime | None = None) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=row.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now or timezone.now()
        )
    )


# --- Events from other areas, found by looking (they publish no signal of their own) -----------


def _subscribed(event: str) -> bool:
    return any(
        event in events
        for events in WebhookSubscription.objects.filter(is_active=True).values_list(
            "events", flat=True
        )
    )


def _new_bookings(now: dt.datetime) -> int:
    from django.apps import apps

    booking_model = apps.get_model("scheduling", "Booking")
    mark = WebhookMark.objects.filter(name="booking").first()
    latest = booking_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if mark is None:  # the first look: announce what is new from now on, not the past
        WebhookMark.objects.get_or_create(name="booking", defaults={"value": str(latest)})
        return 0
    queued = 0
    for booking in booking_model.objects.filter(pk__gt=int(mark.value)).order_by("pk")[:BATCH]:
        with transaction.atomic():
            queued += emit(
                WebhookEvent.BOOKING_CREATED,
                key=f"booking:{booking.pk}",
                now=now,
                payload={
                    "booking": {
                        "id": booking.pk,
                        "client_id": booking.client_id,
                        "staff_id": booking.staff_id,
                        "starts_at": booking.starts_at,
                        "ends_at": booking.ends_at,
                        "status": booking.status,
                        "location": booking.location,
                    }
                },
            )
            WebhookMark.objects.filter(name="booking").update(value=str(booking.pk))
    return queued


def _health_changes(now: dt.datetime) -> int:
    from django.apps import apps

    score_model = apps.get_model("happiness", "ClientScore")
    seen = {
        int(m.name.split(":", 1)[1]): m.value
        for m in WebhookMark.objects.filter(name__startswith="health:")
    }
    queued = 0
    for score in score_model.objects.only("client_id", "band", "health", "reasons", "computed_at"):
        before = seen.get(score.client_id)
        if before == score.band:
            continue
        with transaction.atomic():
            if before is not None:  # a client seen for the first time is not a change
                queued += emit(
                    WebhookEvent.HEALTH_CHANGED,
                    key=f"health:{score.client_id}:{score.computed_at.isoformat()}:{score.band}",
                    now=now,
                    payload={
                        "client_id": score.client_id,
                        "from": before,
                        "to": score.band,
                        "health": score.health,
                        "reasons": score.reasons,
                    },
                )
            WebhookMark.objects.update_or_create(
                name=f"health:{score.client_id}", defaults={"value": score.band}
            )
    return queued


def _overdue_invoices(now: dt.datetime) -> int:
    from goodwill.billing.services import overdue_invoices

    announced = set(
        WebhookDelivery.objects.filter(event=WebhookEvent.INVOICE_OVERDUE).values_list(
            "event_key", flat=True
        )
    )
    queued = 0
    for invoice in overdue_invoices(timezone.localdate(now)).order_by("pk")[: BATCH * 5]:
        key = f"invoice-overdue:{invoice.pk}"
        if key in announced:
            continue
        with transaction.atomic():
            queued += emit(
                WebhookEvent.INVOICE_OVERDUE,
                key=key,
                now=now,
                payload={
                    "invoice": {
                        "id": invoice.pk,
                        "number": invoice.number,
                        "client_id": invoice.client_id,
                        "due_date": invoice.due_date,
                        "balance": invoice.balance,
                        "currency": invoice.currency,
                    }
                },
            )
    return queued


def run_due(now: dt.datetime | None = None) -> int:
    """The worker job: look for bookings, health changes and overdue invoices that subscribers
    want, then deliver what is due. Returns how many deliveries went out."""
    now = now or timezone.now()
    for event, look in (
        (WebhookEvent.BOOKING_CREATED, _new_bookings),
        (WebhookEvent.HEALTH_CHANGED, _health_changes),
        (WebhookEvent.INVOICE_OVERDUE, _overdue_invoices),
    ):
        if _subscribed(event):
            try:
                look(now)
            except Exception:  # one area's trouble must not stop the deliveries
                logger.exception("webhooks: looking for %s failed", event)
    return deliver_due(now)
