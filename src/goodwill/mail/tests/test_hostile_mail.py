"""RELIABILITY.md §5, "Email parse": hostile and broken mail never crashes, never vanishes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.desk.models import Attachment
from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus
from goodwill.mail.parse import parse

pytestmark = pytest.mark.django_db

HEAD = "From: Maria Shaw <maria@acme.test>\r\nTo: support@goodwill.test\r\n"


def ingest(mailbox, raw: bytes):
    inbound = intake.receive(raw, mailbox=mailbox)
    inbound.refresh_from_db()
    return inbound


def test_koi8_r_body_and_encoded_subject_are_decoded(cast, mailbox):
    body = "Принтер не печатает".encode("koi8-r")
    raw = (
        HEAD.encode()
        + b"Subject: =?koi8-r?B?"
        + __import__("base64").b64encode("Принтер".encode("koi8-r"))
        + b"?=\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    inbound = ingest(mailbox, raw)
    assert inbound.status == InboundStatus.TICKET
    assert inbound.ticket.subject == "Принтер"
    assert inbound.ticket.messages.get().body == "Принтер не печатает"


@pytest.mark.parametrize("charset", ["unknown-8bit", "x-no-such-charset", ""])
def test_unknown_charsets_fall_back_without_losing_the_message(cast, mailbox, charset):
    raw = (
        HEAD + f"Subject: caf\xe9 {charset}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n"
    ).encode("latin-1") + "Le café est froid.".encode("latin-1")
    inbound = ingest(mailbox, raw)
    assert inbound.status == InboundStatus.TICKET
    assert inbound.ticket.messages.get().body == "Le café est froid."


def test_utf8_body_declared_as_unknown_8bit(cast, mailbox):
    raw = (HEAD + "Subject: x\r\nContent-Type: text/plain; charset=unknown-8bit\r\n\r\n").encode()
    inbound = ingest(mailbox, raw + "Grüße".encode())
    assert inbound.ticket.messages.get().body == "Grüße"


def test_broken_boundary_still_becomes_a_ticket_with_the_text(cast, mailbox):
    raw = (
        HEAD + "Subject: Broken\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="nothere"\r\n\r\n'
        "--different\r\nContent-Type: text/plain\r\n\r\nThe server is down.\r\n--different--\r\n"
    ).encode()
    inbound = ingest(mailbox, raw)
    assert inbound.status == InboundStatus.TICKET
    assert "The server is down." in inbound.ticket.messages.get().body


def test_missing_boundary_parameter(cast, mailbox):
    raw = HEAD + "Subject: No boundary\r\nContent-Type: multipart/alternative\r\n\r\nhello\r\n"
    inbound = ingest(mailbox, raw.encode())
    assert inbound.status == InboundStatus.TICKET
    assert "hello" in inbound.ticket.messages.get().body


def test_missing_message_id_twice_is_one_message(cast, mailbox):
    raw = (HEAD + "Subject: No id\r\n\r\nhello\r\n").encode()
    first, second = ingest(mailbox, raw), ingest(mailbox, raw)
    assert first.pk == second.pk and first.dedupe_key.startswith("sha256:")
    assert InboundMail.objects.count() == 1


def test_eight_bit_headers_and_doubled_from(cast, mailbox):
    raw = (
        "From: Maria <maria@acme.test>\r\nFrom: Evil <bill@birch.test>\r\n"
        "Subject: Grüße aus Köln\r\n\r\nHallo\r\n"
    ).encode()
    inbound = ingest(mailbox, raw)
    assert inbound.status == InboundStatus.TICKET
    assert inbound.person == cast.boss  # the first From, never a mix of both
    assert inbound.subject == "Grüße aus Köln"


def test_ten_thousand_recipients_and_deep_nesting_do_not_hang(cast, mailbox):
    to = ", ".join(f"user{i}@elsewhere.example" for i in range(10_000))
    nested = "Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for depth in range(40):
        nested = (
            f'Content-Type: multipart/mixed; boundary="b{depth}"\r\n\r\n'
            f"--b{depth}\r\n{nested}\r\n--b{depth}--\r\n"
        )
    raw = (f"From: maria@acme.test\r\nTo: {to}\r\nSubject: Deep\r\n" + nested).encode()
    inbound = ingest(mailbox, raw)
    assert inbound.status in (InboundStatus.TICKET, InboundStatus.QUARANTINED)
    assert inbound.status == InboundStatus.TICKET or inbound.reason


def test_nested_message_rfc822_is_an_attachment_not_text(cast, mailbox):
    raw = (
        HEAD + 'Subject: Fwd: invoice\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        "--M\r\nContent-Type: text/plain\r\n\r\nSee the forwarded mail.\r\n"
        "--M\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: supplier@elsewhere.example\r\nSubject: Invoice 42\r\n\r\nPay now.\r\n--M--\r\n"
    ).encode()
    inbound = ingest(mailbox, raw)
    assert inbound.ticket.messages.get().body == "See the forwarded mail."
    attachment = Attachment.objects.get(ticket=inbound.ticket)
    assert attachment.filename == "Invoice 42.eml"


def _with_attachment(filename_header: str, content_type: str, data: bytes) -> bytes:
    return (
        HEAD.encode() + b'Subject: File\r\nContent-Type: multipart/mixed; boundary="F"\r\n\r\n'
        b"--F\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n"
        b"--F\r\nContent-Type: " + content_type.encode() + b"\r\n"
        b"Content-Disposition: attachment; "
        + filename_header.encode()
        + b"\r\n\r\n"
        + data
        + b"\r\n--F--\r\n"
    )


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ('filename="../../../etc/cron.d/evil"', "evil"),
        ("filename*=UTF-8''..%2F..%2Fx%0Ay.txt", "x"),
        ('filename="=?utf-8?q?a=0Ab=2Etxt?="', "a b.txt"),
    ],
)
def test_attachment_names_with_paths_and_newlines_are_tamed(cast, mailbox, media, header, shown):
    inbound = ingest(mailbox, _with_attachment(header, "application/octet-stream", b"data"))
    attachment = Attachment.objects.get(ticket=inbound.ticket)
    assert "/" not in attachment.filename and "\n" not in attachment.filename
    assert attachment.filename.startswith(shown)
    assert attachment.file.name.startswith("attachments/")
    assert ".." not in attachment.file.name
    assert (media / attachment.file.name).resolve().is_relative_to(media.resolve())


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("logo.svg", "image/svg+xml", b"<svg><script>alert(1)</script></svg>"),
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        ("run.exe", "application/x-msdownload", b"MZ"),
    ],
)
def test_svg_html_and_executables_are_only_ever_downloads(
    cast, mailbox, as_owner, name, content_type, data
):
    raw = _with_attachment(f'filename="{name}"', content_type, data)
    inbound = ingest(mailbox, raw)
    attachment = Attachment.objects.get(ticket=inbound.ticket)
    response = as_owner.get(reverse("desk:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] not in ("image/svg+xml", "text/html")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_html_only_mail_becomes_text_without_scripts(cast, mailbox):
    raw = (
        HEAD + "Subject: HTML\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><head><style>p{}</style><script>alert(1)</script></head>"
        "<body><p>The <b>backup</b> failed.</p><p>Second line</p></body></html>"
    ).encode()
    inbound = ingest(mailbox, raw)
    assert inbound.ticket.messages.get().body == "The backup failed.\n\nSecond line"


def test_garbage_bytes_are_kept_and_quarantined_or_triaged():
    for raw in (b"", b"\x00\xff" * 100, b"From:\r\n\r\n", b"Content-Type: multipart/x\r\n\r\n--"):
        parsed = parse(raw)
        assert parsed.from_address == ""


def test_garbage_bytes_end_quarantined_with_a_reason(cast, mailbox, media):
    inbound = ingest(mailbox, b"\x00\xff" * 100)
    assert inbound.status == InboundStatus.QUARANTINED and inbound.reason
    assert (media / inbound.raw_path).read_bytes() == b"\x00\xff" * 100


HEADER_NAMES = st.sampled_from(
    ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Message-ID",
     "In-Reply-To", "References", "Content-Disposition", "Date", "Return-Path", "X-Loop"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.tuples(HEADER_NAMES, st.binary(max_size=80)), max_size=12),
    body=st.binary(max_size=600),
)
def test_parse_never_raises_on_mangled_mail(headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    parsed = parse(raw + b"\r\n" + body)
    assert isinstance(parsed.text, str) and "\x00" not in parsed.text
    assert "\n" not in parsed.subject and "\r" not in parsed.from_address


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_parse_never_raises_on_arbitrary_bytes(raw):
    parse(raw)
