"""Notifications when SMTP misbehaves, and with two workers: nothing lost, nothing doubled."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.desk import services
from goodwill.mail import notify
from goodwill.testing.smtp import free_port


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "Goodwill IT <noreply@goodwill.test>"
    settings.GOODWILL_SUPPORT_ADDRESS = "support@goodwill.test"


def _replies(cast, n: int) -> list[OutboundMessage]:
    OutboundMessage.objects.all().delete()
    for i in range(n):
        services.reply(cast.ticket, f"Update {i}", by_user=cast.tech)
    return list(OutboundMessage.objects.filter(kind=notify.KIND_REPLY))


def assert_each_sent_once(smtp_server, queued: list[OutboundMessage]) -> None:
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(ids) == len(set(ids))  # nothing doubled
    assert {r.message_id for r in queued} <= set(ids)  # nothing lost
    assert not OutboundMessage.objects.exclude(status=OutboundStatus.SENT).exists()


def _drain(start: dt.datetime, hours: int = 12) -> None:
    """Run the outbox job once a minute for `hours`: every retry that falls due goes out."""
    for minute in range(0, hours * 60, 1):
        outbox.deliver_due(start + dt.timedelta(minutes=minute))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fault",
    ["connection refused", "421 4.3.2 Service shutting down", "451 4.3.0 Try again later"],
)
def test_smtp_down_then_back_drains_the_outbox_once(cast, smtp_server, settings, fault):
    queued = _replies(cast, 3)
    start = timezone.now()
    real_port = settings.EMAIL_PORT
    if fault == "connection refused":
        settings.EMAIL_PORT = free_port()  # nothing listens there
    else:
        smtp_server.inbox.refuse_with = fault

    assert outbox.deliver_due(start) == 0
    assert outbox.deliver_due(start + dt.timedelta(minutes=2)) == 0  # still down at the retry
    for row in OutboundMessage.objects.filter(pk__in=[r.pk for r in queued]):
        assert row.status == OutboundStatus.QUEUED and row.attempts == 2
        assert row.last_error
    assert smtp_server.inbox.messages == []

    settings.EMAIL_PORT = real_port
    smtp_server.inbox.refuse_with = None
    _drain(start + dt.timedelta(minutes=3), hours=1)

    assert_each_sent_once(smtp_server, queued)


@pytest.mark.django_db
def test_running_the_job_again_sends_nothing_again(cast, smtp_server):
    queued = _replies(cast, 2)
    now = timezone.now()
    outbox.deliver_due(now)
    assert outbox.deliver_due(now) == 0
    assert outbox.deliver_due(now + dt.timedelta(hours=1)) == 0
    assert_each_sent_once(smtp_server, queued)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two writers racing needs PostgreSQL (SQLite's in-memory test DB serialises them)",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_send_each_notification_once(cast, smtp_server):
    queued = _replies(cast, 20)
    now = timezone.now()
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            counts.append(outbox.deliver_due(now))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(counts) == OutboundMessage.objects.count()  # ours, and whatever else was queued
    assert_each_sent_once(smtp_server, queued)
