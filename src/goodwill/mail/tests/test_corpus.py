"""Every message of the two real-world corpora ends somewhere staff can see it."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from goodwill.clients.models import Client
from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus

DATA = Path("/work/shared/data")
CORPORA = [DATA / "mail-gem-fixtures", DATA / "talon-replies"]
NOT_MAIL = {"SOURCE.md", ".gitattributes"}
FINAL = {
    InboundStatus.TICKET,
    InboundStatus.REPLY,
    InboundStatus.BOUNCE,
    InboundStatus.TRIAGE,
    InboundStatus.QUARANTINED,
}


def corpus_files() -> list[Path]:
    return [
        path
        for root in CORPORA
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in NOT_MAIL and not path.name.startswith("LICENSE")
    ]


@pytest.mark.skipif(not all(c.is_dir() for c in CORPORA), reason="corpus folders not present")
@pytest.mark.django_db
def test_every_corpus_message_ends_as_ticket_reply_bounce_triage_or_quarantine(cast, mailbox):
    # The corpora's own domains belong to a client, so most messages become tickets or
    # replies (the rest: unknown domains → triage, bounces, unreadable senders → quarantine).
    Client.objects.create(
        name="Corpus Ltd",
        email_domains="example.com,gmail.com,lindsaar.net,test.lindsaar.net,37signals.com,"
        "xxx.mailgun.org,machine.example,example.net,me.nowhere,xxxx.com,aol.com,yahoo.com,"
        "hotmail.com,comcast.net,tictail.com,xxxx.xxx",
    )
    files = corpus_files()
    assert len(files) > 140
    outcomes = {}
    for path in files:
        inbound = intake.receive(path.read_bytes(), mailbox=mailbox, source=path.name)
        inbound.refresh_from_db()
        outcomes[path] = inbound
        assert inbound.status in FINAL, path
        if inbound.status in (InboundStatus.QUARANTINED, InboundStatus.TRIAGE):
            assert inbound.reason.strip(), path
        if inbound.status in (InboundStatus.TICKET, InboundStatus.REPLY):
            assert inbound.ticket_id is not None, path
    assert not InboundMail.objects.filter(status=InboundStatus.RECEIVED).exists()
    by_status = {s: sum(1 for i in outcomes.values() if i.status == s) for s in FINAL}
    # The real work happened: most became tickets; bounces never opened one.
    assert by_status[InboundStatus.TICKET] >= 60, by_status
    assert by_status[InboundStatus.BOUNCE] >= 4, by_status
    for path, inbound in outcomes.items():
        if "multipart_report" in str(path):
            assert inbound.status == InboundStatus.BOUNCE, path
    # The nine messages on which the standard library's get_content() raises were read and
    # acted on like any other (not quarantined for it).
    raising = [p for p in files if _get_content_raises(p.read_bytes())]
    assert len(raising) == 9
    for path in raising:
        assert outcomes[path].status != InboundStatus.QUARANTINED, path


def _get_content_raises(raw: bytes) -> bool:
    message = email.message_from_bytes(raw, policy=policy.default)
    try:
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    except (KeyError, LookupError):
        return True
    return False
