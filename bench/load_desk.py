"""Measure the service-desk pages at scale: over HTTP from gunicorn, and SQL queries in-process.

Usage (from the repository root), on a database built by bench/demo_tickets.py --keep DIR:

    .venv/bin/python bench/load_desk.py /tmp/gw-1m                 # 200 requests per page
    .venv/bin/python bench/load_desk.py /tmp/gw-1m -n 50 --explain  # fewer, with query plans

Part 1 starts `goodwill serve` (gunicorn, WEB_CONCURRENCY=2) on a free port of 127.0.0.1
against GOODWILL_DATA_DIR=DIR, logs in as the demo owner (the password is in
DIR/demo-logins.txt), and requests each page N times, one request at a time, timing each from
sending it to reading the last byte. It prints p50, p95, max and the status codes. Only
127.0.0.1 is ever contacted, and only GET requests are timed (the login is the one POST).

Part 2 loads Django in this process on the same database and counts the SQL queries of each
page (django.test.Client + CaptureQueriesContext), including the queue at several page sizes:
the count must not grow with the number of rows shown. With --explain it also prints the
slowest queries of each page and SQLite's EXPLAIN QUERY PLAN for them.

The pages are the issue's targets (p95 ≤ 50 ms each): the staff queue (its default view and
with two filters), a ticket page (open and closed tickets, picked at random), and a search.
Standard library only for the HTTP part (threading is not needed: requests are sequential).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from serving import HOST, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
_LOGGED = re.compile(r"BENCH \d+ (\d+(?:\.\d+)?) ")

TARGET_P95_MS = 50.0


@dataclass
class Page:
    name: str
    paths: Callable[[random.Random], str]  # a path to request, drawn for each request


@dataclass
class Timing:
    name: str
    ms: list[float] = field(default_factory=list)
    codes: Counter[int] = field(default_factory=Counter)
    bytes: int = 0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- Picking tickets ---------------------------------------------------------------------------


def ticket_numbers(database: Path, rng: random.Random, k: int = 200) -> tuple[list[int], list[int]]:
    """Random open and closed ticket numbers, read straight from the SQLite file (read-only)."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        open_numbers = [
            n for (n,) in db.execute(
                "SELECT number FROM desk_ticket WHERE status IN "
                "('new', 'open', 'waiting_client', 'waiting_third_party')"
            )
        ]  # fmt: skip
        (highest,) = db.execute("SELECT MAX(id) FROM desk_ticket").fetchone()
        closed: list[int] = []
        for _ in range(k * 20):
            if len(closed) >= k:
                break
            row = db.execute(
                "SELECT number FROM desk_ticket WHERE id = ? AND status = 'closed'",
                (rng.randint(1, highest or 1),),
            ).fetchone()
            if row:
                closed.append(row[0])
    finally:
        db.close()
    return rng.sample(open_numbers, min(k, len(open_numbers))), closed


def pages(open_numbers: list[int], closed_numbers: list[int]) -> list[Page]:
    def pick(numbers: list[int]) -> Callable[[random.Random], str]:
        return lambda rng: f"/tickets/{rng.choice(numbers)}/"

    return [
        Page("queue (default view)", lambda rng: "/tickets/"),
        Page("queue ?status=open&priority=P3", lambda rng: "/tickets/?status=open&priority=P3"),
        Page("queue ?tab=unassigned&role=key", lambda rng: "/tickets/?tab=unassigned&role=key"),
        Page("queue ?status=any (history)", lambda rng: "/tickets/?status=any"),
        Page("ticket page (open)", pick(open_numbers)),
        Page("ticket page (closed)", pick(closed_numbers)),
        Page("search ?q=printer", lambda rng: "/tickets/?q=printer"),
        Page("search ?q=vpn+certificate", lambda rng: "/tickets/?q=vpn+certificate"),
    ]


# --- HTTP --------------------------------------------------------------------------------------


class Browser:
    """Just enough of one: cookies, a CSRF token, sequential requests to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "goodwill-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, data, dict(response.getheaders())
        finally:
            connection.close()

    def login(self, username: str, password: str) -> None:
        status, page, _ = self.request("GET", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise SystemExit(f"No login form at /login/ (HTTP {status})")
        form = urlencode({
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
        })  # fmt: skip
        status, _, headers = self.request("POST", "/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Login as {username} failed (HTTP {status})")


def owner_login(data_dir: Path) -> tuple[str, str]:
    text = (data_dir / "demo-logins.txt").read_text()
    password = re.search(r"^Password:\s*(\S+)", text, re.M)
    owner = re.search(r"^(\S+)\s+Owner\b", text, re.M)
    if not password or not owner:
        raise SystemExit("demo-logins.txt has no owner login")
    return owner.group(1), password.group(1)


def run_http(data_dir: Path, all_pages: list[Page], n: int, warmup: int, seed: int) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GOODWILL_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "HOST": HOST,
        "WEB_CONCURRENCY": "2",
        # gunicorn logs each request's own duration (%(M)s, ms) for the server-side figures.
        "GUNICORN_CMD_ARGS": "--access-logformat 'BENCH %(s)s %(M)s %(U)s'",
    }
    env.pop("DATABASE_URL", None)
    log_path = data_dir / "bench-serve.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
        [str(ROOT / ".venv/bin/goodwill"), "serve"], env=env, stdout=log, stderr=log
    )
    try:
        wait_for(port, server)
        browser = Browser(port)
        browser.login(*owner_login(data_dir))
        rng = random.Random(seed)
        print(f"\nHTTP: gunicorn with 2 workers on {HOST}:{port}, {n} sequential requests "
              f"per page after {warmup} to warm up")  # fmt: skip
        results = []
        server_ms: list[list[float]] = []
        for page in all_pages:
            for _ in range(warmup):
                browser.request("GET", page.paths(rng))
            time.sleep(0.2)  # let the workers write the warm-up's log lines
            offset = log_path.stat().st_size
            timing = Timing(page.name)
            for _ in range(n):
                path = page.paths(rng)
                started = time.perf_counter()
                status, body, _ = browser.request("GET", path)
                timing.ms.append((time.perf_counter() - started) * 1000)
                timing.codes[status] += 1
                timing.bytes += len(body)
            results.append(timing)
            time.sleep(0.2)
            with open(log_path, "rb") as handle:
                handle.seek(offset)
                lines = handle.read().decode(errors="replace").splitlines()
            server_ms.append(
                [float(m.group(1)) for m in map(_LOGGED.match, lines) if m is not None]
            )
        print(f"{'page':<34} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'KB':>6}  "
              f"{'server p50/p95':>14}  status")  # fmt: skip
        for t, on_server in zip(results, server_ms, strict=True):
            flag = "" if t.quantile(0.95) <= TARGET_P95_MS else "  > target"
            codes = ", ".join(f"{code}×{count}" for code, count in sorted(t.codes.items()))
            inside_timing = Timing(t.name, on_server)
            inside = (
                f"{statistics.median(on_server):6.0f} /{inside_timing.quantile(0.95):4.0f}"
                if on_server
                else f"{'?':>11}"
            )
            print(f"{t.name:<34} {statistics.median(t.ms):7.1f} {t.quantile(0.95):7.1f} "
                  f"{max(t.ms):7.1f} {t.bytes / len(t.ms) / 1024:6.0f}  {inside:>14}  "
                  f"{codes}{flag}")  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# --- SQL queries, in-process -------------------------------------------------------------------


def run_queries(data_dir: Path, all_pages: list[Page], seed: int, explain: bool) -> None:
    os.environ["GOODWILL_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from functools import partial

    from django.db import connection
    from django.test import Client

    from goodwill.accounts.models import StaffRole, User
    from goodwill.desk import views_queue

    # No setup_test_environment(): its template instrumentation would add to the times.
    client = Client(HTTP_HOST=HOST)
    owner = User.objects.filter(role=StaffRole.OWNER, is_active=True).order_by("pk").first()
    if owner is None:
        raise SystemExit("No owner account in this database")
    client.force_login(owner)
    rng = random.Random(seed)

    def measure(path: str) -> tuple[int, float, list[Query]]:
        """One request; every query with its real parameters (a logged query has them
        interpolated, and SQLite plans a literal differently from a bound parameter)."""
        queries: list[Query] = []

        def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(Query(sql, params, (time.perf_counter() - started) * 1000))

        with connection.execute_wrapper(record):
            started = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - started) * 1000
        return response.status_code, ms, queries

    print("\nSQL queries per page (in-process, django.test.Client; median of 5 after a warm-up)")
    print(f"{'page':<34} {'status':>6} {'queries':>7} {'ms':>7} {'SQL ms':>7}")
    for page in all_pages:
        path = page.paths(rng)
        measure(path)  # warm caches (templates, holidays)
        runs = sorted((measure(path) for _ in range(5)), key=lambda run: run[1])
        status, ms, queries = runs[len(runs) // 2]
        sql_ms = sum(q.ms for q in queries)
        print(f"{page.name:<34} {status:>6} {len(queries):>7} {ms:7.1f} {sql_ms:7.1f}   {path}")
        if explain:
            explain_slowest(connection, queries)

    original = views_queue.queue_page
    print("\nThe queue at several page sizes (queries must not grow with the rows shown)")
    for size in (10, 50, 200):
        views_queue.queue_page = partial(original, size=size)  # type: ignore[assignment]
        try:
            measure("/tickets/?status=any")
            status, ms, queries = measure("/tickets/?status=any")
        finally:
            views_queue.queue_page = original  # type: ignore[assignment]
        print(f"  {size:>4} rows: {len(queries)} queries, {ms:.1f} ms (HTTP {status})")


@dataclass
class Query:
    sql: str
    params: Any
    ms: float


def explain_slowest(connection: Any, queries: list[Query], top: int = 3) -> None:
    """The slowest queries of a page, and how SQLite runs them with the same parameters."""
    for query in sorted(queries, key=lambda q: q.ms, reverse=True)[:top]:
        where = query.sql.find(" WHERE ")
        shown = query.sql[:120] + (" … " + query.sql[where:][:500] if where > 120 else "")
        print(f"      {query.ms:7.1f} ms  {shown}")
        print(f"               params {str(query.params)[:200]}")
        if connection.vendor != "sqlite" or not query.sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {query.sql}", query.params)
            for row in cursor.fetchall():
                print(f"               {row[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="GOODWILL_DATA_DIR of a demo database")
    parser.add_argument("-n", "--requests", type=int, default=200, help="Per page (200).")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-http", action="store_true", help="Only count the queries.")
    parser.add_argument("--no-queries", action="store_true", help="Only time over HTTP.")
    parser.add_argument("--explain", action="store_true", help="Plans of the slowest queries.")
    args = parser.parse_args()

    data_dir = args.data_dir.resolve()
    database = data_dir / "goodwill.sqlite3"
    (data_dir / "static").mkdir(exist_ok=True)  # STATIC_ROOT; WhiteNoise warns without it
    if not database.exists():
        parser.error(f"no database at {database}; build one with bench/demo_tickets.py --keep")
    rng = random.Random(args.seed)
    open_numbers, closed_numbers = ticket_numbers(database, rng)
    if not open_numbers or not closed_numbers:
        parser.error("the database needs open and closed tickets")
    size = sum(p.stat().st_size for p in data_dir.glob("goodwill.sqlite3*"))
    print(f"database: {database} ({size / 2**20:,.0f} MB), "
          f"{len(open_numbers)} open and {len(closed_numbers)} closed tickets sampled")  # fmt: skip
    all_pages = pages(open_numbers, closed_numbers)
    if not args.no_http:
        run_http(data_dir, all_pages, args.requests, args.warmup, args.seed)
    if not args.no_queries:
        run_queries(data_dir, all_pages, args.seed, args.explain)


if __name__ == "__main__":
    main()
