"""Benchmark the demo generator on a fresh, throwaway SQLite database.

Usage (from the repository root):

    .venv/bin/python bench/demo_seed.py                          # 500 clients, 20,000 people
    .venv/bin/python bench/demo_seed.py --clients 100 --people 4000 --seed 7

It points GOODWILL_DATA_DIR at a new temporary directory (and drops DATABASE_URL) before Django
starts, migrates the empty database, runs the generator, prints the time and rows per second,
and deletes the directory. Your real var/ database is never touched. The target is well under
60 s for the default size on two cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--progress", action="store_true", help="Show the progress bar.")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    with tempfile.TemporaryDirectory(prefix="goodwill-bench-") as data_dir:
        os.environ["GOODWILL_DATA_DIR"] = data_dir
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from goodwill.demo.generator import DemoOptions, generate, summary_text

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - started

        options = DemoOptions(
            clients=args.clients, people=args.people, seed=args.seed, progress=args.progress
        )
        started = time.perf_counter()
        result = generate(options, stderr=sys.stderr)
        seconds = time.perf_counter() - started
        connection.close()

        print(f"database:  {connection.settings_dict['NAME']} (migrated in {migrated:.1f} s)")
        print(summary_text(result))
        print(f"seed:      {args.clients} clients, {args.people} people, seed {args.seed}")
        print(f"time:      {seconds:.2f} s")
        print(f"rows:      {result.rows} ({result.rows / seconds:,.0f} rows/s)")
        print(f"people:    {result.people / seconds:,.0f} people/s")


if __name__ == "__main__":
    main()
