"""`goodwill renew_contracts`: extend auto-renewing contracts whose term has ended.

Safe to run as often as you like (daily from cron until the worker runs it); missed days catch up.
"""

from django.core.management.base import BaseCommand

from goodwill.contracts.services import roll_over_auto_renewals


class Command(BaseCommand):
    help = "Extend auto-renewing contracts whose term has ended."

    def handle(self, *args: object, **options: object) -> None:
        count = roll_over_auto_renewals()
        self.stdout.write(f"{count} auto-renewing contract{'s' if count != 1 else ''} extended.")
