"""Real RFC 822 bytes for the demo, the benchmark and tests (built with the standard library,
so what they feed to intake is what a mail server would deliver)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime


def make_eml(
    *,
    sender: str,
    subject: str,
    body: str,
    to: str = "support@goodwill.test",
    sender_name: str = "",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    date: dt.datetime | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # (filename, data, "type/subtype")
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    if message_id:
        msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def quoted_reply(new: str, previous: str, *, who: str, when: dt.datetime) -> str:
    """A reply as mail programs write it: the new text, then "On … wrote:" and the quote."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in previous.splitlines())
    return f"{new}\n\nOn {when:%a, %d %b %Y at %H:%M}, {who} wrote:\n{quoted}\n"
