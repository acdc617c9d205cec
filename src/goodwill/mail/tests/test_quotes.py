"""Quote and signature stripping against talon's fixtures: real replies with expected text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from goodwill.mail.parse import parse
from goodwill.mail.quotes import new_text, split_signature, strip_quotes, strip_quotes_html

TALON = Path("/work/shared/data/talon-replies")
pytestmark = pytest.mark.skipif(not TALON.is_dir(), reason="talon-replies not present")
WHITESPACE = re.compile(r"\s")
HTML_REPLY = "Hi. I am fine.\n\nThanks,\nAlex"


def standard_replies() -> list[Path]:
    return sorted((TALON / "standard_replies").glob("*.eml")) if TALON.is_dir() else []


@pytest.mark.parametrize("path", standard_replies(), ids=lambda p: p.name)
def test_plain_replies_match_talons_expected_text(path):
    expected_file = path.with_name(path.stem + "_reply_text")
    expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
    assert strip_quotes(parse(path.read_bytes()).text) == expected


@pytest.mark.parametrize(
    "path",
    sorted((TALON / "html_replies").glob("*.html")) if TALON.is_dir() else [],
    ids=lambda p: p.name,
)
def test_html_replies_match_talons_expected_text(path):
    text = strip_quotes_html(path.read_bytes().decode("utf-8", "replace"))
    assert WHITESPACE.sub("", text) == WHITESPACE.sub("", HTML_REPLY)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("OLK_SRC_BODY_SECTION.html", "Reply"), ("reply-separated-by-hr.html", "Hi there Bob")],
)
def test_outlook_sections_and_hr_separators(name, expected):
    text = strip_quotes_html((TALON / name).read_text())
    assert WHITESPACE.sub("", text) == WHITESPACE.sub("", expected)


def test_share_block_reply_keeps_the_text_and_drops_the_quoted_headers():
    text = strip_quotes(parse((TALON / "reply-quotations-share-block.eml").read_bytes()).text)
    assert text.startswith("Hi Katharine.") and "From" not in text and "wrote" not in text


def signature_cases() -> list[str]:
    folder = TALON / "signature/emails/stripped"
    return sorted(p.name[: -len("_body")] for p in folder.glob("*_body")) if TALON.is_dir() else []


@pytest.mark.parametrize("name", signature_cases())
def test_signatures_are_split_where_talon_says(name):
    folder = TALON / "signature/emails/stripped"
    sender = (folder / f"{name}_sender").read_text().strip()
    body, signature = split_signature((folder / f"{name}_body").read_text(), sender)
    assert signature == (folder / f"{name}_signature").read_text().strip()
    assert body and signature not in body if signature else True


def test_new_text_drops_quote_and_signature_but_never_empties():
    text = "Works now.\n\nMaria Shaw\nAcme Dental\n\nOn Mon, 2 Mar 2026, Tess wrote:\n> Try again"
    assert new_text(text, sender="Maria Shaw") == "Works now."
    assert new_text("Thanks,\nMaria", sender="Maria") == "Thanks,\nMaria"
    assert new_text("> only a quote") == "> only a quote"


def test_inline_answers_between_quotes_are_kept():
    text = "> Is the printer on?\nYes, it is.\n> And the cable?\nPlugged in."
    assert strip_quotes(text) == text
