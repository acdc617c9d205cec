"""Read one raw message defensively: whatever the bytes, this returns a ParsedMail or raises.

The standard library parses (policy.default), but nothing here trusts its convenience
accessors on hostile input: `get_content()` raises on a multipart whose boundary is missing and
on unknown charsets, and header objects can raise on garbage. So headers are read from
`raw_items()` and decoded by hand (RFC 2047 words, 8-bit UTF-8 or Latin-1), bodies from
`get_payload(decode=True)` with a charset fallback chain that cannot fail (…→ UTF-8 → Latin-1).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

MAX_DEPTH = 12  # nested multiparts / message/rfc822 deeper than this are kept only in the raw
MAX_PARTS = 500
_MSGID = re.compile(r"<([^<>\s]{1,250})>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
UNKNOWN_CHARSETS = {"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default"}


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class BounceReport:
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, diagnostic)
    original_ids: list[str] = field(default_factory=list)


@dataclass
class ParsedMail:
    message_id: str = ""
    from_address: str = ""
    from_name: str = ""
    from_count: int = 0
    subject: str = ""
    sent_at: dt.datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    return_path: str | None = None  # "" is the null sender <>
    text: str = ""  # the whole text (from text/plain, else converted from HTML)
    html: str = ""  # the original HTML part, unsanitised (sanitise before showing it)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    automatic: str = ""  # why it is automatic mail ("" when a person wrote it)
    bounce: BounceReport | None = None
    defects: list[str] = field(default_factory=list)


# --- Headers ---------------------------------------------------------------------------------


def decode_value(value: str) -> str:
    """A raw header value as text: unfolded, RFC 2047 decoded, 8-bit bytes rescued."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raw = value.encode("ascii", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("latin-1")
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" not in value:
        return value.strip()
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - a broken encoded word: keep the text as written
        return value.strip()
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out).strip()


def header_values(msg: EmailMessage, name: str) -> list[str]:
    lname = name.lower()
    try:
        items = msg.raw_items()
    except Exception:  # noqa: BLE001
        return []
    return [decode_value(v) for k, v in items if k.lower() == lname and isinstance(v, str)]


def header(msg: EmailMessage, name: str) -> str:
    values = header_values(msg, name)
    return values[0] if values else ""


def message_ids(value: str) -> list[str]:
    """The Message-IDs in an In-Reply-To/References value, without <>."""
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]  # a bare id without brackets
    return [f[:250] for f in found if f]


def normalise_message_id(value: str) -> str:
    ids = message_ids(value)
    return ids[0] if ids else ""


# --- Bodies ----------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode in the declared charset, else UTF-8, else Latin-1 (which cannot fail)."""
    name = (charset or "").strip().strip('"').lower()
    if name and name not in UNKNOWN_CHARSETS:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _safe(fn, default):  # noqa: ANN001, ANN202
    try:
        return fn()
    except Exception:  # noqa: BLE001 - hostile input: every accessor may raise
        return default


def _content_type(part: EmailMessage) -> str:
    return _safe(part.get_content_type, "text/plain") or "text/plain"


def _payload_bytes(part: EmailMessage) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    raw = _safe(lambda: part.get_payload(), "")
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _part_text(part: EmailMessage) -> str:
    return decode_bytes(_payload_bytes(part), _safe(part.get_content_charset, None))


def clean_filename(name: str) -> str:
    """Only for display: the stored file gets a generated name whatever this says."""
    name = _CONTROL.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip(". ")
    return name[:200] or "attachment"


def _filename(part: EmailMessage) -> str:
    name = _safe(part.get_filename, None)
    if name:
        return decode_value(str(name))
    disposition = header(part, "content-disposition") + ";" + header(part, "content-type")
    match = re.search(r'(?:file)?name\*?=\s*"?([^";]+)', disposition, re.IGNORECASE)
    return match.group(1) if match else ""


def _message_bytes(part: EmailMessage) -> bytes:
    inner = _safe(lambda: part.get_payload(0), None)
    if inner is None:
        return _payload_bytes(part)
    data = _safe(lambda: inner.as_bytes(policy=policy.compat32), None)
    if data is None:
        data = _safe(
            lambda: inner.as_string(policy=policy.compat32).encode("utf-8", "replace"), b""
        )
    return data


def _plain_headers(part: EmailMessage) -> EmailMessage:
    """Read this part's headers as plain strings from here on.

    The message is parsed under policy.default, but its header objects are built anew on every
    access (two thirds of the parse time in bench/ingest_maildir.py) and can raise on garbage;
    everything here reads raw strings and decodes them itself, which is what compat32's
    accessors (get_content_type, get_param, get_filename) do.
    """
    part.policy = policy.compat32
    return part


def _walk(part: EmailMessage, depth: int = 0):  # noqa: ANN202
    """Leaves, stopping at message/* containers (a forwarded or bounced message is an attachment,
    not text of this one)."""
    if depth > MAX_DEPTH:
        return
    _plain_headers(part)
    ctype = _content_type(part)
    if part.is_multipart():
        if ctype.startswith("message/"):
            yield ctype, part
            return
        children = _safe(part.get_payload, [])
        for child in children[:MAX_PARTS] if isinstance(children, list) else []:
            if isinstance(child, EmailMessage):
                yield from _walk(child, depth + 1)
        return
    yield ctype, part


# --- HTML to text ----------------------------------------------------------------------------

_BLOCK = {
    "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "ul", "ol", "section", "article", "header", "footer", "dd", "dt",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.quote = 0
        self.skip = 0

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(self.line)).strip()
        self.line = []
        prefix = "> " * self.quote
        if text:
            self.lines.append(prefix + text)
        elif self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag == "hr":
            self._flush()
            self.lines.append("_" * 32)
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.line.append(data)


def html_to_text(html: str) -> str:
    """Readable text from HTML: blocks become lines, blockquotes become "> " lines (so the
    plain-text quote finder works on HTML mail too), scripts and styles vanish."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; be sure anyway
        return re.sub(r"<[^>]*>", " ", html)
    maker._flush()
    text = "\n".join(maker.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- Loops and bounces -----------------------------------------------------------------------


def automatic_reason(msg: EmailMessage, return_path: str | None, from_address: str) -> str:
    """Why this is machine mail that must never get an automatic answer (RFC 3834; the
    headers Zammad checks), or ""."""
    auto = header(msg, "auto-submitted").lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = header(msg, "precedence").lower()
    if precedence in {"bulk", "list", "junk"}:
        return f"Precedence: {precedence}"
    if header_values(msg, "x-loop"):
        return "X-Loop"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated"):
        if header_values(msg, name):
            return name
    if return_path == "":
        return "Null sender (Return-Path: <>)"
    local = from_address.split("@", 1)[0].lower()
    if local in {"mailer-daemon", "postmaster"}:
        return f"From {local}"
    return ""


def _bounce_report(msg: EmailMessage, leaves: list) -> BounceReport | None:
    ctype = _content_type(msg)
    report_type = (_safe(lambda: msg.get_param("report-type"), "") or "").lower()
    dsn_parts = [p for t, p in leaves if t == "message/delivery-status"]
    is_report = ctype == "multipart/report" and report_type in {"delivery-status", ""}
    if not (is_report or dsn_parts):
        return None
    report = BounceReport()
    for part in dsn_parts:
        blocks = _safe(part.get_payload, [])
        if not isinstance(blocks, list):
            blocks = []
        for block in blocks:
            _plain_headers(block)
            recipient = header(block, "final-recipient") or header(block, "original-recipient")
            if not recipient:
                continue
            action = header(block, "action").lower()
            if action and action not in {"failed"}:
                continue  # delayed, delivered, relayed: nothing bounced
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            report.failed.append((address, header(block, "diagnostic-code")[:300]))
    for ctype_, part in leaves:
        if ctype_ == "message/rfc822":
            inner = _safe(lambda p=part: p.get_payload(0), None)
            if inner is not None:
                report.original_ids += message_ids(header(inner, "message-id"))
        elif ctype_ == "text/rfc822-headers":
            inner = _safe(
                lambda p=part: BytesParser(policy=policy.default).parsebytes(
                    _payload_bytes(p), headersonly=True
                ),
                None,
            )
            if inner is not None:
                report.original_ids += message_ids(header(inner, "message-id"))
    return report


# --- The whole message -----------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMail:
    # compat32 from the start: the feed parser asks each part for its Content-Type while it
    # parses, and under policy.default every ask built a header object (a quarter of intake's
    # time). Every accessor used here is one compat32 has (see _plain_headers).
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    out = ParsedMail()
    out.defects = [type(d).__name__ for d in _safe(lambda: msg.defects, [])][:20]
    out.message_id = normalise_message_id(header(msg, "message-id"))
    froms = header_values(msg, "from")
    out.from_count = len(froms)
    addresses = _safe(lambda: getaddresses(froms[:1]), []) if froms else []
    addresses = [(n, a) for n, a in addresses if a and "@" in a]
    if not addresses:
        sender = header(msg, "sender") or header(msg, "reply-to")
        addresses = [(n, a) for n, a in _safe(lambda: getaddresses([sender]), []) if "@" in a]
    if addresses:
        out.from_name = _CONTROL.sub("", addresses[0][0])[:200]
        out.from_address = _CONTROL.sub("", addresses[0][1]).strip().lower()[:320]
    out.subject = _CONTROL.sub("", header(msg, "subject"))[:300]
    date = header(msg, "date")
    if date:
        sent = _safe(lambda: parsedate_to_datetime(date), None)
        if sent is not None and sent.tzinfo is not None and 1970 < sent.year < 2200:
            out.sent_at = sent
    out.in_reply_to = message_ids(header(msg, "in-reply-to"))
    out.references = [m for v in header_values(msg, "references") for m in message_ids(v)]
    return_paths = header_values(msg, "return-path")
    if return_paths:
        out.return_path = return_paths[-1].strip().strip("<>").strip()

    leaves = list(_walk(msg))
    plain: list[str] = []
    html: list[str] = []
    for ctype, part in leaves:
        if ctype.startswith("message/"):
            if ctype == "message/rfc822":
                subject = ""
                inner = _safe(lambda p=part: p.get_payload(0), None)
                if inner is not None:
                    subject = header(inner, "subject")
                name = clean_filename((subject or "message")[:80]) + ".eml"
                out.attachments.append(ParsedAttachment(name, ctype, _message_bytes(part)))
            continue
        disposition = (_safe(part.get_content_disposition, None) or "").lower()
        filename = _filename(part)
        is_body = disposition != "attachment" and not filename
        if is_body and ctype == "text/plain":
            plain.append(_part_text(part))
        elif is_body and ctype == "text/html":
            html.append(_part_text(part))
        elif is_body and (ctype.startswith("multipart/") or ctype.startswith("text/")):
            # A multipart with a missing boundary arrives as one leaf: its text is still text.
            plain.append(_part_text(part))
        else:
            out.attachments.append(
                ParsedAttachment(
                    clean_filename(decode_value(filename) if filename else _default_name(ctype)),
                    ctype,
                    _payload_bytes(part),
                    inline=disposition == "inline",
                )
            )
    out.html = "\n".join(html)
    text = "\n\n".join(p.strip("\n") for p in plain if p.strip())
    out.text = text if text.strip() else html_to_text(out.html)
    out.text = out.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    out.automatic = automatic_reason(msg, out.return_path, out.from_address)
    out.bounce = _bounce_report(msg, leaves)
    if out.bounce is not None and not out.automatic:
        out.automatic = "Delivery report"
    return out


def _default_name(ctype: str) -> str:
    sub = ctype.split("/", 1)[-1]
    ext = {"jpeg": "jpg", "plain": "txt", "octet-stream": "bin"}.get(sub, sub)
    return f"attachment.{re.sub(r'[^a-z0-9]', '', ext)[:8] or 'bin'}"
