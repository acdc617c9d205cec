"""The outbox pages: failures first with their error, details, retry and cancel by POST only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus

pytestmark = pytest.mark.django_db


def _row(subject: str, status: str = OutboundStatus.QUEUED, **fields) -> OutboundMessage:
    row = outbox.enqueue(
        kind="ticket.reply", to=["Dana <dana@acme.test>"], subject=subject,
        text="Body <b>text</b>", html="<p>Body</p>", context="ticket:GW-10001",
    )  # fmt: skip
    OutboundMessage.objects.filter(pk=row.pk).update(status=status, **fields)
    row.refresh_from_db()
    return row


@pytest.fixture
def rows(cast):
    OutboundMessage.objects.all().delete()
    return {
        "sent": _row("All good", OutboundStatus.SENT, sent_at=timezone.now(), attempts=1),
        "failed": _row(
            "Bounced hard",
            OutboundStatus.FAILED,
            attempts=1,
            last_error="SMTPRecipientsRefused: 550 5.1.1 No such user",
        ),  # fmt: skip
        "retrying": _row(
            "Try later",
            attempts=2,
            last_error="SMTPDataError: 451 try later",
            next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
        ),  # fmt: skip
    }


def test_failures_come_first_with_their_error(as_tech, rows):
    page = as_tech.get(reverse("mail:outbox")).content.decode()
    assert page.index("Bounced hard") < page.index("Try later") < page.index("All good")
    assert "550 5.1.1 No such user" in page
    assert "451 try later" in page
    assert "1 message could not be sent" in page


@pytest.mark.parametrize(
    "status, shown, hidden",
    [
        ("failed", "Bounced hard", "All good"),
        ("sent", "All good", "Bounced hard"),
        ("queued", "Try later", "All good"),
    ],  # fmt: skip
)
def test_status_filter(as_tech, rows, status, shown, hidden):
    page = as_tech.get(reverse("mail:outbox"), {"status": status}).content.decode()
    assert shown in page and hidden not in page


def test_detail_shows_headers_and_escaped_body(as_tech, rows):
    row = rows["failed"]
    page = as_tech.get(reverse("mail:outbox_message", args=[row.pk])).content.decode()
    assert row.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "Body &lt;b&gt;text&lt;/b&gt;" in page
    assert "550 5.1.1" in page


def test_retry_a_failed_message_queues_it_again(as_tech, rows, smtp_server):
    row = rows["failed"]
    response = as_tech.post(reverse("mail:outbox_retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and row.attempts == 0
    assert outbox.deliver_due() >= 1
    assert [m["Subject"] for m in smtp_server.inbox.messages].count("Bounced hard") == 1


def test_send_now_brings_a_retry_forward(as_tech, rows):
    row = rows["retrying"]
    as_tech.post(reverse("mail:outbox_retry", args=[row.pk]))
    row.refresh_from_db()
    assert row.next_attempt_at <= timezone.now()


def test_cancel_and_a_sent_message_cannot_be_cancelled(as_tech, rows):
    as_tech.post(reverse("mail:outbox_cancel", args=[rows["retrying"].pk]))
    rows["retrying"].refresh_from_db()
    assert rows["retrying"].status == OutboundStatus.CANCELLED
    response = as_tech.post(reverse("mail:outbox_cancel", args=[rows["sent"].pk]), follow=True)
    assert "Not cancelled" in response.content.decode()
    rows["sent"].refresh_from_db()
    assert rows["sent"].status == OutboundStatus.SENT


def test_retry_and_cancel_are_post_only_and_need_mail_manage(as_tech, as_bookkeeper, rows):
    row = rows["failed"]
    assert as_tech.get(reverse("mail:outbox_retry", args=[row.pk])).status_code == 405
    assert as_bookkeeper.post(reverse("mail:outbox_retry", args=[row.pk])).status_code == 403
    assert as_bookkeeper.post(reverse("mail:outbox_cancel", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED


def test_an_empty_outbox_says_what_will_appear(as_owner, cast):
    OutboundMessage.objects.all().delete()
    page = as_owner.get(reverse("mail:outbox")).content.decode()
    assert "Nothing sent yet" in page


@pytest.mark.parametrize("kind", sorted(outbox.CREDENTIAL_KINDS))
def test_a_sign_in_or_password_link_is_never_shown(as_owner, cast, kind):
    # Technicians may read the outbox; a reset link in it would be someone else's password.
    row = outbox.enqueue(
        kind=kind, to=["olivia@provider.test"], subject="Your link",
        text="https://desk.example/reset/SECRET-TOKEN/", html="<a href='/r/SECRET-TOKEN/'>x</a>",
    )  # fmt: skip
    response = as_owner.get(reverse("mail:outbox_message", args=[row.pk]))
    assert response.status_code == 200
    assert b"SECRET-TOKEN" not in response.content
    assert b"not shown here" in response.content
