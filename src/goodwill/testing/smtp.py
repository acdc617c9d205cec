"""A real SMTP server for tests (aiosmtpd), with what it received kept as parsed messages."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Inbox:
    """What the server received. `refuse_with` makes it answer every DATA with that reply,
    e.g. "451 4.3.0 Try again later" or "550 5.1.1 No such user"."""

    received: list[Received] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse_with:
            return self.refuse_with
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw)  # type: ignore[arg-type]
        )
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
