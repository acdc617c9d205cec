"""Time the billing jobs and pages on the demo portfolio, in a throwaway SQLite database.

Usage (from the repository root):

    .venv/bin/python bench/billing_run.py                  # 500 clients
    .venv/bin/python bench/billing_run.py --clients 30

It builds the demo (a year of invoices and payments) in a new temporary directory, then times:
the billing demo seed, the invoice run (first and second time: the second must create nothing),
the reminders job, and the ageing, revenue and invoice-list pages rendered by the test client
as the owner (with their query counts). Your real var/ database is never touched.
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
    parser.add_argument("--tickets", type=int, default=2000)
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
        from django.test import Client as HttpClient
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        import goodwill.billing.demo as billing_demo
        from goodwill.accounts.models import User
        from goodwill.billing.models import Invoice
        from goodwill.billing.reminders import send_due_reminders
        from goodwill.billing.run import run_invoicing
        from goodwill.demo.generator import DemoOptions, generate

        setup_test_environment()
        call_command("migrate", interactive=False, verbosity=0)
        timings: dict[str, float] = {}
        real_seed = billing_demo.seed

        def timed_seed(context):
            started = time.perf_counter()
            line = real_seed(context)
            timings["seed"] = time.perf_counter() - started
            return line

        billing_demo.seed = timed_seed
        generate(DemoOptions(clients=args.clients, tickets=args.tickets, write_logins=False))
        print(f"demo seed:       {timings['seed']:.2f} s, {Invoice.objects.count()} invoices")

        for attempt in ("first", "second"):
            started = time.perf_counter()
            created = run_invoicing()
            print(f"invoice run ({attempt}): {time.perf_counter() - started:.2f} s, "
                  f"{created} drafts")
        started = time.perf_counter()
        sent = send_due_reminders()
        print(f"reminders job:   {time.perf_counter() - started:.2f} s, {sent} levels")

        owner = User.objects.filter(role="owner").first()
        http = HttpClient()
        http.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
        for url in ("/billing/invoices/", "/billing/ageing/", "/billing/revenue/"):
            http.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                status = http.get(url).status_code
                took = time.perf_counter() - started
            print(f"{url:<20} {status} {took * 1000:.0f} ms, {len(queries)} queries")
        connection.close()


if __name__ == "__main__":
    main()
