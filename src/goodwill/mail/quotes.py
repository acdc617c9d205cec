"""The new text of a reply, without the quoted history and the signature.

Why our own code: talon (Mailgun) is the known library, but it is unmaintained (last release
2022), pins old lxml/regex/numpy/scikit-learn for its signature classifier, and its HTML path
needs lxml + cssselect. The rules that matter are few and well known: a reply header
("On … wrote:", Outlook's From/Sent block, "-----Original Message-----"), a trailing run of
"> " lines, a "-- " signature delimiter, "Sent from my …", and the sender's own name at the
foot of the message. The talon fixtures (../shared/data/talon-replies) are the test.

The rule everywhere: never lose what the person wrote. When in doubt, keep the line; if
stripping leaves nothing, the text is kept whole.
"""

from __future__ import annotations

import re

from goodwill.mail.parse import html_to_text

# "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <x@y> wrote:" and its translations; clients wrap
# it over two or three lines, so it is matched on a window of joined lines.
_WROTE = re.compile(
    r"^\s*[>-]*\s*("
    r"On\b.{0,200}\b(wrote|writes)\s*:"
    r"|Le\b.{0,200}\ba écrit\s*:"
    r"|Am\b.{0,200}\bschrieb.{0,80}:"
    r"|El\b.{0,200}\bescribió\s*:"
    r"|Op\b.{0,200}\bschreef.{0,80}:"
    r"|Il\b.{0,200}\bha scritto\s*:"
    r"|Em\b.{0,200}\bescreveu\s*:"
    r"|W dniu\b.{0,200}\bpisze\s*:"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}.{0,120}(пользователь|user|wrote|написал).{0,120}"
    r"|.{0,120}\bnapisał\(a\)\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*[-_=]{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|"
    r"Mensaje original|Messaggio originale|Oorspronkelijk bericht|Reply message|"
    r"Исходное сообщение)\s*[-_=]{2,}\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")
_HEADER = re.compile(r"^\s*[*>]?\s*(From|Von|De|Van|Da|Od|От|Från|Fra)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*[*>]?\s*(Sent|Date|Datum|Gesendet|Envoyé|Enviado|Inviato|Verzonden|Wysłano|"
    r"Отправлено|Дата|To|An|À|Para|A|Aan|Do|Кому|Subject|Betreff|Objet|Asunto|Oggetto|"
    r"Onderwerp|Temat|Тема|Cc)\s*:",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*>")


_HEADER_LINE = re.compile(
    r"^\s*[*>]?\s*(From|Von|De|Van|Da|Od|От|Från|Fra|Sent|Date|Datum|Gesendet|Envoyé|Enviado|"
    r"Inviato|Verzonden|Wysłano|Отправлено|Дата|To|An|À|Para|A|Aan|Do|Кому|Subject|Betreff|"
    r"Objet|Asunto|Oggetto|Onderwerp|Temat|Тема|Cc)\s*:",
    re.IGNORECASE,
)
# "26.06.2014, 14:41, "Alexander L" <abc@example.com>:" — a line naming someone, ending in a
# colon, right above quoted lines (mail.ru, Yandex and many webmails).
_ATTRIBUTION = re.compile(r"^.{0,200}(@|\d{1,2}:\d{2}).{0,200}:\s*$")


def _reply_header_at(lines: list[str], i: int) -> bool:
    """An Outlook-style block: From/Sent/Date/To/Subject lines together, one of them From."""
    if not _HEADER_LINE.match(lines[i]):
        return False
    block = [line for line in lines[i : i + 7] if line.strip().strip(">").strip()][:5]
    headers = [line for line in block if _HEADER_LINE.match(line)]
    return len(headers) >= 3 and any(_HEADER.match(line) for line in headers)


def _next_nonblank(lines: list[str], i: int) -> str:
    for line in lines[i + 1 : i + 4]:
        if line.strip():
            return line
    return ""


def quote_start(lines: list[str]) -> int | None:
    """Index of the first line of quoted history, or None."""
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line):
            return i
        if _SEPARATOR.match(line) and any(
            _reply_header_at(lines, j) for j in range(i + 1, min(i + 4, len(lines)))
        ):
            return i
        if _reply_header_at(lines, i):
            return i
        if line.strip() and len(line) < 400:
            for size in (1, 2, 3):
                joined = " ".join(part.strip() for part in lines[i : i + size])
                if _WROTE.match(joined):
                    return i
            if _ATTRIBUTION.match(line) and _QUOTED.match(_next_nonblank(lines, i)):
                return i
    # A trailing run of "> " lines (blank lines allowed) is history; inline answers between
    # quoted lines are kept whole because the run would not reach the end.
    end = len(lines)
    start = None
    for i in range(end - 1, -1, -1):
        if _QUOTED.match(lines[i]):
            start = i
        elif lines[i].strip():
            break
    return start


def _after_top_quote(lines: list[str], start: int) -> str:
    """Bottom-posting (Thunderbird): the attribution and quote come first, the answer after."""
    i = start + 1
    while i < len(lines) and (_QUOTED.match(lines[i]) or not lines[i].strip()):
        i += 1
    rest = lines[i:]
    if quote_start(rest) is not None:
        rest = rest[: quote_start(rest)]
    return "\n".join(rest).strip()


def strip_quotes(text: str) -> str:
    """The text before the quoted history (talon's `extract_from_plain`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    start = quote_start(lines)
    if start is None:
        return text.strip()
    new = "\n".join(lines[:start]).strip()
    if not new:
        new = _after_top_quote(lines, start)
    return new or text.strip()


def strip_quotes_html(html: str) -> str:
    """The new text of an HTML reply, as text (talon's `extract_from_html` + html_to_text)."""
    return strip_quotes(html_to_text(html))


# --- Signatures ------------------------------------------------------------------------------

_DELIMITER = re.compile(r"^\s*(--|—|-- |[-_]{3,}|[=*]{5,})\s*$")
_SENT_FROM = re.compile(
    r"^\s*(Sent from my \w+|Sent from \w+ for|Sent with \w+|Sent via|Get Outlook for|"
    r"Von meinem \w+ gesendet|Envoyé de mon|Enviado desde mi|Inviato da)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(thanks|thank you|many thanks|thx|cheers|regards|best|best regards|kind regards|"
    r"warm regards|sincerely|yours|br|mfg|viele grüße|grüße|cordialement|saludos|"
    r"met vriendelijke groet|groeten)\b[\w ]{0,20}[,.!]?\s*$",
    re.IGNORECASE,
)
_SIG_LINE = re.compile(
    r"(@|https?://|www\.|\+?\d[\d ()./-]{6,}\d|\b(tel|phone|mobile|fax|skype|t|f|m)\s*[.:])",
    re.IGNORECASE,
)
MAX_SIGNATURE_LINES = 14


def _looks_like_signature_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return True
    if len(stripped) > 70:
        return False
    if _SIG_LINE.search(stripped):
        return True
    # Short lines that are not sentences: names, titles, company names.
    return not re.search(r"[.?!:;]$", stripped) or bool(re.search(r"\b[A-Z][a-z]?\.$", stripped))


def _name_tokens(sender: str) -> list[str]:
    sender = sender.strip()
    tokens = []
    if "@" in sender:
        local = sender.split("@", 1)[0]
        tokens += [t for t in re.split(r"[._+-]", local) if len(t) >= 3]
        tokens.append(sender)
    else:
        tokens += [t for t in sender.split() if len(t) >= 3]
        if sender:
            tokens.append(sender)
    return [t.lower() for t in tokens]


def split_signature(text: str, sender: str = "") -> tuple[str, str]:
    """(body, signature). `sender` is the From name or address: its name at the foot of the
    message anchors a signature that has no "-- " delimiter."""
    lines = text.rstrip().split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return text.strip(), ""
    window = nonblank[-MAX_SIGNATURE_LINES:]
    start = None
    for i in window:
        if _DELIMITER.match(lines[i]) or _SENT_FROM.match(lines[i]):
            start = i
            break
    if start is None:
        names = _name_tokens(sender)
        for i in window:
            lowered = lines[i].lower()
            if names and any(name in lowered for name in names):
                if all(_looks_like_signature_line(line) for line in lines[i:]):
                    start = i
                    break
        if start is not None:
            previous = [j for j in nonblank if j < start]
            if previous and start - previous[-1] <= 2 and _SIGN_OFF.match(lines[previous[-1]]):
                start = previous[-1]
    if start is None or start == nonblank[0]:
        return text.strip(), ""
    return "\n".join(lines[:start]).strip(), "\n".join(lines[start:]).strip()


def new_text(text: str, *, sender: str = "", html: str = "") -> str:
    """What the person wrote this time: quotes and signature removed, never empty if the
    message had any text at all."""
    source = text if text.strip() else html_to_text(html)
    body = strip_quotes(source)
    without_signature, _ = split_signature(body, sender)
    return without_signature or body
