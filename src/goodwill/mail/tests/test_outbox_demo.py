"""The demo's outbox: notifications queued through the real path, shown as sent, one failed."""

from __future__ import annotations

import datetime as dt

import pytest

from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.demo.generator import DemoOptions, generate
from goodwill.mail.demo_outbox import KINDS
from goodwill.mail.models import ThreadRef

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_outbox_has_sent_notifications_and_one_failure_and_nothing_queued():
    today = dt.date(2026, 3, 10)
    generate(DemoOptions(clients=3, tickets=120, today=today))
    rows = OutboundMessage.objects.filter(kind__in=KINDS)  # other apps' demo mail aside
    statuses = list(rows.values_list("status", flat=True))
    assert statuses.count(OutboundStatus.FAILED) == 1
    assert statuses.count(OutboundStatus.SENT) >= 3
    assert OutboundStatus.QUEUED not in statuses  # the demo never mails made-up addresses
    failed = rows.get(status=OutboundStatus.FAILED)
    assert "550" in failed.last_error
    reply = rows.filter(kind="ticket.reply").first()
    assert reply is not None and "[GW-" in reply.subject
    assert ThreadRef.objects.filter(message_id=reply.message_id.strip("<>")).exists()

    generate(DemoOptions(clients=3, tickets=120, today=today, reset=True))
    assert rows.filter(status=OutboundStatus.FAILED).count() == 1
