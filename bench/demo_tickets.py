"""Benchmark the demo with its tickets on a fresh database: the service-desk scale test.

Usage (from the repository root):

    .venv/bin/python bench/demo_tickets.py                     # 500 clients, 20,000 people, 1M
    .venv/bin/python bench/demo_tickets.py --tickets 100000    # a quicker look
    .venv/bin/python bench/demo_tickets.py --keep /tmp/gw-1m   # keep it for bench/load_desk.py
    .venv/bin/python bench/demo_tickets.py --keep /tmp/gw-pg1m \
        --database-url postgres://postgres@127.0.0.1:5432/goodwill_load1m   # on PostgreSQL

It points GOODWILL_DATA_DIR at a new directory (a temporary one, deleted afterwards, unless
--keep names one, which must not hold a database yet) and drops DATABASE_URL before Django
starts, migrates, runs `goodwill demo`'s generator with a progress bar, and prints the time of
each phase, rows per second and the size of the database. Your real var/ database is never
touched. The target is under 5 minutes for a million tickets on this machine (two cores).

With --database-url the demo goes into that PostgreSQL database instead of SQLite: it is
created if missing and must hold no tables yet; it is kept afterwards (with the logins in the
--keep directory, so give one), since dropping it would throw the build away.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _database_size(connection: Any) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    return _size(Path(connection.settings_dict["NAME"]))


def create_pg_database(url: str) -> None:
    """Create the URL's PostgreSQL database if it does not exist; refuse one that has tables
    (the demo seeds an empty database, and a half-built one would mislead the figures)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit("--database-url names no database")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            with psycopg.connect(url) as existing:
                tables = existing.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone()
            if tables and tables[0]:
                raise SystemExit(f"database {name} already has tables; drop it or pick another")
        else:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workers", type=int, default=None,
        help="Planning processes beside the writer (default: one per spare core).",
    )
    parser.add_argument("--keep", type=Path, help="Build the database here and keep it.")
    parser.add_argument(
        "--database-url",
        help="Build into this PostgreSQL database (created if missing, must be empty, kept) "
        "instead of a new SQLite file; the data directory keeps demo-logins.txt.",
    )
    parser.add_argument("--quiet", action="store_true", help="No progress bar.")
    parser.add_argument(
        "--desk-only", action="store_true",
        help="Leave out the other apps' demo data (mail, billing, scheduling, happiness).",
    )
    args = parser.parse_args()

    if args.keep is not None:
        data_dir = args.keep.resolve()
        if (data_dir / "goodwill.sqlite3").exists():
            parser.error(f"{data_dir} already holds a database; pick a new directory")
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="goodwill-bench-"))

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ["GOODWILL_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            parser.error("--database-url must be a postgres:// URL")
        create_pg_database(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from goodwill.demo.generator import DemoOptions, generate, summary_text

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - started

        options = DemoOptions(
            clients=args.clients, people=args.people, tickets=args.tickets, seed=args.seed,
            workers=args.workers, progress=not args.quiet, extras=not args.desk_only,
        )  # fmt: skip
        cpu = time.process_time()
        started = time.perf_counter()
        result = generate(options, stderr=sys.stderr)
        connection.close()  # the last connection checkpoints the WAL into the database file
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        desk = result.desk
        database = connection.settings_dict["NAME"]

        print(summary_text(result))
        print(f"database:   {database} (migrated in {migrated:.1f} s)")
        print(f"size:       {_database_size(connection) / 2**20:,.0f} MB")
        print(f"seed:       {args.clients} clients, {args.people} people, "
              f"{args.tickets} tickets, seed {args.seed}")  # fmt: skip
        print(f"time:       {seconds:.1f} s in all "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
        portfolio = seconds - desk.seconds_planning - desk.seconds_writing
        portfolio -= desk.seconds_indexing
        print(f"  portfolio, assets, schedules, commit: {portfolio:6.1f} s")
        print(f"  waiting for planned tickets:          {desk.seconds_planning:6.1f} s")
        print(f"  writing rows:                         {desk.seconds_writing:6.1f} s")
        print(f"  indexes and full-text rebuild:        {desk.seconds_indexing:6.1f} s")
        print(f"cpu:        {cpu:.1f} s here, {children.ru_utime + children.ru_stime:.1f} s "
              "in planning workers")  # fmt: skip
        print(f"  planning {desk.cpu_planning:.1f} s, writing {desk.cpu_writing:.1f} s, "
              f"indexing {desk.cpu_indexing:.1f} s")  # fmt: skip
        print(f"rows:       {result.rows:,} ({result.rows / seconds:,.0f} rows/s; tickets "
              f"{desk.tickets / seconds:,.0f}/s)")  # fmt: skip
        print(f"open:       {desk.open_tickets:,} tickets, {desk.breached:,} past a deadline")
        if args.keep is not None:
            print(f"kept:       GOODWILL_DATA_DIR={data_dir} (logins in demo-logins.txt)")
        if args.database_url:
            print(f"kept:       DATABASE_URL={args.database_url}")
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
