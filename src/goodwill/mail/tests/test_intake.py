"""Mail intake: stored first, exactly once, threaded only where the sender belongs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from goodwill.clients.models import Person
from goodwill.desk.models import Attachment, Message, Ticket
from goodwill.happiness.models import Signal
from goodwill.mail import intake
from goodwill.mail.context import current_inbound
from goodwill.mail.models import InboundMail, InboundStatus, ThreadRef, Undeliverable
from goodwill.mail.samples import make_eml, quoted_reply

pytestmark = pytest.mark.django_db


def receive(mailbox, **kwargs):
    return intake.receive(make_eml(**kwargs), mailbox=mailbox)


def test_raw_is_stored_under_its_hash_and_a_second_delivery_changes_nothing(cast, mailbox, media):
    raw = make_eml(
        sender="maria@acme.test",
        subject="Printer jammed",
        body="Paper stuck.",
        message_id="p1@acme.test",
    )
    first = intake.receive(raw, mailbox=mailbox)
    again = intake.receive(raw, mailbox=mailbox)
    assert again.pk == first.pk
    assert first.status == InboundStatus.TICKET
    assert Path(media, first.raw_path).read_bytes() == raw
    assert first.raw_path.endswith(f"{first.sha256}.eml")
    assert InboundMail.objects.count() == 1
    assert Ticket.objects.filter(subject="Printer jammed").count() == 1
    assert not list(Path(media, "mail/raw").rglob(".incoming-*"))


def test_without_message_id_the_hash_is_the_key(cast, mailbox):
    raw = make_eml(sender="maria@acme.test", subject="No id", body="Hello")
    first = intake.receive(raw, mailbox=mailbox)
    assert first.dedupe_key == f"sha256:{first.sha256}"
    assert intake.receive(raw, mailbox=mailbox).pk == first.pk
    assert Ticket.objects.filter(subject="No id").count() == 1


def test_new_ticket_from_a_known_person_case_insensitively(cast, mailbox):
    inbound = receive(
        mailbox,
        sender="Maria@ACME.test",
        sender_name="Maria Shaw",
        subject="Server is slow",
        body="Since this morning.\n\nMaria",
    )
    ticket = inbound.ticket
    assert inbound.status == InboundStatus.TICKET
    assert ticket.requester == cast.boss and ticket.channel == "email"
    assert ticket.messages.get().body.startswith("Since this morning.")
    assert inbound.person == cast.boss and inbound.client == cast.acme


def test_reply_threads_by_in_reply_to_and_keeps_only_the_new_text(cast, mailbox):
    opened = receive(
        mailbox,
        sender="maria@acme.test",
        subject="Wi-Fi",
        body="Wi-Fi is down.",
        message_id="w1@acme.test",
    )
    when = timezone.now()
    body = quoted_reply("It works again, thanks!", "Wi-Fi is down.", who="Maria", when=when)
    reply = receive(
        mailbox,
        sender="maria@acme.test",
        subject="Re: Wi-Fi",
        body=body,
        message_id="w2@acme.test",
        in_reply_to="w1@acme.test",
    )
    assert reply.status == InboundStatus.REPLY and reply.ticket == opened.ticket
    assert reply.ticket_message.body == "It works again, thanks!"
    assert ThreadRef.objects.filter(message_id="w2@acme.test", ticket=opened.ticket).exists()


def test_reply_to_our_notification_threads_through_thread_ref(cast, mailbox):
    ThreadRef.objects.create(message_id="note-1@goodwill.test", ticket=cast.ticket)
    reply = receive(
        mailbox,
        sender="tom@acme.test",
        subject="Re: something else",
        body="Any news?",
        in_reply_to="note-1@goodwill.test",
    )
    assert reply.status == InboundStatus.REPLY and reply.ticket == cast.ticket
    assert reply.ticket_message.author_person == cast.pa


def test_subject_reference_threads_a_person_of_the_same_client(cast, mailbox):
    reply = receive(
        mailbox,
        sender="ana@acme.test",
        subject=f"Re: [{cast.ticket.reference}] VPN",
        body="Still down here.",
    )
    assert reply.status == InboundStatus.REPLY and reply.ticket == cast.ticket


def test_birch_person_with_acmes_reference_is_not_appended_to_acmes_ticket(cast, mailbox):
    before = cast.ticket.messages.count()
    inbound = receive(
        mailbox,
        sender="bill@birch.test",
        subject=f"Re: [{cast.ticket.reference}] VPN down",
        body="Let me in.",
    )
    assert cast.ticket.messages.count() == before
    assert inbound.status == InboundStatus.TICKET
    assert inbound.ticket != cast.ticket and inbound.ticket.client == cast.birch
    assert cast.ticket.reference in inbound.reason


def test_birch_person_with_a_forged_in_reply_to_is_not_appended_either(cast, mailbox):
    ThreadRef.objects.create(message_id="acme-thread@goodwill.test", ticket=cast.ticket)
    before = cast.ticket.messages.count()
    inbound = receive(
        mailbox,
        sender="beth@birch.test",
        subject="Re: VPN",
        body="hello",
        in_reply_to="acme-thread@goodwill.test",
    )
    assert cast.ticket.messages.count() == before
    assert inbound.ticket.client == cast.birch


def test_staff_reply_by_mail_is_a_staff_reply(cast, mailbox):
    ThreadRef.objects.create(message_id="n2@goodwill.test", ticket=cast.ticket)
    inbound = receive(
        mailbox,
        sender="tess@provider.test",
        subject="Re: VPN",
        body="On my way.",
        in_reply_to="n2@goodwill.test",
    )
    assert inbound.status == InboundStatus.REPLY
    message = inbound.ticket_message
    assert message.author_user == cast.tech and message.author_person is None


def test_a_staff_address_naming_a_ticket_only_in_the_subject_is_quarantined(cast, mailbox):
    # Anyone can write "From: tess@provider.test"; only those we mailed know our Message-IDs.
    inbound = receive(
        mailbox,
        sender="tess@provider.test",
        subject=f"Re: [{cast.ticket.reference}] VPN",
        body="Closing this, all fine.",
    )
    assert inbound.status == InboundStatus.QUARANTINED
    assert "only in the subject" in inbound.reason
    assert not cast.ticket.messages.filter(body__contains="Closing this").exists()


def test_unknown_sender_at_a_client_domain_becomes_a_person_for_review(cast, mailbox):
    inbound = receive(
        mailbox,
        sender="new.starter@acme.test",
        sender_name="Nina Newton",
        subject="My login",
        body="I cannot log in.",
    )
    person = Person.objects.get(email="new.starter@acme.test")
    assert person.client == cast.acme and person.needs_role_review
    assert (person.first_name, person.last_name) == ("Nina", "Newton")
    assert inbound.ticket.requester == person


def test_unknown_domain_goes_to_triage(cast, mailbox):
    inbound = receive(mailbox, sender="someone@elsewhere.example", subject="Hi", body="Quote?")
    assert inbound.status == InboundStatus.TRIAGE
    assert "elsewhere.example" in inbound.reason
    assert inbound.ticket is None
    assert not Person.objects.filter(email="someone@elsewhere.example").exists()


def test_the_notification_code_sees_that_the_mail_was_automatic(cast, mailbox, monkeypatch):
    seen = []
    real_reply = intake.desk.reply

    def spy(*args, **kwargs):
        seen.append(current_inbound())
        return real_reply(*args, **kwargs)

    monkeypatch.setattr(intake.desk, "reply", spy)
    receive(
        mailbox,
        sender="maria@acme.test",
        subject=f"Re: {cast.ticket.reference}",
        body="I am out of the office.",
        message_id="ooo@acme.test",
        headers={"Auto-Submitted": "auto-replied"},
    )
    receive(
        mailbox,
        sender="maria@acme.test",
        subject=f"Re: {cast.ticket.reference}",
        body="Real answer.",
        message_id="real@acme.test",
    )
    assert [c.automatic for c in seen] == [True, False]
    assert seen[0].message_id == "ooo@acme.test"
    assert current_inbound() is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"X-Loop": "helpdesk@elsewhere"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_is_flagged(cast, mailbox, monkeypatch, headers):
    seen = []
    real_open = intake.desk.open_ticket
    monkeypatch.setattr(
        intake.desk,
        "open_ticket",
        lambda **kw: seen.append(current_inbound()) or real_open(**kw),
    )
    receive(mailbox, sender="maria@acme.test", subject="Newsletter", body="x", headers=headers)
    assert seen and seen[0].automatic


def test_auto_submitted_no_is_a_person(cast, mailbox, monkeypatch):
    seen = []
    real_open = intake.desk.open_ticket
    monkeypatch.setattr(
        intake.desk,
        "open_ticket",
        lambda **kw: seen.append(current_inbound()) or real_open(**kw),
    )
    receive(
        mailbox, sender="maria@acme.test", subject="Hi", body="x", headers={"Auto-Submitted": "no"}
    )
    assert seen and not seen[0].automatic


def _bounce_for(message_id: str, recipient: str) -> bytes:
    return (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\n"
        "To: support@goodwill.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.acme.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nI could not deliver your message.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: support@goodwill.test\r\nTo: {recipient}\r\nSubject: [GW] update\r\n"
        f"Message-ID: <{message_id}>\r\n\r\nYour ticket was updated.\r\n"
        "--B--\r\n"
    ).encode()


def test_bounce_attaches_to_the_original_ticket_and_marks_the_address(cast, mailbox):
    ThreadRef.objects.create(message_id="notify-9@goodwill.test", ticket=cast.ticket)
    tickets = Ticket.objects.count()
    inbound = intake.receive(
        _bounce_for("notify-9@goodwill.test", "maria@acme.test"), mailbox=mailbox
    )
    assert inbound.status == InboundStatus.BOUNCE and inbound.ticket == cast.ticket
    assert Ticket.objects.count() == tickets
    note = cast.ticket.messages.filter(internal=True).last()
    assert "maria@acme.test" in note.body and "550 5.1.1" in note.body
    assert Undeliverable.objects.filter(address="maria@acme.test", bounce=inbound).exists()
    signal = Signal.objects.get(kind="bounce")
    assert signal.person == cast.boss


def test_bounce_for_mail_we_never_sent_opens_nothing_and_silences_nobody(cast, mailbox):
    tickets = Ticket.objects.count()
    inbound = intake.receive(_bounce_for("forged@x", "maria@acme.test"), mailbox=mailbox)
    assert inbound.status == InboundStatus.BOUNCE and inbound.ticket is None
    assert Ticket.objects.count() == tickets
    assert not Undeliverable.objects.exists()
    assert "no address was marked" in inbound.reason


def test_bounce_of_an_outbox_message_marks_the_address(cast, mailbox):
    from goodwill.core import outbox

    row = outbox.enqueue(kind="invoice", to=["ana@acme.test"], subject="Invoice", text="x",
                         dedupe_key="t:invoice")  # fmt: skip
    bare = row.message_id.strip("<>")
    inbound = intake.receive(_bounce_for(bare, "ana@acme.test"), mailbox=mailbox)
    assert inbound.status == InboundStatus.BOUNCE and inbound.ticket is None
    assert Undeliverable.objects.filter(address="ana@acme.test").exists()


def test_a_crash_in_processing_quarantines_with_the_reason_and_rolls_back(
    cast, mailbox, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake.desk, "attach", broken)
    tickets = Ticket.objects.count()
    inbound = receive(
        mailbox,
        sender="maria@acme.test",
        subject="With file",
        body="See file",
        attachments=[("a.pdf", b"%PDF-1.4", "application/pdf")],
    )
    assert inbound.status == InboundStatus.QUARANTINED
    assert "RuntimeError: disk on fire" in inbound.reason
    assert Ticket.objects.count() == tickets  # the half-made ticket was rolled back
    assert inbound.ticket is None
    # the next message is not affected
    ok = receive(mailbox, sender="maria@acme.test", subject="Plain", body="No file")
    assert ok.status == InboundStatus.TICKET
    # and retrying after the fault is gone works
    monkeypatch.undo()
    retried = intake.process(inbound, retry=True)
    assert retried.status == InboundStatus.TICKET and retried.attempts == 2


def test_attachments_get_generated_names_and_oversized_ones_are_noted(cast, mailbox, settings):
    settings.GOODWILL_MAX_ATTACHMENT_BYTES = 1000
    inbound = receive(
        mailbox,
        sender="maria@acme.test",
        subject="Files",
        body="Two files",
        attachments=[
            ("../../etc/passwd", b"root:x:0:0", "text/plain"),
            ("big.bin", b"x" * 5000, "application/octet-stream"),
        ],
    )
    assert inbound.status == InboundStatus.TICKET
    files = list(Attachment.objects.filter(ticket=inbound.ticket))
    assert [f.filename for f in files] == ["passwd"]
    assert "passwd" not in files[0].file.name and ".." not in files[0].file.name
    note = Message.objects.get(ticket=inbound.ticket, internal=True)
    assert "big.bin" in note.body


def test_process_pending_finishes_rows_a_killed_run_left_behind(cast, mailbox):
    raw = make_eml(sender="maria@acme.test", subject="Half done", body="x", message_id="h@a")
    stored = intake.receive(raw, mailbox=mailbox, process_now=False)
    assert stored.status == InboundStatus.RECEIVED
    assert intake.receive(raw, mailbox=mailbox).status == InboundStatus.RECEIVED
    assert intake.process_pending(mailbox) == 1
    stored.refresh_from_db()
    assert stored.status == InboundStatus.TICKET
    assert intake.process_pending(mailbox) == 0


def test_mail_from_our_own_address_is_quarantined_as_a_loop(cast, mailbox):
    inbound = receive(mailbox, sender="support@goodwill.test", subject="Ticket updated", body="x")
    assert inbound.status == InboundStatus.QUARANTINED and "loop" in inbound.reason


def test_dates_and_headers_are_recorded(cast, mailbox):
    sent = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    inbound = receive(
        mailbox,
        sender="maria@acme.test",
        sender_name="Maria Shaw",
        subject="Dated",
        body="x",
        date=sent,
    )
    assert inbound.sent_at == sent
    assert (inbound.from_address, inbound.from_name) == ("maria@acme.test", "Maria Shaw")


def test_worker_job_finishes_messages_left_unprocessed(cast, mailbox):
    raw = make_eml(sender="maria@acme.test", subject="Stale", body="x", message_id="st@a")
    stored = intake.receive(raw, mailbox=mailbox, process_now=False)
    assert intake.finish_stale(timezone.now()) == 0  # too fresh: a receive may be running
    later = timezone.now() + intake.STALE_AFTER + dt.timedelta(seconds=1)
    assert intake.finish_stale(later) == 1
    stored.refresh_from_db()
    assert stored.status == InboundStatus.TICKET
    assert intake.finish_stale(later) == 0
