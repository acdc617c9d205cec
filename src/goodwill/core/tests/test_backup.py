"""`goodwill backup` and `goodwill restore`, run the way a user runs them: as commands against
an installation of their own (a SQLite file in a temporary GOODWILL_DATA_DIR, or, on the
PostgreSQL leg, a PostgreSQL database created and dropped here). What the restored installation
holds is read back independently of the code under test: every row of every table, and the
sha256 of every stored file."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from goodwill.core import backup
from goodwill.mail.samples import make_eml

LEAKY_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))
# CREATE / DROP DATABASE go through the maintenance database, which always exists.
MAINTENANCE_URL = SERVER_URL.rsplit("/", 1)[0] + "/postgres"
VENDORS = ["sqlite", *(["postgresql"] if ON_POSTGRES else [])]

SEED = """
from goodwill.testing.personas import make_cast
make_cast()
"""
# Read through the ORM in the restored installation: the rows and the files must still meet.
READ_BACK = """
import hashlib
from goodwill.desk.models import Attachment
from goodwill.mail.intake import read_raw
from goodwill.mail.models import InboundMail
for attachment in Attachment.objects.order_by("pk"):
    print("attachment", attachment.filename, hashlib.sha256(attachment.file.read()).hexdigest())
for inbound in InboundMail.objects.order_by("pk"):
    print("raw", inbound.subject, hashlib.sha256(read_raw(inbound)).hexdigest())
"""
ATTACHMENT = b"%PDF-1.4 not really a PDF \x00\xff\xfe" * 50


class Installation:
    """One Goodwill: a data folder, and its database (a SQLite file there, or PostgreSQL)."""

    def __init__(
        self, root: Path, vendor: str, label: str, copy_of: Installation | None = None
    ) -> None:
        self.data_dir = root / label
        if copy_of:
            shutil.copytree(copy_of.data_dir, self.data_dir)
        else:
            self.data_dir.mkdir(parents=True)
        self.vendor = vendor
        self.url = ""
        if vendor == "postgresql":
            import psycopg

            self.name = f"goodwill_backup_{label}_{os.getpid()}"
            self.url = SERVER_URL.rsplit("/", 1)[0] + "/" + self.name
            template = f' TEMPLATE "{copy_of.name}"' if copy_of else ""
            with psycopg.connect(MAINTENANCE_URL, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                db.execute(f'CREATE DATABASE "{self.name}"{template}')

    @property
    def media(self) -> Path:
        return self.data_dir / "media"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
        env["GOODWILL_DATA_DIR"] = str(self.data_dir)
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def goodwill(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "goodwill", *args],
            cwd=self.data_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode:
            pytest.fail(f"goodwill {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def ingest(self, name: str, **mail: object) -> None:
        incoming = self.data_dir.parent / "incoming"
        incoming.mkdir(exist_ok=True)
        path = incoming / f"{self.data_dir.name}-{name}.eml"
        path.write_bytes(make_eml(**mail))  # type: ignore[arg-type]
        self.goodwill("ingest", str(path), "--no-progress")

    def rows(self) -> dict[str, list[str]]:
        """Every row of every table, sorted, as text: read straight from the database."""
        tables: dict[str, list[str]] = {}
        if self.vendor == "sqlite":
            with sqlite3.connect(self.data_dir / "goodwill.sqlite3") as db:
                names = db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                ).fetchall()
                for (name,) in names:
                    rows = db.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                    tables[name] = sorted(map(repr, rows))
            return tables
        import psycopg

        with psycopg.connect(self.url) as db:
            db.execute("SET TIME ZONE 'UTC'")
            names = db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            for (name,) in names:
                rows = db.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                tables[name] = sorted(map(repr, rows))
        return tables

    def execute(self, sql: str) -> None:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.data_dir / "goodwill.sqlite3") as db:
                db.execute(sql)
            return
        import psycopg

        with psycopg.connect(self.url) as db:
            db.execute(sql)

    def files(self) -> dict[str, str]:
        return {
            path.relative_to(self.media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.media.rglob("*"))
            if path.is_file()
        }

    def state(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        return self.rows(), self.files()

    def drop(self) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(MAINTENANCE_URL, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(params=VENDORS)
def vendor(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """One populated installation per vendor for the module; tests work on copies of it."""
    made: dict[str, Installation] = {}

    def get(vendor: str) -> Installation:
        if vendor not in made:
            made[vendor] = _populate(
                Installation(tmp_path_factory.mktemp(vendor), vendor, "template")
            )
        return made[vendor]

    yield get
    for installation in made.values():
        installation.drop()


@pytest.fixture
def installations(tmp_path, populated):
    """installations(vendor, label): an empty one; with populated=True, a copy of the
    module's populated installation."""
    made: list[Installation] = []

    def make(vendor: str, label: str, *, with_data: bool = False) -> Installation:
        copy_of = populated(vendor) if with_data else None
        made.append(Installation(tmp_path, vendor, label, copy_of))
        return made[-1]

    yield make
    for installation in made:
        installation.drop()


def _populate(source: Installation) -> Installation:
    """The cast, a ticket from e-mail with an attachment (raw mail and attachment on disk)."""
    source.goodwill("migrate", "--noinput", "-v0")
    source.goodwill("shell", "-c", SEED)
    source.ingest(
        "printer",
        sender="maria@acme.test",
        subject="Printer jammed — again",
        body="The printer in reception is jammed. Scan attached.\n\nMaria",
        message_id="printer-1@acme.test",
        attachments=[("scan.pdf", ATTACHMENT, "application/pdf")],
    )
    return source


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile(backup.MANIFEST))


def test_round_trip_into_a_fresh_installation_gives_the_same_rows_and_files(
    installations, vendor, tmp_path
):
    source = installations(vendor, "source", with_data=True)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = source.goodwill("backup", "--output", str(folder))
    # It holds the database: readable by its owner only, and nothing half-written left beside it.
    (archive,) = folder.iterdir()
    assert f"Wrote {archive}" in result.stdout
    assert archive.name.startswith("goodwill-backup-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o777 == 0o600

    rows, files = source.state()
    assert any(name.startswith("attachments/") for name in files)
    assert any(name.startswith("mail/raw/") for name in files)
    manifest = _manifest(archive)
    assert manifest["database"]["vendor"] == vendor
    assert manifest["migrations"]["desk"].startswith("00")
    assert {t: manifest["tables"][t]["rows"] for t in rows} == {t: len(r) for t, r in rows.items()}
    assert {
        name.removeprefix("media/"): member["sha256"]
        for name, member in manifest["members"].items()
        if name.startswith("media/")
    } == files

    restored = installations(vendor, "restored")
    result = restored.goodwill("restore", str(archive))
    assert "Every row count and checksum matches the archive" in result.stdout
    assert restored.rows() == rows
    assert restored.files() == files
    restored.goodwill("migrate", "--check")
    read_back = restored.goodwill("shell", "-c", READ_BACK).stdout
    assert f"attachment scan.pdf {hashlib.sha256(ATTACHMENT).hexdigest()}" in read_back
    assert "raw Printer jammed — again" in read_back
    assert read_back == source.goodwill("shell", "-c", READ_BACK).stdout


def _flip_a_byte(archive: Path) -> Path:
    """The archive with one bit flipped from the middle on, where it changes what it holds.

    Not every bit of a deflate stream counts (the padding before a stored block is skipped), so
    a flip at a fixed place left the content intact about one run in ten, and the restore that
    rightly went through failed the test."""
    damaged = archive.with_name("damaged.tar.gz")
    original = archive.read_bytes()
    content = gzip.decompress(original)
    for offset in range(len(original) // 2, len(original)):
        data = bytearray(original)
        data[offset] ^= 0x01
        try:
            if gzip.decompress(bytes(data)) == content:
                continue
        except (OSError, EOFError, zlib.error):
            pass
        damaged.write_bytes(data)
        return damaged
    raise AssertionError("no byte of the archive's second half changes its content")


def _with_one_file_changed(archive: Path) -> Path:
    """A well-formed tar.gz whose attachment no longer matches the manifest's sha256."""
    tampered = archive.with_name("tampered.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(tampered, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()
            if member.name.startswith("media/attachments/"):
                data = data.replace(b"not really", b"NOT REALLY")
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return tampered


def test_a_damaged_archive_is_refused_and_changes_nothing(installations, vendor, tmp_path):
    source = installations(vendor, "source", with_data=True)
    archive = tmp_path / "backup.tar.gz"
    source.goodwill("backup", "--output", str(archive), "--quiet")
    # The installation moves on after the backup, so a restore would visibly change it.
    source.ingest("later", sender="ana@acme.test", subject="Invoice query", body="Hello")
    before = source.state()

    for bad, why in [
        (_flip_a_byte(archive), "is damaged or not a Goodwill backup"),
        (_with_one_file_changed(archive), "checksum differs: media/attachments/"),
    ]:
        result = source.goodwill("restore", "--force", str(bad), check=False)
        assert result.returncode == 1
        assert why in result.stderr
        assert "Nothing was changed" in result.stderr
        assert source.state() == before
        assert not [p for p in source.data_dir.iterdir() if p.name.startswith(".goodwill")]

    checked = source.goodwill("restore", "--check", str(archive))
    assert "is intact" in checked.stdout


def test_restoring_over_data_needs_force_and_says_what_it_would_replace(
    installations, vendor, tmp_path
):
    source = installations(vendor, "source", with_data=True)
    archive = tmp_path / "backup.tar.gz"
    source.goodwill("backup", "--output", str(archive), "--quiet")
    at_backup = source.state()
    source.ingest("later", sender="ana@acme.test", subject="Invoice query", body="Hello")
    before = source.state()
    assert before != at_backup

    refused = source.goodwill("restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "The database is not empty" in refused.stderr
    assert re.search(r"It holds [\d,]+ rows in \w+", refused.stderr)
    assert "stored files under" in refused.stderr
    assert "--force" in refused.stderr
    assert source.state() == before

    # A table the archive does not know (as a newer Goodwill's migration would leave) goes too:
    # it would otherwise break the next `goodwill migrate`.
    source.execute("CREATE TABLE desk_from_a_newer_version (id integer PRIMARY KEY)")
    source.goodwill("restore", "--force", "--quiet", str(archive))
    # Back to the moment of the backup: the later ticket and its raw mail are gone.
    assert source.state() == at_backup


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL) for the other side")
def test_an_archive_is_not_restored_into_the_other_kind_of_database(installations, tmp_path):
    source = installations("sqlite", "source", with_data=True)
    archive = tmp_path / "backup.tar.gz"
    source.goodwill("backup", "--output", str(archive), "--quiet")
    target = installations("postgresql", "target")
    refused = target.goodwill("restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "holds a SQLite database, but this Goodwill uses PostgreSQL" in refused.stderr
    assert target.rows() == {}


def test_a_backup_taken_while_the_app_writes_matches_its_own_manifest(installations, tmp_path):
    """The checksums come from the snapshot that is archived, not from the live tables."""
    source = installations("sqlite", "source", with_data=True)
    writer = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "goodwill", "shell", "-c",
         "from goodwill.clients.models import Client\n"
         "for i in range(100000): Client.objects.create(name=f'Busy {i}')"],
        cwd=source.data_dir, env=source.env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        db = source.data_dir / "goodwill.sqlite3"
        while _busy_clients(db) < 200:  # noqa: PLR2004 - well under way
            assert writer.poll() is None
        archive = tmp_path / "busy.tar.gz"
        source.goodwill("backup", "--output", str(archive), "--quiet")
        assert writer.poll() is None, "the writer finished before the backup did"
    finally:
        writer.kill()
        writer.wait()
    clients = _manifest(archive)["tables"]["clients_client"]["rows"]
    restored = installations("sqlite", "restored")
    result = restored.goodwill("restore", str(archive))
    assert "Every row count and checksum matches the archive" in result.stdout
    assert len(restored.rows()["clients_client"]) == clients > 200  # noqa: PLR2004


def _busy_clients(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM clients_client").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_backup_killed_midway_leaves_no_archive_under_the_final_name(installations, tmp_path):
    source = installations("sqlite", "source", with_data=True)
    big = source.media / "attachments" / "big.bin"
    big.write_bytes(os.urandom(48 * 1024 * 1024))  # incompressible: gzip takes a while
    folder = tmp_path / "backups"
    folder.mkdir()
    final = folder / "nightly.tar.gz"
    final.write_bytes(b"yesterday's archive")
    command = [sys.executable, "-m", "goodwill", "backup", "--output", str(final), "--quiet"]
    child = subprocess.Popen(command, cwd=source.data_dir, env=source.env())  # noqa: S603
    try:
        while not any(p.stat().st_size > 1024 * 1024 for p in folder.glob(".nightly*.partial")):
            assert child.poll() is None, "the backup finished before it could be killed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The previous archive is untouched; the half-written one never had the final name.
    assert final.read_bytes() == b"yesterday's archive"

    source.goodwill("backup", "--output", str(final), "--quiet")
    checked = source.goodwill("restore", "--check", str(final))
    assert "is intact" in checked.stdout


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install():
    with pytest.raises(backup.BackupError, match="postgresql-client-99"):
        backup.find_pg_tool("pg_dump", 99)


def test_an_archive_with_a_path_outside_the_archive_is_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(backup.BackupError, match="unexpected entry"):
        backup.unpack(evil, staging)
    assert not (tmp_path / "escaped.txt").exists()
    # And a gzip that is not a tar at all.
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"hello" * 100))
    with pytest.raises(backup.BackupError, match="damaged or not a Goodwill backup"):
        backup.unpack(junk, staging)
