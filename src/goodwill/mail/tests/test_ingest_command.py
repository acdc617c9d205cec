"""`goodwill ingest`: files or a Maildir, a summary, and nothing added twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from goodwill.desk.models import Ticket
from goodwill.mail.models import InboundMail, Mailbox
from goodwill.mail.samples import make_eml

pytestmark = pytest.mark.django_db


def _ingest(*args: str) -> str:
    out = io.StringIO()
    call_command("ingest", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_files_give_a_summary_and_a_second_run_only_duplicates(cast, media, tmp_path):
    files = []
    for i, sender in enumerate(["maria@acme.test", "who@nowhere.example", "tom@acme.test"]):
        path = tmp_path / f"m{i}.eml"
        path.write_bytes(make_eml(sender=sender, subject=f"S{i}", body="x", message_id=f"f{i}@t"))
        files.append(str(path))
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"\x00\xff not mail")
    files.append(str(broken))
    summary = _ingest(*files)
    assert "4 message(s): 2 tickets, 0 replies, 0 bounces, 1 triage, 1 quarantined" in summary
    assert "4 duplicates" in _ingest(*files)
    assert InboundMail.objects.count() == 4
    assert Ticket.objects.filter(subject__in=["S0", "S1", "S2"]).count() == 2
    assert Mailbox.objects.get().kind == "manual"


def test_maildir_reads_new_and_cur_and_files_under_its_own_mailbox(cast, media, tmp_path):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    (tmp_path / "Maildir/new/1.host").write_bytes(
        make_eml(sender="maria@acme.test", subject="New", body="x", message_id="n@t")
    )
    (tmp_path / "Maildir/cur/2.host:2,S").write_bytes(
        make_eml(sender="maria@acme.test", subject="Re: New", body="y", message_id="c@t",
                 in_reply_to="n@t")
    )  # fmt: skip
    (tmp_path / "Maildir/tmp/3.host").write_bytes(b"being written")
    summary = _ingest("--maildir", str(tmp_path / "Maildir"))
    assert "2 message(s): 1 tickets, 1 replies" in summary
    assert Mailbox.objects.get().kind == "maildir"


def test_not_a_maildir_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="not a Maildir"):
        _ingest("--maildir", str(tmp_path))
    with pytest.raises(CommandError, match="Give .eml files"):
        _ingest()
