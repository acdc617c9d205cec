"""`goodwill backup` and `goodwill restore`: one archive with the database and the stored files.

The archive is a tar.gz holding

    database.sqlite3 | database.pgdump   a consistent snapshot: SQLite's online backup, or
                                         `pg_dump --format=custom` on an exported snapshot
    media/<path>                         every file under MEDIA_ROOT (attachments, raw mail)
    manifest.json                        written last: versions, latest migration per app, a
                                         row count and checksum per table, sha256 of every entry

The table checksums are computed from the very snapshot that is dumped (the SQLite copy, or the
PostgreSQL transaction whose snapshot pg_dump imports), so they describe the archive even while
the app goes on writing. Restore checks every entry before it changes anything, and checks the
restored tables against the manifest afterwards.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess  # runs pg_dump, pg_restore and psql with argument lists  # nosec B404
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
CHUNK = 1024 * 1024
MANIFEST_LIMIT = 256 * 1024 * 1024
# Rows a fresh `migrate` writes by itself; they do not make a database "in use".
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
VENDOR_SETTING = {
    "sqlite": "SQLite is used when DATABASE_URL is not set",
    "postgresql": "set DATABASE_URL=postgres://…",
}
LIBPQ_OPTIONS = {
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "connect_timeout",
    "options", "application_name", "target_session_attrs", "service", "passfile",
}  # fmt: skip


class BackupError(Exception):
    """A backup or restore that cannot go on; the text says why and what to do."""


# --- Progress ------------------------------------------------------------------------------------


class Progress:
    """Silent: what `--quiet` and the tests use. TerminalProgress draws on a terminal."""

    def phase(self, text: str) -> None:
        pass

    @contextlib.contextmanager
    def bar(self, desc: str, total: int, unit: str = "B") -> Iterator[Callable[[int], object]]:
        yield lambda done: None


class TerminalProgress(Progress):
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def phase(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    @contextlib.contextmanager
    def bar(self, desc: str, total: int, unit: str = "B") -> Iterator[Callable[[int], object]]:
        from tqdm import tqdm

        # disable=None: a bar on a terminal, nothing in a log file or under cron.
        with tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=unit == "B",
            file=self.stream,
            disable=None,
        ) as bar:
            yield bar.update


class _Reader:
    """Reads through to `handle`, hashing and counting the bytes on the way."""

    def __init__(self, handle: IO[bytes], advance: Callable[[int], object]) -> None:
        self.handle = handle
        self.advance = advance
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        self.size += len(data)
        self.advance(len(data))
        return data


# --- Table checksums -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


def _quote(name: str) -> str:
    # Table and column names come from the database's own catalogue, quoted here; the SQL built
    # from them below (marked nosec B608) carries no user input.
    return '"' + name.replace('"', '""') + '"'


def _sum_rows(rows: Iterable[Sequence[object]]) -> TableSum:
    """sha256 over the rows in the order given, one line each: the row's Python repr, which is
    exact for every type the drivers return (str, int, float, bytes, Decimal, datetime, …) and
    three times quicker than JSON; tables of millions of rows are summed twice per round trip."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        digest.update(b"\n")
        count += 1
    return TableSum(count, digest.hexdigest())


def sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    # SQLite's own tables and FTS5 virtual tables are skipped: the virtual tables read their
    # rows from the content table and store them in shadow tables, which are summed.
    return [
        name
        for name, sql in rows
        if not name.startswith("sqlite_")
        and not (sql or "").upper().startswith("CREATE VIRTUAL TABLE")
    ]


def _sqlite_key(db: sqlite3.Connection, table: str) -> list[str]:
    columns = db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    primary = [column[1] for column in sorted(columns, key=lambda c: c[5]) if column[5]]
    return [_quote(name) for name in primary or [column[1] for column in columns]]


def sqlite_sums(db: sqlite3.Connection, progress: Progress | None = None) -> dict[str, TableSum]:
    sums = {}
    tables = sqlite_tables(db)
    with (progress or Progress()).bar("Checksums", len(tables), unit="table") as advance:
        for table in tables:
            order = ", ".join(_sqlite_key(db, table))
            query = f"SELECT * FROM {_quote(table)} ORDER BY {order}"  # noqa: S608  # nosec B608
            sums[table] = _sum_rows(db.execute(query))
            advance(1)
    return sums


def pg_tables(db: Any) -> list[str]:
    rows = db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname"
    ).fetchall()
    return [name for (name,) in rows]


def _pg_key(db: Any, table: str) -> list[str]:
    columns = db.execute(
        "SELECT a.attname, a.attcollation <> 0 FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indrelid = %s::regclass AND i.indisprimary"
        " ORDER BY array_position(i.indkey::int2[], a.attnum)",
        [_quote(table)],
    ).fetchall()
    if not columns:
        columns = db.execute(
            "SELECT attname, attcollation <> 0 FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [_quote(table)],
        ).fetchall()
    # Text keys sort byte-wise, so two databases created with different locales agree.
    return [_quote(name) + (' COLLATE "C"' if collatable else "") for name, collatable in columns]


def pg_sums(db: Any, progress: Progress | None = None) -> dict[str, TableSum]:
    """Needs an open transaction (the server-side cursors live in it)."""
    sums = {}
    tables = pg_tables(db)
    with (progress or Progress()).bar("Checksums", len(tables), unit="table") as advance:
        for number, table in enumerate(tables):
            order = ", ".join(_pg_key(db, table))
            with db.cursor(name=f"goodwill_backup_{number}") as cursor:
                cursor.itersize = 5000
                cursor.execute(f"SELECT * FROM {_quote(table)} ORDER BY {order}")  # noqa: S608  # nosec B608
                sums[table] = _sum_rows(cursor)
            advance(1)
    return sums


def _latest_migrations(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(sorted(rows))


# --- Where things are ----------------------------------------------------------------------------


def vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith(("postgresql", "postgis")):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("The database is in memory; there is nothing on disk to back up.")
    return Path(name)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files(root: Path) -> list[tuple[str, Path, int]]:
    """(archive name, path, size) of every stored file, in a stable order."""
    found: list[tuple[str, Path, int]] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        # Dot names are work in progress: intake's .incoming- temp files, restore's staging.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder, name)
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            found.append((f"{MEDIA}/{relative}", path, path.stat().st_size))
    return found


def goodwill_version() -> str:
    try:
        return metadata.version("goodwill")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_params() -> dict[str, str]:
    db = settings.DATABASES["default"]
    params = {
        "dbname": db.get("NAME"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": str(db.get("PORT") or ""),
    }
    params |= {k: str(v) for k, v in (db.get("OPTIONS") or {}).items() if k in LIBPQ_OPTIONS}
    return {k: v for k, v in params.items() if v}


@contextlib.contextmanager
def _pg_snapshot_connection() -> Iterator[Any]:
    """A read-only REPEATABLE READ transaction: one snapshot for every query in it."""
    import psycopg

    with psycopg.connect(**_pg_params(), autocommit=True) as db:
        db.execute("SET TIME ZONE 'UTC'")  # timestamps read the same from any server
        db.autocommit = False
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        db.read_only = True
        try:
            yield db
        finally:
            db.rollback()


def _pg_command_line() -> tuple[str, dict[str, str]]:
    """The connection for pg_dump / pg_restore; the password goes in the environment, where
    `ps` does not show it."""
    from psycopg.conninfo import make_conninfo

    params = _pg_params()
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a client tool found on PATH  # nosec B603
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)\.\d+", out)
    return int(match.group(1)) if match else None


def find_pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore, at least as new as the server (an older one refuses to dump it).
    Debian and Ubuntu keep one per major version under /usr/lib/postgresql/N/bin."""
    versioned = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: (p.parts[-3] != str(server_major), p.parts[-3]),
    )
    seen = []
    for candidate in [shutil.which(name), *map(str, versioned)]:
        if not candidate:
            continue
        major = _tool_major(candidate)
        if major is not None and major >= server_major:
            return candidate
        seen.append(f"{candidate} (version {major or 'unknown'})")
    install = (
        f"Install the PostgreSQL {server_major} client tools (Debian/Ubuntu: "
        f"apt install postgresql-client-{server_major}) or put a {name} of version "
        f"{server_major} or newer on PATH."
    )
    if not seen:
        raise BackupError(f"{name} was not found. {install}")
    raise BackupError(
        f"The PostgreSQL server is version {server_major}, but the only {name} found is too "
        f"old: {', '.join(seen)}. {install}"
    )


# --- Backup --------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    path: Path
    member: str
    tables: dict[str, TableSum]
    migrations: dict[str, str]
    database: dict[str, object]


def _sqlite_snapshot(folder: Path, progress: Progress) -> Snapshot:
    source_path = sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    copy_path = folder / SQLITE_MEMBER
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(copy_path)
    try:
        # One step, one read transaction: a consistent copy while the app goes on writing.
        # (Copying in steps would start over each time another process writes.)
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"SQLite reports the database damaged ({check}); not backing up.")
        tables = sqlite_sums(copy, progress)
        migrations = _latest_migrations(
            copy.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app")
        )
    except sqlite3.OperationalError as error:
        raise BackupError(f"Cannot back up {source_path}: {error}") from error
    finally:
        copy.close()
        source.close()
    database = {"vendor": "sqlite", "server_version": sqlite3.sqlite_version}
    return Snapshot(copy_path, SQLITE_MEMBER, tables, migrations, database)


def _pg_snapshot(folder: Path, progress: Progress) -> Snapshot:
    dump_path = folder / PG_MEMBER
    with _pg_snapshot_connection() as db:
        server_major = db.info.server_version // 10000
        pg_dump = find_pg_tool("pg_dump", server_major)
        server_version = db.execute("SHOW server_version").fetchone()[0]
        # pg_dump imports this transaction's snapshot, so the dump and the checksums below
        # see exactly the same rows.
        (snapshot,) = db.execute("SELECT pg_export_snapshot()").fetchone()
        dsn, env = _pg_command_line()
        with open(folder / "pg_dump.log", "w+b") as log:
            dumping = subprocess.Popen(  # noqa: S603 - argument list, no shell  # nosec B603
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                 f"--file={dump_path}", f"--dbname={dsn}"],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            try:
                tables = pg_sums(db, progress)
                migrations = _latest_migrations(
                    db.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app")
                )
            finally:
                dumping.wait()
            log.seek(0)
            errors = log.read().decode(errors="replace").strip()
        if dumping.returncode:
            raise BackupError(f"pg_dump failed:\n{errors[-3000:]}")
    database = {
        "vendor": "postgresql",
        "server_version": server_version,
        "tool": Path(pg_dump).name,
        "tool_major": _tool_major(pg_dump),
    }
    return Snapshot(dump_path, PG_MEMBER, tables, migrations, database)


@dataclass
class BackupResult:
    path: Path
    size: int
    tables: int
    rows: int
    files: int
    files_size: int
    vanished: list[str] = field(default_factory=list)


def default_name(now: datetime | None = None) -> str:
    return f"goodwill-backup-{(now or datetime.now(UTC)):%Y%m%d-%H%M%S}.tar.gz"


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _add(tar: tarfile.TarFile, name: str, handle: IO[bytes], size: int, advance) -> dict:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    reader = _Reader(handle, advance)
    tar.addfile(info, reader)  # reads exactly `size` bytes, and fails if the file got shorter
    return {"size": reader.size, "sha256": reader.sha256.hexdigest()}


def write_backup(
    output: str | Path | None = None, progress: Progress | None = None
) -> BackupResult:
    """Write the archive to `output`: a file, or a folder (an existing one, or any path ending
    in a slash) for a timestamped name."""
    progress = progress or Progress()
    kind = vendor()
    started = datetime.now(UTC)
    target = Path(output) if output else Path.cwd() / default_name(started)
    if str(output or "").endswith(("/", os.sep)) and not target.is_dir():
        raise BackupError(f"The folder {target} does not exist.")
    if target.is_dir():
        target = target / default_name(started)
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")

    # The snapshot and the half-written archive live beside the final file: same file system
    # (so the rename is atomic) and not /tmp, which may be small.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".goodwill-backup-") as work:
        progress.phase(f"Taking a snapshot of the {kind} database…")
        snapshot = (_sqlite_snapshot if kind == "sqlite" else _pg_snapshot)(Path(work), progress)
        files = media_files(media_root())
        members: dict[str, dict] = {}
        vanished: list[str] = []
        fd, partial = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )
        try:
            os.fchmod(fd, 0o600)  # it holds the whole database: as secret as the database
            with os.fdopen(fd, "wb") as raw:
                total = snapshot.path.stat().st_size + sum(size for _, _, size in files)
                with (
                    progress.bar("Archiving", total) as advance,
                    tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
                ):
                    with open(snapshot.path, "rb") as handle:
                        size = snapshot.path.stat().st_size
                        members[snapshot.member] = _add(tar, snapshot.member, handle, size, advance)
                    for name, path, size in files:
                        try:
                            handle = open(path, "rb")  # noqa: SIM115 - closed just below
                        except FileNotFoundError:
                            vanished.append(name)  # deleted since the walk: nothing to keep
                            continue
                        with handle:
                            members[name] = _add(tar, name, handle, size, advance)
                    manifest = _manifest(snapshot, members, started)
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    _add(tar, MANIFEST, io.BytesIO(data), len(data), lambda done: None)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
            _fsync_folder(target.parent)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return BackupResult(
        path=target,
        size=target.stat().st_size,
        tables=len(snapshot.tables),
        rows=sum(s.rows for s in snapshot.tables.values()),
        files=len(files) - len(vanished),
        files_size=sum(size for name, _, size in files if name in members),
        vanished=vanished,
    )


def _manifest(snapshot: Snapshot, members: dict[str, dict], started: datetime) -> dict:
    return {
        "format": FORMAT,
        "goodwill_version": goodwill_version(),
        "created_at": started.isoformat(timespec="seconds"),
        "database": {**snapshot.database, "member": snapshot.member},
        "migrations": snapshot.migrations,
        "tables": {
            name: {"rows": s.rows, "sha256": s.sha256} for name, s in snapshot.tables.items()
        },
        "members": members,
    }


# --- Reading an archive --------------------------------------------------------------------------


def _damaged(archive: Path, why: str) -> BackupError:
    return BackupError(
        f"{archive} is damaged or not a Goodwill backup: {why}. Nothing was changed."
    )


def _member_path(archive: Path, name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or "\\" in name
        or any(part in ("", ".", "..") for part in name.split("/"))
        or not (name in (MANIFEST, SQLITE_MEMBER, PG_MEMBER) or path.parts[0] == MEDIA)
        or (path.parts[0] == MEDIA and len(path.parts) < 2)  # noqa: PLR2004
    ):
        raise _damaged(archive, f"unexpected entry {name!r}")
    return path


def _destination(staging: Path | None, path: PurePosixPath) -> IO[bytes]:
    if staging is None:
        return open(os.devnull, "wb")  # noqa: SIM115 - the caller closes it
    destination = staging / path
    destination.parent.mkdir(parents=True, exist_ok=True)
    return open(destination, "wb")  # noqa: SIM115


def unpack(archive: Path, staging: Path | None, progress: Progress | None = None) -> dict:
    """Unpack into `staging` (or, without one, only read), checking every entry against the
    manifest. Touches nothing else. Returns the manifest."""
    progress = progress or Progress()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no file {archive}.")
    found: dict[str, dict] = {}
    manifest_data = None
    try:
        with (
            open(archive, "rb") as compressed,
            progress.bar("Checking", archive.stat().st_size) as advance,
        ):
            reader = _Reader(compressed, advance)
            # gzip.GzipFile, not tarfile's "r|gz": tarfile stops at the end-of-archive block and
            # never reaches the gzip trailer, so a damaged byte in the padding went unnoticed.
            unzipped = gzip.GzipFile(fileobj=reader, mode="rb")
            with tarfile.open(fileobj=unzipped, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    path = _member_path(archive, member.name)
                    if not member.isfile() or member.name in found:
                        raise _damaged(archive, f"unexpected entry {member.name!r}")
                    handle = tar.extractfile(member)
                    if member.name == MANIFEST:
                        if member.size > MANIFEST_LIMIT:
                            raise _damaged(archive, "the manifest is implausibly large")
                        manifest_data = handle.read()
                        continue
                    digest = hashlib.sha256()
                    with _destination(staging, path) as out:
                        while chunk := handle.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                    found[member.name] = {"size": member.size, "sha256": digest.hexdigest()}
            while unzipped.read(CHUNK):  # to the end, where gzip checks its CRC and length
                pass
    except (tarfile.TarError, zlib.error, EOFError, OSError) as error:
        if isinstance(error, FileNotFoundError | PermissionError):
            raise BackupError(f"Cannot read {archive}: {error}") from error
        raise _damaged(archive, f"{type(error).__name__}: {error}") from error
    if manifest_data is None:
        raise _damaged(archive, "it has no manifest")
    try:
        manifest = json.loads(manifest_data)
        members = manifest["members"]
        manifest["tables"], manifest["database"]["vendor"]  # noqa: B018 - present, or damaged
    except (ValueError, KeyError, TypeError) as error:
        raise _damaged(archive, f"the manifest cannot be read ({error})") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} was written in backup format {manifest.get('format')}, which this "
            f"Goodwill ({goodwill_version()}) does not know; restore it with the Goodwill "
            f"version that wrote it ({manifest.get('goodwill_version')}) or newer."
        )
    missing = sorted(set(members) - set(found))
    extra = sorted(set(found) - set(members))
    changed = sorted(n for n in set(members) & set(found) if members[n] != found[n])
    problems = {"missing": missing, "not in the manifest": extra, "checksum differs": changed}
    for label, names in problems.items():
        if names:
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""  # noqa: PLR2004
            raise _damaged(archive, f"{label}: {', '.join(names[:5])}{more}")
    return manifest


# --- Restore -------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int
    manifest: dict
    extra_tables: list[str] = field(default_factory=list)
    pending_migrations: int = 0


def existing_content() -> dict[str, int]:
    """Rows per table in the configured database, leaving out what `migrate` writes itself."""
    from django.apps import apps
    from django.db import connection

    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    present = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted((tables & present) - BOOKKEEPING_TABLES):
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  # nosec B608
            (count,) = cursor.fetchone()
            if count:
                counts[table] = count
    return counts


def _unknown_migrations(manifest: dict) -> list[str]:
    """Migrations the archive's schema has and this code does not: it comes from a newer
    Goodwill, which this one cannot run on."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or [])  # a squashed migration stands for these
    installed = {config.label for config in apps.get_app_configs()}
    return [
        f"{app}.{name}"
        for app, name in manifest["migrations"].items()
        if app in installed and (app, name) not in known
    ]


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _describe(counts: dict[str, int], files: int) -> str:
    biggest = sorted(counts.items(), key=lambda item: -item[1])[:6]
    parts = [f"{count:,} rows in {table}" for table, count in biggest]
    if len(counts) > len(biggest):
        rest = sum(counts.values()) - sum(count for _, count in biggest)
        parts.append(f"{rest:,} rows in {len(counts) - len(biggest)} other tables")
    if files:
        parts.append(f"{files:,} stored files under {media_root()}")
    return "; ".join(parts)


def restore(
    archive: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreResult:
    """Check the archive, then replace the database and MEDIA_ROOT with its contents, then
    check the restored tables against the manifest. The app should be stopped meanwhile."""
    from django.db import connection

    progress = progress or Progress()
    kind = vendor()
    root = media_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    # Staging sits beside MEDIA_ROOT, so moving the files into place is a rename.
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=".goodwill-restore-"))
    try:
        manifest = unpack(archive, staging, progress)
        archived = manifest["database"]["vendor"]
        if archived != kind:
            raise BackupError(
                f"{archive} holds a {VENDOR_NAMES.get(archived, archived)} database, but this "
                f"Goodwill uses {VENDOR_NAMES[kind]}; a backup is restored into the same kind of "
                f"database ({VENDOR_SETTING.get(archived, '')}). Nothing was changed."
            )
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise BackupError(
                f"{archive} comes from a newer Goodwill ({manifest.get('goodwill_version')}); "
                f"this one ({goodwill_version()}) does not know the migrations "
                f"{', '.join(unknown[:5])}. Upgrade Goodwill first. Nothing was changed."
            )
        counts = existing_content()
        present_files = len(media_files(root))
        if (counts or present_files) and not force:
            raise BackupError(
                f"The database is not empty. It holds {_describe(counts, present_files)}. "
                "Restoring replaces all of it with the archive; run again with --force to do so. "
                "Nothing was changed."
            )
        connection.close()
        progress.phase(f"Restoring the {kind} database…")
        member = manifest["database"]["member"]
        if kind == "sqlite":
            _sqlite_restore(staging / member)
        else:
            _pg_restore(staging / member, manifest, staging)
        progress.phase("Putting the stored files in place…")
        _replace_media(staging / MEDIA, root, staging / "replaced")
        progress.phase("Checking the restored tables against the manifest…")
        result = _verify(manifest, kind, progress)
        result.files = len(media_files(root))
        result.pending_migrations = _pending_migrations()
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _sqlite_restore(staged: Path) -> None:
    target_path = sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=20)
    try:
        # A WAL database only takes a copy with the same page size; switching to a rollback
        # journal first lifts that (and needs the app stopped, as restoring does anyway).
        page_size = "PRAGMA page_size"
        switch = source.execute(page_size).fetchone() != target.execute(page_size).fetchone()
        if switch:
            target.execute("PRAGMA journal_mode=DELETE")
        # The backup API writes the target in one transaction: readers see the old database
        # or the new one, and a crash midway leaves the old one.
        source.backup(target)
        if switch:
            target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as error:
        raise BackupError(
            f"Could not write {target_path}: {error}. Stop `goodwill serve` and "
            "`goodwill worker`, then try again."
        ) from error
    finally:
        target.close()
        source.close()


def _pg_restore(dump: Path, manifest: dict, staging: Path) -> None:
    """pg_restore --clean --if-exists writes the script; psql applies it in one transaction,
    after dropping the tables the archive does not have (a newer Goodwill's, which would
    otherwise survive and break the next `goodwill migrate`). All of it, or none of it."""
    import psycopg

    with psycopg.connect(**_pg_params()) as db:
        server_major = db.info.server_version // 10000
        extra = sorted(set(pg_tables(db)) - set(manifest["tables"]))
    dump_major = manifest["database"].get("tool_major") or server_major
    pg_restore = find_pg_tool("pg_restore", max(server_major, dump_major))
    # psql from beside pg_restore: it understands every meta-command that one writes.
    psql = str(Path(pg_restore).with_name("psql"))
    if not Path(psql).is_file():
        psql = find_pg_tool("psql", max(server_major, dump_major))
    dsn, env = _pg_command_line()
    # A session still using a table makes the restore fail after a minute instead of hanging.
    session = " -c lock_timeout=60s -c client_min_messages=warning"
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + session).strip()
    drops = [f"--command=DROP TABLE IF EXISTS {_quote(table)} CASCADE" for table in extra]
    # The script goes to a file first: piped, a pg_restore that stopped midway would hand psql
    # half a script, and psql would commit it.
    script = staging / "restore.sql"
    written = subprocess.run(  # noqa: S603 - argument list, no shell  # nosec B603
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
         f"--file={script}", str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if written.returncode:
        raise BackupError(
            f"pg_restore could not read the dump; nothing was changed.\n{written.stderr[-3000:]}"
        )
    applied = subprocess.run(  # noqa: S603 - argument list, no shell  # nosec B603
        [psql, "--no-psqlrc", "--quiet", "--no-password", "--single-transaction",
         "--set=ON_ERROR_STOP=1", f"--dbname={dsn}", *drops, f"--file={script}"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=False,
    )  # fmt: skip
    errors = applied.stderr.strip()
    if applied.returncode:
        hint = ""
        if "lock timeout" in errors:
            hint = " Stop `goodwill serve` and `goodwill worker` first."
        raise BackupError(
            "Restoring the PostgreSQL database failed; it runs in one transaction, so the "
            f"database is as it was.{hint}\n{errors[-3000:]}"
        )


def _replace_media(new: Path, root: Path, replaced: Path) -> None:
    new.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    replaced.mkdir(parents=True, exist_ok=True)
    for entry in sorted(root.iterdir()):
        if not entry.name.startswith(".goodwill-restore-"):
            shutil.move(entry, replaced / entry.name)
    for entry in sorted(new.iterdir()):
        shutil.move(entry, root / entry.name)


def live_sums(kind: str, progress: Progress | None = None) -> dict[str, TableSum]:
    if kind == "sqlite":
        db = sqlite3.connect(f"file:{sqlite_path()}?mode=ro", uri=True, timeout=20)
        try:
            return sqlite_sums(db, progress)
        finally:
            db.close()
    with _pg_snapshot_connection() as db:
        return pg_sums(db, progress)


def _verify(manifest: dict, kind: str, progress: Progress) -> RestoreResult:
    expected = {name: TableSum(t["rows"], t["sha256"]) for name, t in manifest["tables"].items()}
    actual = live_sums(kind, progress)
    wrong = [
        f"{name} ({actual[name].rows if name in actual else 'no'} rows, expected {want.rows})"
        if name not in actual or actual[name].rows != want.rows
        else f"{name} (same {want.rows} rows, different content)"
        for name, want in expected.items()
        if actual.get(name) != want
    ]
    if wrong:
        raise BackupError(
            "The database was restored, but these tables do not match the archive: "
            + "; ".join(wrong[:10])
        )
    return RestoreResult(
        tables=len(expected),
        rows=sum(s.rows for s in expected.values()),
        files=0,
        manifest=manifest,
        extra_tables=sorted(set(actual) - set(expected)),
    )


def human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
