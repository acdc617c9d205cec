"""Benchmark the happiness engine: backfill, full recompute, and one new signal → scores.

Usage (from the repository root):

    .venv/bin/python bench/happiness.py                                # 50 clients, 50k tickets
    .venv/bin/python bench/happiness.py --clients 500 --people 20000 --tickets 1000000
    .venv/bin/python bench/happiness.py --existing /tmp/gw-1m          # a kept demo database
    .venv/bin/python bench/happiness.py --existing /tmp/gw-1m --no-backfill   # measured again

Builds the demo's portfolio and tickets (desk only) on a fresh SQLite database in a temporary
GOODWILL_DATA_DIR (or reuses one kept by bench/demo_tickets.py --keep), backfills signals from
the tickets, then times:
  - the full recompute of every person and client score (target ≤ 10 s at 500 clients,
    20,000 people, 1,000,000 tickets), best of three;
  - one new signal through record_signal until the person's and the client's scores are
    updated (target ≤ 20 ms), over 50 people picked at random.
Each figure comes with its CPU time (time.process_time), and the recompute with its phases:
on a shared machine the wall clock mostly measures the other processes.
Your real var/ database is never touched.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--existing", type=Path, help="A GOODWILL_DATA_DIR with a demo database.")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument(
        "--no-backfill", action="store_true",
        help="With --existing: skip the backfill (signals already there from an earlier run).",
    )
    args = parser.parse_args()
    if args.no_backfill and args.existing is None:
        parser.error("--no-backfill needs --existing (a new database has no signals yet)")

    data_dir = args.existing.resolve() if args.existing else Path(
        tempfile.mkdtemp(prefix="goodwill-happiness-")
    )
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ["GOODWILL_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from goodwill.clients.models import Client, Person
        from goodwill.desk.models import Ticket
        from goodwill.happiness import backfill, scores
        from goodwill.happiness.models import Signal, SignalKind
        from goodwill.happiness.signals import record_signal

        if args.existing is None:
            from goodwill.demo.generator import DemoOptions, generate

            call_command("migrate", interactive=False, verbosity=0)
            started = time.perf_counter()
            generate(DemoOptions(clients=args.clients, people=args.people, tickets=args.tickets,
                                 seed=args.seed, extras=False, write_logins=False))
            print(f"demo built in {time.perf_counter() - started:.1f} s")
        else:
            call_command("migrate", interactive=False, verbosity=0)

        print(f"portfolio: {Client.objects.count():,} clients, {Person.objects.count():,} "
              f"people, {Ticket.objects.count():,} tickets")
        if not args.no_backfill:
            started, cpu = time.perf_counter(), time.process_time()
            filled = backfill.backfill()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"backfill:  {filled.considered:,} signals in {wall:.1f} s (CPU {cpu:.1f} s; "
                  f"{Signal.objects.count():,} in the table)")
        else:
            print(f"backfill:  skipped ({Signal.objects.count():,} signals in the table)")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        results = [scores.recompute_all() for _ in range(3)]
        best = min(results, key=lambda r: r.seconds)
        print(f"full recompute: best {best.seconds:.2f} s (CPU {best.cpu_seconds:.2f} s), runs "
              + ", ".join(f"{r.seconds:.2f}/{r.cpu_seconds:.2f}" for r in results)
              + f" wall/CPU s ({best.people:,} people, {best.clients:,} clients; target ≤ 10 s)")
        print("  best run by phase (wall/CPU s): " + ", ".join(
            f"{name} {wall:.2f}/{cpu:.2f}" for name, (wall, cpu) in best.phases.items()))

        rng = random.Random(args.seed)  # noqa: S311
        ids = list(Person.objects.filter(is_active=True).values_list("pk", flat=True))
        people = Person.objects.in_bulk(rng.sample(ids, min(args.samples, len(ids))))
        timings, cpu_timings = [], []
        for n, person in enumerate(people.values()):
            started, cpu = time.perf_counter(), time.process_time()
            record_signal(kind=SignalKind.CALL, value=0.3, occurred_at=timezone.now(),
                          person=person, key=f"bench:{time.time_ns()}:{n}", note="bench call")
            timings.append((time.perf_counter() - started) * 1000)
            cpu_timings.append((time.process_time() - cpu) * 1000)
        for label, values in (("wall", timings), ("CPU ", cpu_timings)):
            values.sort()
            p95 = values[max(0, int(len(values) * 0.95) - 1)]
            print(f"one new signal → person and client rescored ({label}): median "
                  f"{statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {values[-1]:.1f} ms"
                  f" over {len(values)} people (target ≤ 20 ms)")
        Signal.objects.filter(key__startswith="bench:").delete()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        if args.existing is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
