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
# On CI's PostgreSQL leg the child processes get a PostgreSQL database of their own.
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))
NEW = 200
REPLIES = 100

SEED = """
from goodwill.clients.models import Client, Person
client = Client.objects.create(name="Kestrel Ltd", email_domains="kestrel.test")
for i in range(20):
    Person.objects.create(client=client, first_name=f"P{i}", email=f"p{i}@kestrel.test")
"""


class Database:
    """Where the child processes write: a SQLite file, or a fresh PostgreSQL database."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = ""
        if ON_POSTGRES:
            import psycopg

            self.name = f"goodwill_kill_{os.getpid()}"
            self.url = SERVER_URL.rsplit("/", 1)[0] + "/" + self.name
            with psycopg.connect(SERVER_URL, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                db.execute(f'CREATE DATABASE "{self.name}"')

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
        env["GOODWILL_DATA_DIR"] = str(self.data_dir)
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def count(self, sql: str) -> int:
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as db:
                return db.execute(sql).fetchone()[0]
        path = self.data_dir / "goodwill.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql).fetchone()[0]

    def drop(self) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(SERVER_URL, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _goodwill(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "goodwill", *args],
        cwd=database.data_dir,
        env=database.env(),
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


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_batch_then_rerun_gives_every_message_exactly_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    database = Database(data)
    try:
        _kill_and_rerun(database, tmp_path)
    finally:
        database.drop()


def _kill_and_rerun(database: Database, tmp_path: Path) -> None:
    data = database.data_dir
    _goodwill(database, "migrate", "--noinput")
    _goodwill(database, "shell", "-c", SEED)
    maildir = tmp_path / "Maildir"
    _write_maildir(maildir)
    _count = database.count

    command = [sys.executable, "-m", "goodwill", "ingest", "--maildir", str(maildir)]
    child = subprocess.Popen(  # noqa: S603
        [*command, "--no-progress"],
        cwd=data,
        env=database.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and child.poll() is None:
        try:
            stored = _count("SELECT COUNT(*) FROM mail_inboundmail")
        except Exception:  # noqa: BLE001 - the table may not be readable yet
            stored = 0
        if stored >= 60:
            break
        time.sleep(0.02)
    assert child.poll() is None, "ingest finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    killed_at = _count("SELECT COUNT(*) FROM mail_inboundmail")
    assert 0 < killed_at < NEW + REPLIES

    result = _goodwill(database, "ingest", "--maildir", str(maildir), "--no-progress")
    assert f"{NEW + REPLIES} message(s)" in result.stdout

    total = NEW + REPLIES
    assert _count("SELECT COUNT(*) FROM mail_inboundmail") == total
    assert _count("SELECT COUNT(DISTINCT dedupe_key) FROM mail_inboundmail") == total
    assert _count("SELECT COUNT(*) FROM mail_inboundmail WHERE status = 'ticket'") == NEW
    assert _count("SELECT COUNT(*) FROM mail_inboundmail WHERE status = 'reply'") == REPLIES
    assert _count("SELECT COUNT(*) FROM desk_ticket") == NEW
    public = "SELECT COUNT(*) FROM desk_message WHERE NOT internal AND channel = 'email'"
    assert _count(public) == total
    assert (
        _count(
            "SELECT COUNT(DISTINCT ticket_message_id) FROM mail_inboundmail "
            "WHERE ticket_message_id IS NOT NULL",
        )
        == total
    )
    # Every reply landed on the ticket of the message it answers.
    assert (
        _count(
            "SELECT COUNT(*) FROM mail_inboundmail r JOIN mail_inboundmail o "
            "ON o.message_id = REPLACE(r.message_id, 'reply-', 'new-') "
            "WHERE r.status = 'reply' AND r.ticket_id = o.ticket_id",
        )
        == REPLIES
    )
    assert _count("SELECT COUNT(*) FROM desk_attachment") == NEW // 10
    # A third run adds nothing at all.
    again = _goodwill(database, "ingest", "--maildir", str(maildir), "--no-progress")
    assert f"{total} duplicates" in again.stdout
    assert _count("SELECT COUNT(*) FROM desk_ticket") == NEW
