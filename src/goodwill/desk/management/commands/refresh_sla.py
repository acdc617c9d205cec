"""`goodwill refresh_sla`: recompute the SLA deadlines of every open ticket.

Run it after changing an SLA policy or business hours: deadlines are cached on each ticket
when it changes, so existing tickets keep the old ones until refreshed.
"""

from django.core.management.base import BaseCommand

from goodwill.desk.services import refresh_open_tickets


class Command(BaseCommand):
    help = "Recompute the SLA deadlines of every open ticket (after editing policies or hours)."

    def handle(self, *args: object, **options: object) -> None:
        count = refresh_open_tickets()
        self.stdout.write(f"SLA deadlines recomputed for {count} open ticket(s).")
