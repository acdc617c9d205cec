"""Staff under load: N concurrent staff users walking Goodwill's pages for M minutes (locust).

Usage (from the repository root), on a demo built by bench/demo_tickets.py --keep DIR:

    .venv/bin/pip install -e '.[load]'        # locust, once
    .venv/bin/python bench/load_staff.py /tmp/gw-load1m \\
        --database-url postgres://postgres@127.0.0.1:5432/goodwill_load1m --users 50 --minutes 5

It reads the demo logins (DIR/demo-logins.txt) and picks what the users will open from the
database (open and closed ticket numbers, clients, people: plain SELECTs), brings the schema up
to date (`goodwill migrate`; --no-migrate skips it), empties the Redis database given with
--redis-url and starts `goodwill serve` (gunicorn; --workers, --threads) on a free port of
127.0.0.1 with that database and Redis as the cache. Then it runs locust headless
(bench/locustfile.py), starting --spawn-rate users a second: each signs in as a demo staff
member and walks the staff pages with 1–3 s of think time. At the end it prints, per page:
requests, failures, p50, p95, p99 and max (ms, as seen by the client, so including any wait for
a free worker), gunicorn's own p50/p95 for the same page, and the requests per second; then the
CPU that gunicorn and the database's PostgreSQL backends used per request (the figure least
disturbed by other work), and the load average at the start and the end. It exits 1 if any
request failed: a status other than 200 (302 for the login; redirects count as failures), a
timeout (30 s) or a dropped connection.

Without --database-url it uses DIR/goodwill.sqlite3. Logs and locust's CSV files stay in DIR
(load-serve.log, load-locust.log, load_stats.csv…). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from serving import HOST, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]

OPEN_STATUSES = ("new", "open", "waiting_client", "waiting_third_party")
SEARCHES = ("printer", "vpn", "outlook", "password+reset", "vpn+certificate", "backup", "invoice")
_LOGGED = re.compile(r"BENCH (\d+) (\d+(?:\.\d+)?) (\S+) (\S*)")


# --- What the users will open --------------------------------------------------------------------


def demo_logins(data_dir: Path) -> dict[str, str]:
    """username → password, from the file `goodwill demo` writes."""
    path = data_dir / "demo-logins.txt"
    if not path.exists():
        raise SystemExit(f"no {path}: build the demo with bench/demo_tickets.py --keep {data_dir}")
    text = path.read_text()
    password = re.search(r"^Password:\s*(\S+)", text, re.M)
    rows = text.split("username", 1)[-1].splitlines()[1:]
    users = [line.split()[0] for line in rows if line.strip()]
    if not password or not users:
        raise SystemExit(f"{path} lists no logins")
    return {user: password.group(1) for user in users}


def query(database_url: str | None, data_dir: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    """A function running one SELECT on the demo database (PostgreSQL or the SQLite file)."""
    if database_url:
        import psycopg

        db = psycopg.connect(database_url, autocommit=True)
        return lambda sql: db.execute(sql).fetchall()  # type: ignore[arg-type]
    path = data_dir / "goodwill.sqlite3"
    if not path.exists():
        raise SystemExit(f"no database at {path}; give --database-url for PostgreSQL")
    db_file = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return lambda sql: db_file.execute(sql).fetchall()


def plan(data_dir: Path, database_url: str | None, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    run = query(database_url, data_dir)
    passwords = demo_logins(data_dir)
    names = ", ".join(f"'{u}'" for u in passwords if re.fullmatch(r"\w+", u))
    roles = dict(run(f"SELECT username, role FROM accounts_user WHERE username IN ({names}) "  # noqa: S608
                     "AND is_active"))  # fmt: skip
    logins = [
        {"username": u, "password": p, "role": roles[u]} for u, p in passwords.items() if u in roles
    ]
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    open_sql = f"SELECT number FROM desk_ticket WHERE status IN ({statuses})"  # noqa: S608
    open_tickets = [n for (n,) in run(open_sql)]
    # Closed tickets: a random sample by id (ORDER BY random() would read a million rows).
    (highest,) = run("SELECT MAX(id) FROM desk_ticket")[0]
    ids = ", ".join(str(rng.randint(1, highest or 1)) for _ in range(2000))
    closed_sql = f"SELECT number FROM desk_ticket WHERE id IN ({ids}) AND status = 'closed'"  # noqa: S608
    closed = [n for (n,) in run(closed_sql)]
    clients = [pk for (pk,) in run("SELECT id FROM clients_client")]
    people = [pk for (pk,) in run("SELECT id FROM clients_person")]
    result = {
        "logins": logins,
        "open_tickets": rng.sample(open_tickets, min(500, len(open_tickets))),
        "closed_tickets": closed[:500],
        "clients": rng.sample(clients, min(500, len(clients))),
        "people": rng.sample(people, min(1000, len(people))),
        "searches": list(SEARCHES),
    }
    empty = [key for key, values in result.items() if not values]
    if empty:
        raise SystemExit(f"the demo database has no {', '.join(empty)}")
    return result


# --- The server ----------------------------------------------------------------------------------


def server_env(args: argparse.Namespace, data_dir: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "GOODWILL_DATA_DIR": str(data_dir),
        "REDIS_URL": args.redis_url,
        "PORT": str(port),
        "HOST": HOST,
        "ALLOWED_HOSTS": HOST,
        "GOODWILL_HTTPS": "0",
        "DEBUG": "0",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_TIMEOUT": str(args.timeout),
        # With --threads above 1 gunicorn runs gthread workers. Its own duration of each request
        # (%(M)s, ms) goes to the log for the server-side figures.
        "GUNICORN_CMD_ARGS": (
            f"--threads {args.threads} --timeout {args.timeout} "
            "--access-logformat 'BENCH %(s)s %(M)s %(m)s %(U)s?%(q)s'"
        ),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    return env


def empty_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def page_name(method: str, path: str) -> str:
    """The locustfile's name for a request, from gunicorn's log line (path?query)."""
    base, _, query_string = path.partition("?")
    if method == "POST":
        return "login"
    if base == "/login/":
        return "login form"
    if base == "/tickets/":
        if query_string.startswith("q="):
            return "queue search ?q="
        return f"queue ?{query_string}" if query_string else "queue (default view)"
    fixed = {
        "/": "dashboard", "/clients/": "client list", "/happiness/": "happiness dashboard",
        "/happiness/clients/": "happiness client health", "/billing/invoices/": "invoices",
        "/billing/ageing/": "ageing", "/calendar/": "calendar",
    }  # fmt: skip
    if base in fixed:
        return fixed[base]
    if re.fullmatch(r"/tickets/\d+/", base):
        return "ticket page"
    if re.fullmatch(r"/clients/people/\d+/", base):
        return "person page"
    if re.fullmatch(r"/clients/\d+/", base):
        return "client page"
    return base


def server_times(log: Path, offset: int) -> tuple[dict[str, list[float]], Counter[int]]:
    times: dict[str, list[float]] = defaultdict(list)
    codes: Counter[int] = Counter()
    with open(log, "rb") as handle:
        handle.seek(offset)
        for line in handle.read().decode(errors="replace").splitlines():
            match = _LOGGED.search(line)
            if match:
                status, ms, method, path = match.groups()
                times[page_name(method, path.rstrip("?"))].append(float(ms))
                codes[int(status)] += 1
    return times, codes


# --- Figures -------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(prefix: Path, on_server: dict[str, list[float]], seconds: float) -> int:
    """Print the per-page table from locust's CSV; return the number of failed requests."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\n{'page':<32} {'requests':>8} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} "
          f"{'max':>6} {'req/s':>6}   server p50/p95")  # fmt: skip
    failures = 0
    for row in rows:
        name = row["Name"]
        # gunicorn's log cannot tell an open ticket's page from a closed one's: both rows show
        # the figures of all ticket pages.
        inside = on_server.get("ticket page" if name.startswith("ticket page") else name, [])
        server = (
            f"{statistics.median(inside):5.0f} /{quantile(inside, 0.95):5.0f}" if inside else ""
        )
        if name == "Aggregated":
            print("-" * 96)
            every = [ms for values in on_server.values() for ms in values]
            server = (
                f"{statistics.median(every):5.0f} /{quantile(every, 0.95):5.0f}" if every else ""
            )
        else:
            failures += int(row["Failure Count"])
        print(f"{name:<32} {int(row['Request Count']):>8} {int(row['Failure Count']):>5} "
              f"{float(row['50%']):>6.0f} {float(row['95%']):>6.0f} {float(row['99%']):>6.0f} "
              f"{float(row['Max Response Time']):>6.0f} {float(row['Requests/s']):>6.1f}   "
              f"{server}")  # fmt: skip
    print("(ms; p50–max as the users saw them, server: gunicorn's own duration of each request)")
    failed_path = Path(f"{prefix}_failures.csv")
    if failed_path.exists():
        with open(failed_path, newline="") as handle:
            for row in csv.DictReader(handle):
                print(f"FAILED {row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error']}")
    return failures


def cpu_seconds(server: subprocess.Popen[bytes], database: str) -> dict[str, float]:
    """CPU time (user + system) so far of gunicorn (master and workers) and of the PostgreSQL
    backends serving `database` (with their parallel workers), by process id: the cost of the
    requests, whatever else runs on the machine."""
    import psutil

    found: dict[str, float] = {}
    gunicorn = psutil.Process(server.pid)
    processes = [("gunicorn", gunicorn), *(("gunicorn", p) for p in gunicorn.children(True))]
    if database:
        backends: set[int] = set()
        helpers: list[tuple[int, Any]] = []
        for process in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {database} " in cmdline:
                processes.append(("postgres", process))
                backends.add(process.pid)
            elif match := re.search(r"parallel worker for PID (\d+)", cmdline):
                helpers.append((int(match.group(1)), process))
        processes += [("postgres", p) for leader, p in helpers if leader in backends]
    for kind, process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        found[f"{kind}:{process.pid}"] = times.user + times.system
    return found


class CpuWatch(threading.Thread):
    """Samples cpu_seconds every second: a database connection lives about a minute
    (CONN_MAX_AGE) and a parallel worker one query, so one reading at the end would miss them."""

    def __init__(self, server: subprocess.Popen[bytes], database: str) -> None:
        super().__init__(daemon=True)
        self.server, self.database = server, database
        self.before = cpu_seconds(server, database)
        self.latest: dict[str, float] = dict(self.before)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.sample()

    def sample(self) -> None:
        for key, seconds in cpu_seconds(self.server, self.database).items():
            self.latest[key] = max(seconds, self.latest.get(key, 0.0))

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.sample()

    def used(self, kind: str) -> float:
        return sum(
            t - self.before.get(key, 0.0) for key, t in self.latest.items() if key.startswith(kind)
        )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="GOODWILL_DATA_DIR of a kept demo")
    parser.add_argument("--database-url", help="PostgreSQL database of the demo (else SQLite)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/8",
        help="Redis database for the cache; emptied first (%(default)s)",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=1,
        help="Users started a second (1: each sign-in costs an Argon2 hash, ~0.25 CPU-s here, so "
        "5 a second would keep the two cores busy with sign-ins alone)",
    )
    parser.add_argument("--minutes", type=float, default=5)
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=2 * cores + 1,
                        help="gunicorn worker processes (default 2 × cores + 1)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads per worker (above 1: gthread workers)")  # fmt: skip
    parser.add_argument("--timeout", type=int, default=30, help="gunicorn worker timeout (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-migrate", action="store_true", help="Skip `goodwill migrate`.")
    args = parser.parse_args()

    if shutil.which("locust", path=str(ROOT / ".venv/bin")) is None:
        parser.error("locust is not installed: .venv/bin/pip install -e '.[load]'")
    data_dir = args.data_dir.resolve()
    (data_dir / "static").mkdir(exist_ok=True)  # STATIC_ROOT; WhiteNoise warns without it
    port = free_port()
    env = server_env(args, data_dir, port)
    goodwill = str(ROOT / ".venv/bin/goodwill")
    if not args.no_migrate:
        subprocess.run([goodwill, "migrate", "--no-input", "-v", "0"], env=env, check=True)  # noqa: S603
    work = plan(data_dir, args.database_url, args.seed)
    plan_path = data_dir / "load-plan.json"
    plan_path.write_text(json.dumps(work))
    empty_redis(args.redis_url)
    where = urlsplit(args.database_url).path.lstrip("/") if args.database_url else "SQLite"
    print(f"database: {where}; {len(work['open_tickets'])} open and "
          f"{len(work['closed_tickets'])} closed tickets, {len(work['clients'])} clients, "
          f"{len(work['people'])} people sampled; logins: "
          f"{', '.join(login['username'] for login in work['logins'])}")  # fmt: skip

    log_path = data_dir / "load-serve.log"
    log = open(log_path, "ab")  # noqa: SIM115 (closed below)
    offset = log_path.stat().st_size
    server = subprocess.Popen([goodwill, "serve"], env=env, stdout=log, stderr=log)  # noqa: S603
    prefix = data_dir / "load"
    try:
        wait_for(port, server)
        for _ in range(4 * args.workers):  # every worker loads its code before the clock starts
            with urllib.request.urlopen(f"http://{HOST}:{port}/login/", timeout=60) as page:  # noqa: S310
                page.read()
        print(f"server:   gunicorn, {args.workers} workers × {args.threads} thread(s), "
              f"timeout {args.timeout} s, on {HOST}:{port}; cache {args.redis_url}")  # fmt: skip
        print(f"load:     {args.users} users (+{args.spawn_rate:g}/s) for {args.minutes:g} min, "
              f"1–3 s between pages")  # fmt: skip
        started_load = load_average()
        database = urlsplit(args.database_url).path.lstrip("/") if args.database_url else ""
        watch = CpuWatch(server, database)
        watch.start()
        locust_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        locust_env = {**os.environ, "GOODWILL_LOAD_PLAN": str(plan_path)}
        with open(data_dir / "load-locust.log", "wb") as locust_log:
            subprocess.run(  # noqa: S603 (our own command)
                [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"),
                 "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
                 "-t", f"{int(args.minutes * 60)}s", "--stop-timeout", "35",
                 "--host", f"http://{HOST}:{port}", "--csv", str(prefix), "--only-summary"],
                env=locust_env, stdout=locust_log, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
        seconds = time.monotonic() - started
        ended_load = load_average()
        watch.stop()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_seconds = (usage.ru_utime + usage.ru_stime) - (
            locust_cpu.ru_utime + locust_cpu.ru_stime
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    on_server, codes = server_times(log_path, offset)
    failures = report(prefix, on_server, seconds)
    codes_text = ", ".join(f"{code}×{n}" for code, n in sorted(codes.items()))
    requests = sum(codes.values())
    print(f"gunicorn: {requests} requests logged ({codes_text})")
    python, postgres = watch.used("gunicorn"), watch.used("postgres")
    if requests:
        per_request = (python + postgres) / requests * 1000
        cores = os.cpu_count() or 1
        print(f"cpu:      gunicorn {python:.0f} s, PostgreSQL {postgres:.0f} s, locust "
              f"{locust_seconds:.0f} s in {seconds:.0f} s: {python / requests * 1000:.0f} + "
              f"{postgres / requests * 1000:.0f} ms a request, so {cores} free cores would serve "
              f"about {cores * 1000 / per_request:.0f} requests/s")  # fmt: skip
    print(f"load average (1, 5, 15 min) at the start {started_load}, at the end {ended_load} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    unexpected = sum(n for code, n in codes.items() if code not in (200, 302))
    if failures or unexpected:
        print(f"{failures} requests failed, {unexpected} answered neither 200 nor 302 "
              f"(see above, {data_dir / 'load-locust.log'} and {log_path})")  # fmt: skip
        sys.exit(1)
    print("no request failed")


if __name__ == "__main__":
    main()
