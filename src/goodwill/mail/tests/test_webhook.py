"""The inbound webhook: only correctly signed, fresh, first-time calls store mail."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from goodwill.mail.models import InboundMail, InboundStatus, Mailbox, MailboxKind, WebhookReceipt
from goodwill.mail.webhook import prune_receipts, signature

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def _webhook_settings(settings, media):
    settings.GOODWILL_MAIL_WEBHOOK_SECRET = SECRET
    settings.GOODWILL_MAIL_WEBHOOK_MAX_BYTES = 64 * 1024


def raw_mail(sender: str, message_id: str = "", subject: str = "Mouse broken") -> bytes:
    message_id = message_id or f"{secrets.token_hex(6)}@acme.test"
    return (
        f"From: {sender}\r\nTo: support@goodwill.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n\r\nThe left button.\r\n"
    ).encode()


def post(client, body: bytes, *, url: str = "", timestamp: int | None = None,
         token: str | None = None, secret: str = SECRET, sign: str | None = None):  # fmt: skip
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or secrets.token_urlsafe(16)
    headers = {
        "HTTP_X_GOODWILL_TIMESTAMP": stamp,
        "HTTP_X_GOODWILL_TOKEN": token,
        "HTTP_X_GOODWILL_SIGNATURE": sign or signature(secret, stamp, token, body),
    }
    return client.post(
        url or reverse("mail:webhook"), data=body, content_type="message/rfc822", **headers
    )


def test_a_signed_message_is_stored_and_processed(client, cast):
    response = post(client, raw_mail(cast.pa.email))
    assert response.status_code == 202
    inbound = InboundMail.objects.get(pk=response.json()["id"])
    assert inbound.mailbox.name == "webhook" and inbound.mailbox.kind == MailboxKind.WEBHOOK
    assert inbound.status == InboundStatus.TICKET
    assert inbound.ticket.requester == cast.pa


def test_a_named_webhook_mailbox(client, cast):
    Mailbox.objects.create(name="eu-relay", kind=MailboxKind.WEBHOOK)
    url = reverse("mail:webhook_mailbox", args=["eu-relay"])
    response = post(client, raw_mail(cast.pa.email), url=url)
    assert response.status_code == 202
    assert InboundMail.objects.get().mailbox.name == "eu-relay"
    unknown = reverse("mail:webhook_mailbox", args=["nope"])
    assert post(client, raw_mail(cast.pa.email), url=unknown).status_code == 404


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "body changed", "timestamp changed", "token changed"],
)
def test_a_bad_signature_is_refused_and_stores_nothing(client, cast, tamper):
    body = raw_mail(cast.pa.email)
    stamp, token = str(int(time.time())), "tok-" + secrets.token_hex(8)
    key = "other" if tamper == "wrong secret" else SECRET
    signed = signature(key, stamp, token, body)
    if tamper == "body changed":
        body = body.replace(b"left", b"right")
    elif tamper == "timestamp changed":
        stamp = str(int(stamp) - 1)
    elif tamper == "token changed":
        token = token + "x"
    response = post(client, body, timestamp=int(stamp), token=token, sign=signed)
    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert not InboundMail.objects.exists() and not WebhookReceipt.objects.exists()


@pytest.mark.parametrize("skew", [-400, 400, -86400])
def test_a_stale_or_future_timestamp_is_refused(client, cast, skew):
    response = post(client, raw_mail(cast.pa.email), timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert response.json()["error"] == "stale"
    assert not InboundMail.objects.exists()


def test_a_replayed_call_is_refused(client, cast):
    body = raw_mail(cast.pa.email)
    stamp, token = int(time.time()), "replay-" + secrets.token_hex(8)
    assert post(client, body, timestamp=stamp, token=token).status_code == 202
    again = post(client, body, timestamp=stamp, token=token)
    assert again.status_code == 409 and again.json()["error"] == "replayed"
    # Even with a different (validly signed) body, the token cannot be used twice.
    other = post(client, raw_mail(cast.pa.email), timestamp=stamp, token=token)
    assert other.status_code == 409
    assert InboundMail.objects.count() == 1


def test_the_same_message_under_a_new_token_is_stored_once(client, cast):
    body = raw_mail(cast.pa.email, message_id="once@acme.test")
    first = post(client, body)
    second = post(client, body)
    assert first.status_code == second.status_code == 202
    assert second.json() == {**first.json(), "duplicate": True}
    assert InboundMail.objects.count() == 1


def test_an_oversized_body_is_refused(client, cast, settings):
    body = raw_mail(cast.pa.email) + b"x" * (settings.GOODWILL_MAIL_WEBHOOK_MAX_BYTES + 1)
    response = post(client, body)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert not InboundMail.objects.exists()


@pytest.mark.parametrize(
    "headers, error",
    [
        ({}, "missing_header"),
        (
            {
                "HTTP_X_GOODWILL_TIMESTAMP": "soon",
                "HTTP_X_GOODWILL_TOKEN": "abcdefgh",
                "HTTP_X_GOODWILL_SIGNATURE": "0" * 64,
            },
            "bad_timestamp",
        ),  # fmt: skip
        (
            {
                "HTTP_X_GOODWILL_TIMESTAMP": "1",
                "HTTP_X_GOODWILL_TOKEN": "abcdefgh",
                "HTTP_X_GOODWILL_SIGNATURE": "not hex",
            },
            "bad_signature",
        ),  # fmt: skip
    ],
)
def test_malformed_calls_get_a_clear_400(client, headers, error):
    response = client.post(
        reverse("mail:webhook"), data=b"From: a@b.test\r\n\r\nx", content_type="message/rfc822",
        **headers,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["detail"]


def test_no_secret_no_webhook(client, settings):
    settings.GOODWILL_MAIL_WEBHOOK_SECRET = ""
    assert post(client, b"From: a@b.test\r\n\r\nx", secret="").status_code == 404


def test_only_post(client):
    assert client.get(reverse("mail:webhook")).status_code == 405


def test_old_receipts_are_pruned_but_fresh_ones_kept():
    now = timezone.now()
    WebhookReceipt.objects.create(token="old-token", received_at=now - dt.timedelta(hours=1))
    WebhookReceipt.objects.create(token="new-token", received_at=now)
    with time_machine.travel(now, tick=False):
        assert prune_receipts(now) == 1
    assert list(WebhookReceipt.objects.values_list("token", flat=True)) == ["new-token"]
