"""Webhooks: queued with the ticket event, signed, POSTed to a real local HTTP server, retried
with the outbox's back-off, and private targets refused unless allowed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.api import webhooks
from goodwill.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from goodwill.core.outbox import RETRY_DELAYS
from goodwill.desk import services as desk

pytestmark = pytest.mark.django_db


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answer = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.GOODWILL_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.stop()


def _subscribe(url: str, events=("ticket.created", "ticket.updated")) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="CRM", url=url, secret="s3cret", events=list(events)
    )


def test_a_new_ticket_is_delivered_signed(cast, receiver):
    _subscribe(receiver.url)
    ticket = desk.open_ticket(requester=cast.acme_user, subject="Printer on fire")
    assert webhooks.deliver_due() == 1
    headers, body = receiver.requests[0]
    payload = json.loads(body)
    assert headers["X-Goodwill-Event"] == "ticket.created"
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    expected = hmac.new(
        b"s3cret", headers["X-Goodwill-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Goodwill-Signature"] == f"sha256={expected}"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert webhooks.deliver_due() == 0  # delivered once


def test_internal_notes_are_announced_without_their_text(cast, receiver):
    _subscribe(receiver.url, events=["ticket.updated"])
    desk.add_note(cast.ticket, "SECRET", by_user=cast.tech)
    webhooks.deliver_due()
    assert b"SECRET" not in receiver.requests[0][1]


def test_a_failing_target_is_retried_with_the_outbox_back_off(cast, receiver):
    _subscribe(receiver.url)
    receiver.answer = 503
    desk.open_ticket(requester=cast.acme_user, subject="x")
    now = timezone.now()
    assert webhooks.deliver_due(now) == 0
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == now + RETRY_DELAYS[0]
    assert webhooks.deliver_due(now + dt.timedelta(seconds=30)) == 0  # not due yet
    receiver.answer = 200
    assert webhooks.deliver_due(now + RETRY_DELAYS[0]) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 2
    assert len(receiver.requests) == 2


def test_a_4xx_gives_up_at_once(cast, receiver):
    _subscribe(receiver.url)
    receiver.answer = 410
    desk.open_ticket(requester=cast.acme_user, subject="x")
    webhooks.deliver_due()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


def test_two_workers_claim_a_delivery_once(cast, receiver):
    _subscribe(receiver.url)
    desk.open_ticket(requester=cast.acme_user, subject="x")
    row = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks.claim(row.pk, now) is not None
    assert webhooks.claim(row.pk, now) is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hook", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data",
     "http://[::1]/", "http://localhost:8000/", "ftp://example.com/", "http://u:p@example.com/"],
)
def test_private_and_odd_targets_are_refused_by_default(url):
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks.check_url(url)


def test_a_target_that_turned_private_is_refused_at_delivery(cast, settings):
    _subscribe("http://127.0.0.1:9/hook")
    desk.open_ticket(requester=cast.acme_user, subject="x")
    webhooks.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and "private" in row.last_error


def test_the_staff_page_refuses_a_private_target(cast, as_owner, as_manager):
    response = as_owner.post(
        reverse("api:webhooks"),
        {"name": "Local", "url": "http://127.0.0.1/x", "events": ["ticket.created"]},
    )
    assert b"private or local address" in response.content
    assert not WebhookSubscription.objects.exists()
    assert as_manager.get(reverse("api:webhooks")).status_code == 403


def test_overdue_invoices_and_health_changes_are_announced_once(cast, receiver):
    from decimal import Decimal

    from goodwill.billing.services import LineInput, create_draft, issue
    from goodwill.happiness.models import ClientScore

    _subscribe(receiver.url, events=["invoice.overdue", "health.changed"])
    draft = create_draft(client=cast.acme, kind="one_off",
                         lines=[LineInput("Setup", Decimal("1"), Decimal("50"), Decimal("0"))])
    issue(draft, now=timezone.now() - dt.timedelta(days=60), send=False)
    score, _ = ClientScore.objects.update_or_create(
        client=cast.acme,
        defaults={"health": 80, "band": "green", "risk": 10, "computed_at": timezone.now()},
    )
    ClientScore.objects.exclude(pk=score.pk).delete()
    webhooks.run_due()  # first look: the invoice is overdue; the band is only noted
    webhooks.run_due()
    events = [json.loads(body)["event"] for _headers, body in receiver.requests]
    assert events == ["invoice.overdue"]
    ClientScore.objects.filter(pk=score.pk).update(band="red", health=30)
    webhooks.run_due()
    last = json.loads(receiver.requests[-1][1])
    assert last["event"] == "health.changed"
    assert last["data"]["from"] == "green" and last["data"]["to"] == "red"


def test_a_new_booking_is_announced(cast, receiver):
    from goodwill.scheduling import services as scheduling
    from goodwill.scheduling.slots import available_slots
    from goodwill.scheduling.testing import give_hours, review

    _subscribe(receiver.url, events=["booking.created"])
    webhooks.run_due()  # the first look notes where bookings stand
    give_hours(cast.manager)
    kind = review(cast.manager)
    booking = scheduling.book_for_people(
        appointment_type=kind, staff=cast.manager, start=available_slots(kind)[0].start,
        people=[cast.boss], created_by=cast.manager,
    )
    assert webhooks.run_due() == 1
    payload = json.loads(receiver.requests[0][1])
    assert payload["event"] == "booking.created"
    assert payload["data"]["booking"]["id"] == booking.pk
    assert webhooks.run_due() == 0
