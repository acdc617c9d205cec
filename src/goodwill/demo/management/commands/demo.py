"""`goodwill demo`: seed a realistic demo portfolio (clients, people, contracts, staff) and a
year of service-desk tickets.

    goodwill demo                                  # 30 clients, ~240 people, 1,500 tickets
    goodwill demo --clients 500 --people 20000     # benchmark-sized portfolio
    goodwill demo --clients 500 --people 20000 --tickets 1000000   # the desk benchmark
    goodwill demo --reset --seed 7                 # replace what is there with another portfolio
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.demo.generator import (
    DemoDataExists,
    DemoOptions,
    generate,
    logins_text,
    summary_text,
)


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Seed the database with a realistic, reproducible demo portfolio and staff logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=_non_negative, default=30, help="Default 30.")
        parser.add_argument(
            "--people", type=_non_negative, default=None,
            help="People across all clients (default: 8 per client).",
        )
        parser.add_argument(
            "--tickets", type=_non_negative, default=None,
            help="Tickets over the last year (default: 50 per client).",
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Same seed, same data (default 42)."
        )
        parser.add_argument(
            "--reset", action="store_true",
            help="Delete existing clients, contracts, SLA policies and demo staff first.",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--desk-only", action="store_true",
            help="Only the portfolio and the service desk, without mail, billing, scheduling "
            "and happiness data (for the desk benchmarks).",
        )

    def handle(self, *args: object, **options: object) -> None:
        # argparse gives ints (type=int) or None; int() states it for the type checker.
        clients = int(str(options["clients"]))
        seed = int(str(options["seed"]))
        people = None if options["people"] is None else int(str(options["people"]))
        tickets = None if options["tickets"] is None else int(str(options["tickets"]))
        demo = DemoOptions(
            clients=clients,
            people=people,
            tickets=tickets,
            seed=seed,
            reset=bool(options["reset"]),
            progress=not options["quiet"] and sys.stderr.isatty(),
            extras=not options["desk_only"],
        )
        try:
            result = generate(demo, stderr=sys.stderr)
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary_text(result)))
        if result.logins_path:
            self.stdout.write(f"Logins written to {result.logins_path}\n")
        self.stdout.write(logins_text(result))
