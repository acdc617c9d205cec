"""The outbox against a real SMTP server: sent once, retried on the same row, never injected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.core.outbox import Attachment, OutboxError

pytestmark = pytest.mark.django_db


def _queue(**kwargs) -> OutboundMessage:
    values = {
        "kind": "test",
        "to": ["Dana Acme <dana@acme.test>"],
        "subject": "Your ticket GW-10001",
        "text": "We are on it.",
    }
    values.update(kwargs)
    return outbox.enqueue(**values)


def test_a_queued_message_reaches_the_server_once_with_its_headers(smtp_server):
    row = _queue(
        html="<p>We are on it.</p>",
        headers={"In-Reply-To": "<abc@acme.test>"},
        attachments=[Attachment("invite.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )

    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0  # nothing left: not sent twice

    [message] = smtp_server.inbox.messages
    assert message["Message-ID"] == row.message_id
    assert message["In-Reply-To"] == "<abc@acme.test>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message.get_body(("plain",)).get_content().strip() == "We are on it."
    assert "<p>We are on it.</p>" in message.get_body(("html",)).get_content()
    [ics] = list(message.iter_attachments())
    assert ics.get_filename() == "invite.ics"
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.sent_at is not None


def test_a_dedupe_key_queues_one_message():
    first = _queue(dedupe_key="invoice:1:reminder:1")
    second = _queue(dedupe_key="invoice:1:reminder:1", subject="Something else")
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("subject", "Hello\r\nBcc: everyone@evil.test"),
        ("to", ["Dana\nBcc: x@evil.test <dana@acme.test>"]),
        ("headers", {"X-Note": "a\nBcc: x@evil.test"}),
    ],
)
def test_line_breaks_in_headers_are_refused(field, value):
    with pytest.raises(OutboxError, match="line break"):
        _queue(**{field: value})
    assert not OutboundMessage.objects.exists()


def test_a_temporary_refusal_is_retried_on_the_same_row_with_back_off(smtp_server):
    row = _queue()
    smtp_server.inbox.refuse_with = "451 4.3.0 Try again later"
    now = timezone.now()

    assert outbox.deliver_due(now) == 0
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED
    assert row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at == now + outbox.RETRY_DELAYS[0]
    assert outbox.deliver_due(now) == 0  # not due again yet

    smtp_server.inbox.refuse_with = None
    assert outbox.deliver_due(now + dt.timedelta(minutes=2)) == 1
    assert len(smtp_server.inbox.messages) == 1
    assert OutboundMessage.objects.count() == 1


def test_a_permanent_refusal_fails_at_once_and_staff_can_retry(smtp_server):
    row = _queue()
    smtp_server.inbox.refuse_with = "550 5.1.1 No such user"
    outbox.deliver_due()
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED
    assert "550" in row.last_error

    smtp_server.inbox.refuse_with = None
    assert outbox.retry(row)
    assert outbox.deliver_due() == 1


def test_a_server_that_is_down_leaves_the_message_queued(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", outbox_free_port()
    settings.EMAIL_TIMEOUT = 2
    row = _queue()
    assert outbox.deliver_due() == 0
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and row.attempts == 1
    assert "refused" in row.last_error.lower() or "connect" in row.last_error.lower()


def outbox_free_port() -> int:
    from goodwill.testing.smtp import free_port

    return free_port()  # nothing listens there


def test_a_row_claimed_by_another_worker_is_not_sent(smtp_server):
    row = _queue()
    now = timezone.now()
    assert outbox.claim(row.pk, now) is not None  # another worker won it
    assert outbox.deliver_due(now) == 0
    assert smtp_server.inbox.messages == []


def test_a_claim_left_by_a_killed_worker_is_released_after_a_while(smtp_server):
    row = _queue()
    now = timezone.now()
    outbox.claim(row.pk, now)
    assert outbox.deliver_due(now + dt.timedelta(minutes=5)) == 0
    assert outbox.deliver_due(now + outbox.STALE_CLAIM + dt.timedelta(minutes=1)) == 1
