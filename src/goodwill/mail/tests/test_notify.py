"""Notifications through the outbox to a real SMTP server: threading, loops, budget, injection."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from goodwill.clients.models import Person
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.desk import services
from goodwill.desk.models import Channel, TicketStatus
from goodwill.mail import notify
from goodwill.mail.context import InboundContext, processing
from goodwill.mail.models import InboundMail, Mailbox, MailboxKind, ThreadRef, Undeliverable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEFAULT_FROM_EMAIL = "Goodwill IT <noreply@goodwill.test>"
    settings.GOODWILL_SUPPORT_ADDRESS = "Goodwill Support <support@goodwill.test>"
    settings.GOODWILL_AUTOREPLY_PER_10_MINUTES = 3
    settings.GOODWILL_AUTOREPLY_PER_HOUR = 10


def inbound(ticket, person, *, message_id: str, cc: str = "", subject: str = "Re: help"):
    """An e-mail from `person` stored on `ticket`, as intake leaves it."""
    mailbox, _ = Mailbox.objects.get_or_create(
        name="support", defaults={"kind": MailboxKind.MANUAL, "address": "support@goodwill.test"}
    )
    raw = (
        f"From: {person.full_name} <{person.email}>\r\nTo: support@goodwill.test\r\n"
        + (f"Cc: {cc}\r\n" if cc else "")
        + f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n\r\nHello\r\n"
    ).encode()
    sha = hashlib.sha256(raw).hexdigest()
    path = default_storage.save(f"mail/raw/{sha}.eml", ContentFile(raw))
    mail = InboundMail.objects.create(
        mailbox=mailbox, dedupe_key=message_id, message_id=message_id, sha256=sha,
        raw_path=path, size=len(raw), from_address=person.email, person=person,
        ticket=ticket, client=ticket.client, status="reply",
    )  # fmt: skip
    ThreadRef.objects.get_or_create(message_id=message_id, defaults={"ticket": ticket})
    return mail


OUR_KINDS = (notify.KIND_RECEIVED, notify.KIND_REPLY, notify.KIND_STATUS, notify.KIND_STAFF)


def rows(kind: str | None = None):
    """Our notifications (other apps may mail about the same events, e.g. a survey)."""
    qs = OutboundMessage.objects.filter(kind__in=OUR_KINDS).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def delivered(smtp_server, row):
    [mail] = [m for m in smtp_server.inbox.messages if m["Message-ID"] == row.message_id]
    return mail


def test_a_ticket_opened_by_e_mail_is_acknowledged_once_with_threading_headers(cast, smtp_server):
    cast.boss.language, cast.boss.time_zone = "de", "Europe/Berlin"
    cast.boss.save()
    mailbox = Mailbox.objects.create(name="support", kind=MailboxKind.MANUAL)
    stored = InboundMail.objects.create(
        mailbox=mailbox, dedupe_key="first@acme.test", message_id="first@acme.test",
        sha256="0" * 64, raw_path="missing.eml", size=1, from_address=cast.boss.email,
    )  # fmt: skip
    with processing(InboundContext(stored.pk, False, "first@acme.test", cast.boss.email)):
        ticket = services.open_ticket(
            requester=cast.boss, subject="Scanner offline", body="It is off.", channel=Channel.EMAIL
        )

    [row] = [r for r in rows(notify.KIND_RECEIVED) if r.context == f"ticket:{ticket.reference}"]
    assert outbox.deliver_due() >= 1
    assert outbox.deliver_due() == 0
    [mail] = [m for m in smtp_server.inbox.messages if m["Message-ID"] == row.message_id]
    assert mail["To"].addresses[0].addr_spec == cast.boss.email
    assert mail["Subject"] == f"Received: [{ticket.reference}] Scanner offline"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Reply-To"].addresses[0].addr_spec == "support@goodwill.test"
    assert mail["In-Reply-To"] == "<first@acme.test>"
    assert "<first@acme.test>" in mail["References"]
    text = mail.get_body(("plain",)).get_content()
    # The boss reads German dates in Berlin time.
    assert "(CET)" in text or "(CEST)" in text
    assert any(day in text for day in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
                                       "Samstag", "Sonntag"))  # fmt: skip
    assert mail.get_body(("html",)) is not None
    # An answer to it threads back to the ticket.
    assert ThreadRef.objects.get(message_id=notify.bare_id(row.message_id)).ticket == ticket


def test_a_staff_reply_sends_one_threaded_notification_even_when_the_job_runs_twice(
    cast, smtp_server
):
    ticket = cast.ticket
    inbound(ticket, cast.boss, message_id="boss-2@acme.test")
    OutboundMessage.objects.all().delete()  # what the fixture's ticket queued

    services.reply(ticket, "Please restart the router.\nThanks", by_user=cast.tech)
    services.add_note(ticket, "Internal: the router is ancient", by_user=cast.tech)

    [row] = rows()
    assert row.kind == notify.KIND_REPLY and not row.automatic
    outbox.deliver_due()
    assert outbox.deliver_due() == 0
    mail = delivered(smtp_server, row)  # exactly one with its Message-ID
    assert mail["In-Reply-To"] == "<boss-2@acme.test>"
    assert mail["References"].split()[-1] == "<boss-2@acme.test>"
    assert mail["Auto-Submitted"] == "no"  # written by a person
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Subject"] == f"Re: [{ticket.reference}] {ticket.subject}"
    assert "Please restart the router." in mail.get_body(("plain",)).get_content()
    assert "ancient" not in mail.as_string()
    assert ThreadRef.objects.filter(message_id=notify.bare_id(row.message_id), ticket=ticket)


def test_people_copied_on_the_client_mail_get_the_reply_but_outsiders_do_not(cast, smtp_server):
    inbound(
        cast.ticket, cast.boss, message_id="cc@acme.test",
        cc=f"{cast.pa.full_name} <{cast.pa.email}>, Stranger <someone@elsewhere.test>",
    )  # fmt: skip
    OutboundMessage.objects.all().delete()
    services.reply(cast.ticket, "On it.", by_user=cast.tech)
    outbox.deliver_due()
    [received] = smtp_server.inbox.received
    assert sorted(received.envelope_to) == sorted([cast.boss.email, cast.pa.email])


def test_reply_and_resolve_in_one_action_is_one_mail_that_says_so(cast, smtp_server):
    OutboundMessage.objects.all().delete()
    with transaction.atomic():
        services.reply(cast.ticket, "Fixed the VPN.", by_user=cast.tech)
        services.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    # One mail from us (other apps may send their own on resolve, e.g. a survey).
    [row] = OutboundMessage.objects.filter(kind__in=[notify.KIND_REPLY, notify.KIND_STATUS])
    assert row.kind == notify.KIND_REPLY
    outbox.deliver_due()
    [mail] = [m for m in smtp_server.inbox.messages if m["Message-ID"] == row.message_id]
    assert "resolved" in mail.get_body(("plain",)).get_content()


def test_a_status_change_alone_is_a_short_automatic_notice(cast, smtp_server):
    OutboundMessage.objects.all().delete()
    services.change_status(cast.ticket, TicketStatus.WAITING_CLIENT, by_user=cast.tech)
    services.change_status(cast.ticket, TicketStatus.OPEN, by_user=cast.tech)  # not notified
    [row] = rows()
    assert row.kind == notify.KIND_STATUS and row.automatic
    outbox.deliver_due()
    mail = delivered(smtp_server, row)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert "waiting for your answer" in mail.get_body(("plain",)).get_content()


def test_the_assignee_gets_the_client_reply_with_a_reply_address_back_to_the_ticket(
    cast, smtp_server
):
    OutboundMessage.objects.all().delete()
    services.reply(cast.ticket, "Still broken here.", by_person=cast.boss)
    [row] = rows()
    assert row.kind == notify.KIND_STAFF and row.recipient == cast.tech.email.lower()
    outbox.deliver_due()
    mail = delivered(smtp_server, row)
    assert mail["Reply-To"].addresses[0].addr_spec == "support@goodwill.test"
    assert f"[{cast.ticket.reference}]" in mail["Subject"]
    assert ThreadRef.objects.filter(message_id=notify.bare_id(row.message_id)).exists()


# --- Loops -----------------------------------------------------------------------------------


def _open_from(person, n: int, *, automatic: bool = False):
    tickets = []
    for i in range(n):
        context = InboundContext(0, automatic, f"m{i}.{person.pk}@x.test", person.email)
        with processing(context):
            tickets.append(
                services.open_ticket(
                    requester=person, subject=f"Help {i}", body="Help", channel=Channel.EMAIL
                )
            )
    return tickets


def test_an_auto_submitted_message_gets_no_acknowledgement(cast):
    OutboundMessage.objects.all().delete()
    _open_from(cast.pa, 1, automatic=True)
    assert rows(notify.KIND_RECEIVED) == []


def test_a_flood_from_one_address_is_capped_by_the_budget(cast, caplog):
    OutboundMessage.objects.all().delete()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _open_from(cast.pa, 8)
    assert len(rows(notify.KIND_RECEIVED)) == 3
    assert "over the automatic-reply budget" in caplog.text
    # Later windows allow a few more, up to the hourly cap.
    for minutes in (11, 22, 33, 44):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            _open_from(cast.pa, 5)
    assert len(rows(notify.KIND_RECEIVED)) == 10


def test_no_automatic_mail_to_an_undeliverable_address(cast):
    OutboundMessage.objects.all().delete()
    Undeliverable.objects.create(address=cast.pa.email.lower(), reason="550 no such user")
    _open_from(cast.pa, 1)
    assert rows() == []


def test_line_breaks_in_a_subject_or_a_name_do_not_inject_headers(cast, smtp_server):
    OutboundMessage.objects.all().delete()
    person = Person.objects.create(
        client=cast.acme, first_name="Eve\r\nBcc: victim@evil.test", last_name="X",
        email="eve@acmedental.test",
    )  # fmt: skip
    ticket = _open_from(person, 1)[0]
    ticket.subject = "Printer\r\nBcc: victim@evil.test\nX-Evil: 1"
    ticket.save()
    services.reply(ticket, "Sorted.", by_user=cast.tech)

    ours = rows()
    assert [r.kind for r in ours] == [notify.KIND_RECEIVED, notify.KIND_REPLY]
    outbox.deliver_due()
    for row in ours:
        assert delivered(smtp_server, row)["To"].addresses[0].addr_spec == "eve@acmedental.test"
    for received in smtp_server.inbox.received:
        assert "victim@evil.test" not in received.envelope_to
        assert received.message["Bcc"] is None and received.message["X-Evil"] is None
        assert "\n" not in received.message["Subject"]
        assert b"\nBcc:" not in received.raw and b"\nX-Evil:" not in received.raw


def test_muted_sends_nothing(cast):
    OutboundMessage.objects.all().delete()
    with notify.muted():
        _open_from(cast.pa, 2)
    assert rows() == []
