"""SQLite locked by another writer during `goodwill ingest` and the invoice run (issue 9, faults;
RELIABILITY.md §5 "DB").

Another connection holds `BEGIN IMMEDIATE` on the same file. Goodwill's writers wait for it
(busy timeout) and then complete; a lock that outlasts the timeout makes them fail cleanly:
nothing half-written, a clear "database is locked", the worker job retried on its next tick,
and a second ingest run takes in every message exactly once.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from goodwill.mail.samples import make_eml

from .support import GOODWILL, ON_POSTGRES, child_env

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="a SQLite fault: it runs in the SQLite leg of the suite"
)

CLIENTS = 4
MAILS = 30
DB = "goodwill.sqlite3"

SEED = f"""
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from goodwill.billing import services
from goodwill.billing.models import BillingProfile
from goodwill.clients.models import Client, Person, PersonRole, StakeholderRole
from goodwill.contracts.models import Contract, ContractState
today = timezone.localdate()
for n in range({CLIENTS}):
    client = Client.objects.create(name=f"Client {{n}}", email_domains=f"c{{n}}.test")
    fd = Person.objects.create(
        client=client, first_name="Finance", last_name=str(n), email=f"finance@c{{n}}.test"
    )
    PersonRole.objects.create(person=fd, client=client, role=StakeholderRole.BILLING)
    for i in range(3):
        Person.objects.create(
            client=client, first_name=f"User{{i}}", last_name=str(n), email=f"u{{i}}@c{{n}}.test"
        )
    Contract.objects.create(
        client=client, state=ContractState.ACTIVE, start_date=today - dt.timedelta(days=45),
        end_date=today + dt.timedelta(days=320), renewal_date=today + dt.timedelta(days=320),
        notice_days=30, fee=Decimal("1000.00"), currency="GBP", included_hours=Decimal("10"),
    )
    BillingProfile.objects.filter(pk=services.profile_for(client).pk).update(auto_issue=True)
"""


def _run(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*GOODWILL, *args],
        cwd=data,
        env=child_env(data, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def start():
    """Start a child `goodwill …`; whatever is still running when the test ends is killed."""
    children: list[subprocess.Popen[str]] = []

    def _start(data: Path, *args: str, **env: str) -> subprocess.Popen[str]:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*GOODWILL, *args],
            cwd=data,
            env=child_env(data, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        return child

    yield _start
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated, seeded database file, copied for each test (migrating takes seconds)."""
    data = tmp_path_factory.mktemp("template")
    migrate = (
        "from django.core.management import call_command\ncall_command('migrate', verbosity=0)"
    )
    result = _run(data, "shell", "-c", migrate + SEED)  # one process: each start costs seconds
    assert result.returncode == 0, result.stderr
    return data / DB


@pytest.fixture
def data(template, tmp_path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(template, data / DB)
    return data


@pytest.fixture
def maildir(tmp_path) -> Path:
    root = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True)
    for n in range(MAILS):
        raw = make_eml(
            sender=f"u{n % 3}@c{n % CLIENTS}.test",
            subject=f"Scanner {n} is offline",
            body=f"Scanner {n} stopped working.",
            message_id=f"lock-{n}@c{n % CLIENTS}.test",
        )
        (root / "new" / f"17000{n:05d}.M{n}.host").write_bytes(raw)
    return root


@contextmanager
def write_lock(path: Path):
    """Another writer: holds SQLite's write lock on the file until the block ends."""
    other = sqlite3.connect(path, isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def count(data: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{data / DB}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchone()[0]


def _check_invoices(data: Path) -> None:
    """Every contract: the catch-up draft and the current period, issued; lines on every
    invoice; numbers without gaps; one e-mail per issued invoice."""
    assert count(data, "SELECT COUNT(*) FROM billing_invoice") == 2 * CLIENTS
    assert count(data, "SELECT COUNT(*) FROM billing_invoice WHERE status = 'issued'") == CLIENTS
    assert (
        count(
            data,
            "SELECT COUNT(*) FROM billing_invoice i WHERE NOT EXISTS "
            "(SELECT 1 FROM billing_invoiceline l WHERE l.invoice_id = i.id)",
        )
        == 0
    )
    with sqlite3.connect(f"file:{data / DB}?mode=ro", uri=True) as db:
        numbers = sorted(
            int(number.rsplit("-", 1)[1])
            for (number,) in db.execute(
                "SELECT number FROM billing_invoice WHERE number IS NOT NULL AND number != ''"
            )
        )
    assert numbers == list(range(1, CLIENTS + 1))
    assert (
        count(data, "SELECT COUNT(*) FROM core_outboundmessage WHERE kind = 'billing.invoice'")
        == CLIENTS
    )


def _check_mail(data: Path) -> None:
    assert count(data, "SELECT COUNT(*) FROM mail_inboundmail") == MAILS
    assert count(data, "SELECT COUNT(*) FROM mail_inboundmail WHERE status = 'ticket'") == MAILS
    assert count(data, "SELECT COUNT(*) FROM desk_ticket") == MAILS


def has_open(process: subprocess.Popen, path: Path) -> bool:
    """Whether the child has opened the database file (Linux: its /proc/PID/fd links)."""
    fds = Path(f"/proc/{process.pid}/fd")
    try:
        return any(os.path.realpath(fds / fd) == str(path.resolve()) for fd in os.listdir(fds))
    except OSError:  # not started yet, or already gone
        return False


def wait_until_blocked(*processes: subprocess.Popen, path: Path) -> None:
    """Until each child has opened the database; a moment later it is waiting for the lock
    (its first write follows its first reads within milliseconds)."""
    deadline = time.monotonic() + 60
    while not all(has_open(p, path) for p in processes):
        assert all(p.poll() is None for p in processes), "a child ended while the file was locked"
        assert time.monotonic() < deadline, "the children never opened the database"
        time.sleep(0.05)
    time.sleep(1.0)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_ingest_and_the_invoice_run_wait_for_another_writer_then_complete(data, maildir, start):
    with write_lock(data / DB):
        ingest = start(data, "ingest", "--maildir", str(maildir), "--no-progress")
        invoicing = start(data, "worker", "--once", "--job", "invoicing")
        wait_until_blocked(ingest, invoicing, path=data / DB)
        # Both waiting, and nothing of theirs is in the file.
        assert ingest.poll() is None and invoicing.poll() is None
        assert count(data, "SELECT COUNT(*) FROM mail_inboundmail") == 0
        assert count(data, "SELECT COUNT(*) FROM billing_invoice") == 0
    outputs = []
    for process in (ingest, invoicing):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{out}\n{err}"
        outputs.append(out)
    assert f"{MAILS} message(s): {MAILS} tickets" in outputs[0]
    assert f"invoicing: {2 * CLIENTS} invoice drafts" in outputs[1]
    _check_mail(data)
    _check_invoices(data)


class Lines:
    """A child's output lines as they come, read by a thread so waiting for one can time out."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self.errors: list[str] = []  # drained too, so a full pipe never blocks the child
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()
        threading.Thread(target=self.errors.extend, args=(process.stderr,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put("")  # the end

    def until(self, done, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not (self.seen and done(self.seen)):
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"waited {timeout} s in vain: {''.join(self.seen)}") from None
            assert line, f"the worker ended: {''.join(self.seen)}"
            self.seen.append(line)
        return self.seen[-1]


def test_a_lock_that_outlasts_the_timeout_fails_cleanly_and_the_next_run_completes(
    data, maildir, start
):
    quick = {"GOODWILL_SQLITE_TIMEOUT": "1"}
    with write_lock(data / DB):
        worker = start(data, "worker", "--interval", "0.5", "--job", "invoicing", **quick)
        lines = Lines(worker)
        ingest = _run(data, "ingest", "--maildir", str(maildir), "--no-progress", **quick)
        assert ingest.returncode != 0
        assert "database is locked" in ingest.stderr
        assert "run the command again" in ingest.stderr and "Traceback" not in ingest.stderr
        assert count(data, "SELECT COUNT(*) FROM mail_inboundmail") == 0

        # The worker's invoicing job fails on each tick while the lock lasts, writing nothing…
        last = lines.until(lambda seen: sum("invoicing: failed" in x for x in seen) == 2)
        assert "retrying on the next tick: OperationalError: database is locked" in last
        assert count(data, "SELECT COUNT(*) FROM billing_invoice") == 0
    # …and goes through on the first tick after the lock is gone.
    last = lines.until(lambda seen: "invoice drafts" in seen[-1])
    assert f"invoicing: {2 * CLIENTS} invoice drafts" in last
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    _check_invoices(data)

    ingest = _run(data, "ingest", "--maildir", str(maildir), "--no-progress")
    assert ingest.returncode == 0, ingest.stderr
    assert f"{MAILS} message(s): {MAILS} tickets" in ingest.stdout
    _check_mail(data)
