"""goodwill happiness_recompute: rebuild every person and client score from the signals."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute every person's happiness and every client's health from the signals."

    def handle(self, *args, **options) -> None:
        from goodwill.happiness.scores import recompute_all

        self.stdout.write(str(recompute_all()))
