"""End to end through intake.receive() and a real SMTP server: a client writes, the technician
answers from their own mail program, the client gets the answer threaded under their mail; and
the loop guards hold for real inbound mail."""

from __future__ import annotations

import pytest

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.desk.models import Message
from goodwill.mail import notify
from goodwill.mail.intake import receive
from goodwill.mail.models import InboundStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "Goodwill IT <noreply@goodwill.test>"
    settings.GOODWILL_SUPPORT_ADDRESS = "Goodwill Support <support@goodwill.test>"


def eml(sender: str, subject: str, message_id: str, body: str, **headers: str) -> bytes:
    lines = [
        f"From: {sender}",
        "To: Goodwill Support <support@goodwill.test>",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        "Date: Fri, 27 Nov 2026 10:00:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


def only(smtp_server, kind: str):
    """The one message of this kind we sent (other apps may mail about the same events)."""
    [row] = OutboundMessage.objects.filter(kind=kind)
    [mail] = [m for m in smtp_server.inbox.messages if m["Message-ID"] == row.message_id]
    return mail


def test_a_technician_answers_a_notification_from_their_mail_program(cast, mailbox, smtp_server):
    ticket = cast.ticket
    OutboundMessage.objects.all().delete()
    # The boss writes about their ticket; the assigned technician gets it by e-mail.
    boss_mail = receive(
        eml(cast.boss.email, f"Re: [{ticket.reference}] {ticket.subject}", "boss-1@acme.test",
            "Still down. Can you call me?"),
        mailbox=mailbox,
    )  # fmt: skip
    assert boss_mail.status == InboundStatus.REPLY and boss_mail.ticket == ticket
    outbox.deliver_due()
    to_tech = only(smtp_server, notify.KIND_STAFF)
    assert to_tech["To"].addresses[0].addr_spec == cast.tech.email
    assert to_tech["In-Reply-To"] == "<boss-1@acme.test>"

    # The technician hits "Reply" in their mail program: it goes to the Reply-To address, with
    # In-Reply-To our notification and the ticket reference in the subject.
    answer = receive(
        eml(
            cast.tech.email,
            f"Re: {to_tech['Subject']}",
            "tech-1@provider.test",
            "Calling you in five minutes.\n\nOn Friday the client wrote:\n> Still down.",
            In_Reply_To=to_tech["Message-ID"],
            References=to_tech["Message-ID"],
        ),
        mailbox=mailbox,
    )
    assert answer.status == InboundStatus.REPLY and answer.ticket == ticket
    message = Message.objects.get(pk=answer.ticket_message_id)
    assert message.author_user == cast.tech and not message.internal

    # …and the boss receives it as a public reply, threaded under their own message.
    outbox.deliver_due()
    to_boss = only(smtp_server, notify.KIND_REPLY)
    assert to_boss["To"].addresses[0].addr_spec == cast.boss.email
    assert to_boss["In-Reply-To"] == "<boss-1@acme.test>"
    assert "Calling you in five minutes." in to_boss.get_body(("plain",)).get_content()
    assert f"[{ticket.reference}]" in to_boss["Subject"]
    # The boss answering that reply threads back to the same ticket by its Message-ID alone.
    again = receive(
        eml(cast.boss.email, "thanks", "boss-2@acme.test", "Thanks!",
            In_Reply_To=to_boss["Message-ID"]),
        mailbox=mailbox,
    )  # fmt: skip
    assert again.ticket == ticket


def test_a_new_ticket_by_e_mail_is_acknowledged_under_the_clients_message(
    cast, mailbox, smtp_server
):
    inbound = receive(
        eml(cast.pa.email, "Printer jams", "pa-1@acme.test", "Every page."), mailbox=mailbox
    )
    assert inbound.status == InboundStatus.TICKET
    [ack] = OutboundMessage.objects.filter(kind=notify.KIND_RECEIVED, recipient=cast.pa.email)
    outbox.deliver_due()
    [mail] = [m for m in smtp_server.inbox.messages if m["Message-ID"] == ack.message_id]
    assert mail["In-Reply-To"] == "<pa-1@acme.test>"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["Subject"] == f"Received: [{inbound.ticket.reference}] Printer jams"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Loop": "helpdesk@acme.test"},
    ],
)
def test_automatic_inbound_mail_gets_no_acknowledgement(cast, mailbox, headers):
    inbound = receive(
        eml(cast.pa.email, "Out of office", "ooo@acme.test", "Away.", **headers), mailbox=mailbox
    )
    assert inbound.status in (InboundStatus.TICKET, InboundStatus.REPLY, InboundStatus.TRIAGE)
    assert not OutboundMessage.objects.filter(kind=notify.KIND_RECEIVED, recipient=cast.pa.email)


def test_a_flood_from_one_address_gets_at_most_the_budget_of_acknowledgements(
    cast, mailbox, settings
):
    settings.GOODWILL_AUTOREPLY_PER_10_MINUTES = 3
    for i in range(12):
        receive(eml(cast.pa.email, f"Alert {i}", f"flood-{i}@acme.test", "!"), mailbox=mailbox)
    acks = OutboundMessage.objects.filter(kind=notify.KIND_RECEIVED, recipient=cast.pa.email)
    assert acks.count() == 3
