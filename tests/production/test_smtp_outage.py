"""The outbox while the SMTP server is down, then back on the same port (issue 9, faults).

Sends fail and are retried with back-off on the same rows (no new rows, attempts counted, the
error shown on the staff outbox page); a dead server costs one connection attempt per run, not
a timeout per message; once the server is back every message arrives exactly once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from goodwill.billing import services as billing
from goodwill.billing.models import InvoiceKind
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.core.worker import Worker, job_named
from goodwill.testing.smtp import SMTPServer

from .support import SilentServer

pytestmark = pytest.mark.django_db

BULK = 20


def _point_at(settings, port: int, timeout: float = 2) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout


def _queue_mail(cast) -> list[OutboundMessage]:
    """A real invoice e-mail (with its PDF) and a batch of plain messages."""
    draft = billing.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[billing.LineInput("Firewall", Decimal("1"), Decimal("300"), Decimal("20"))],
    )
    billing.issue(draft)
    for n in range(BULK):
        outbox.enqueue(kind="test", to=[f"reader{n}@acme.test"], subject=f"News {n}", text="Hi.")
    return list(OutboundMessage.objects.order_by("pk"))


def _outbox_run(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        [run] = Worker([job_named("outbox")], report=lambda line: None).run_once()
    assert run.ok, run.error  # a dead server is the rows' news, not the job's failure
    return run


def test_smtp_down_then_back_delivers_every_message_once(cast, as_owner, settings):
    server = SMTPServer()  # its port is chosen, but nothing listens there yet
    _point_at(settings, server.port)
    t0 = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    with time_machine.travel(t0 - dt.timedelta(minutes=5), tick=False):
        queued = _queue_mail(cast)
    total = len(queued)

    # Down: every due message records why and backs off; a run before the back-off ends
    # tries nothing (t0 + 30 s), the next one tries them all again (t0 + 2 min).
    for at in (t0, t0 + dt.timedelta(seconds=30), t0 + dt.timedelta(minutes=2)):
        assert _outbox_run(at).count == 0
    rows = OutboundMessage.objects.order_by("pk")
    assert rows.count() == total  # retried on the same rows, never queued again
    assert Counter(rows.values_list("status", flat=True)) == {OutboundStatus.QUEUED: total}
    for row in rows:
        assert row.attempts == 2, row
        assert row.last_error.startswith("ConnectionRefusedError")
        assert row.next_attempt_at == t0 + dt.timedelta(minutes=2) + outbox.RETRY_DELAYS[1]

    # Staff see it on the outbox page: each waiting message with the server's answer.
    with time_machine.travel(t0 + dt.timedelta(minutes=3), tick=False):
        page = as_owner.get("/mail/outbox/").content.decode()
    assert page.count("ConnectionRefusedError") == total
    assert page.count("2 attempts") == total

    # Back, on the same port: past every back-off one run sends all, each exactly once.
    server.start()
    try:
        assert _outbox_run(t0 + dt.timedelta(minutes=30)).count == total
        assert _outbox_run(t0 + dt.timedelta(minutes=31)).count == 0
        received = Counter(message["Message-ID"] for message in server.inbox.messages)
    finally:
        server.stop()
    assert received == Counter({row.message_id: 1 for row in queued})
    assert OutboundMessage.objects.count() == total
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}
    invoice_mail = OutboundMessage.objects.get(kind="billing.invoice")
    [sent] = [m for m in server.inbox.messages if m["Message-ID"] == invoice_mail.message_id]
    assert [a.get_filename() for a in sent.iter_attachments()] == [f"{draft_number(cast)}.pdf"]


def draft_number(cast) -> str:
    return cast.acme.invoices.get(kind=InvoiceKind.ONE_OFF).number


def test_a_mail_server_that_never_answers_costs_one_timeout_per_run_not_one_per_message(
    cast, settings
):
    silent = SilentServer()
    timeout = 0.5
    _point_at(settings, silent.port, timeout=timeout)
    try:
        for n in range(10):
            outbox.enqueue(kind="test", to=[f"r{n}@acme.test"], subject=f"News {n}", text="Hi.")
        started = time.monotonic()
        assert outbox.deliver_due() == 0
        took = time.monotonic() - started
    finally:
        silent.close()
    assert took < 4 * timeout, f"the batch waited {took:.1f} s"
    rows = OutboundMessage.objects.all()
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert set(rows.values_list("status", flat=True)) == {OutboundStatus.QUEUED}
    assert all("timed out" in row.last_error.lower() for row in rows)


def test_the_mail_server_has_a_timeout_by_default():
    """Without one a server that accepts and never answers would hang the worker for good."""
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT and 0 < settings.EMAIL_TIMEOUT <= 60
