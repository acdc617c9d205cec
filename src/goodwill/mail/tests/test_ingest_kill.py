"""`goodwill ingest --maildir` killed with SIGKILL mid-batch, then run again: every message is
in the database exactly once, as exactly one ticket or one reply (RELIABILITY.md §5, faults)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from goodwill.mail.samples import make_eml

LEAKY_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")
NEW = 200
REPLIES = 100

SEED = """
from goodwill.clients.models import Client, Person
client = Client.objects.create(name="Kestrel Ltd", email_domains="kestrel.test")
for i in range(20):
    Person.objects.create(client=client, first_name=f"P{i}", email=f"p{i}@kestrel.test")
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    env["GOODWILL_DATA_DIR"] = str(data_dir)
    return env


def _goodwill(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "goodwill", *args],
        cwd=data_dir,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )


def _write_maildir(root: Path) -> None:
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True)
    for i in range(NEW):
        raw = make_eml(
            sender=f"p{i % 20}@kestrel.test",
            subject=f"Problem {i}",
            body=f"Problem number {i}.",
            message_id=f"new-{i}@kestrel.test",
            attachments=[("log.txt", b"log line\n" * 20, "text/plain")] if i % 10 == 0 else [],
        )
        (root / "new" / f"1000{i:05d}.M{i}.host").write_bytes(raw)
    for i in range(REPLIES):
        raw = make_eml(
            sender=f"p{i % 20}@kestrel.test",
            subject=f"Re: Problem {i}",
            body=f"Reply to {i}.\n\nOn Monday, support wrote:\n> Problem number {i}.",
            message_id=f"reply-{i}@kestrel.test",
            in_reply_to=f"new-{i}@kestrel.test",
        )
        (root / "cur" / f"2000{i:05d}.R{i}.host:2,S").write_bytes(raw)


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchone()[0]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_batch_then_rerun_gives_every_message_exactly_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _goodwill(data, "migrate", "--noinput")
    _goodwill(data, "shell", "-c", SEED)
    maildir = tmp_path / "Maildir"
    _write_maildir(maildir)
    database = data / "goodwill.sqlite3"

    command = [sys.executable, "-m", "goodwill", "ingest", "--maildir", str(maildir)]
    child = subprocess.Popen(  # noqa: S603
        [*command, "--no-progress"],
        cwd=data,
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and child.poll() is None:
        try:
            stored = _count(database, "SELECT COUNT(*) FROM mail_inboundmail")
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 60:
            break
        time.sleep(0.02)
    assert child.poll() is None, "ingest finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    killed_at = _count(database, "SELECT COUNT(*) FROM mail_inboundmail")
    assert 0 < killed_at < NEW + REPLIES

    result = _goodwill(data, "ingest", "--maildir", str(maildir), "--no-progress")
    assert f"{NEW + REPLIES} message(s)" in result.stdout

    total = NEW + REPLIES
    assert _count(database, "SELECT COUNT(*) FROM mail_inboundmail") == total
    assert _count(database, "SELECT COUNT(DISTINCT dedupe_key) FROM mail_inboundmail") == total
    assert _count(database, "SELECT COUNT(*) FROM mail_inboundmail WHERE status = 'ticket'") == NEW
    assert (
        _count(database, "SELECT COUNT(*) FROM mail_inboundmail WHERE status = 'reply'") == REPLIES
    )
    assert _count(database, "SELECT COUNT(*) FROM desk_ticket") == NEW
    public = "SELECT COUNT(*) FROM desk_message WHERE internal = 0 AND channel = 'email'"
    assert _count(database, public) == total
    assert (
        _count(
            database,
            "SELECT COUNT(DISTINCT ticket_message_id) FROM mail_inboundmail "
            "WHERE ticket_message_id IS NOT NULL",
        )
        == total
    )
    # Every reply landed on the ticket of the message it answers.
    assert (
        _count(
            database,
            "SELECT COUNT(*) FROM mail_inboundmail r JOIN mail_inboundmail o "
            "ON o.message_id = REPLACE(r.message_id, 'reply-', 'new-') "
            "WHERE r.status = 'reply' AND r.ticket_id = o.ticket_id",
        )
        == REPLIES
    )
    assert _count(database, "SELECT COUNT(*) FROM desk_attachment") == NEW // 10
    # A third run adds nothing at all.
    again = _goodwill(data, "ingest", "--maildir", str(maildir), "--no-progress")
    assert f"{total} duplicates" in again.stdout
    assert _count(database, "SELECT COUNT(*) FROM desk_ticket") == NEW
