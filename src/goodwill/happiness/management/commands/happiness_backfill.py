"""goodwill happiness_backfill: rebuild signals from existing tickets, then every score."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Record signals from existing tickets, events and messages (idempotent), then rescore."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-recompute", action="store_true", help="Only the signals.")

    def handle(self, *args, **options) -> None:
        from goodwill.happiness.backfill import backfill
        from goodwill.happiness.scores import recompute_all

        self.stdout.write(str(backfill()))
        if not options["no_recompute"]:
            self.stdout.write(str(recompute_all()))
