"""`goodwill run`: what `make run` calls. Migrate, seed the demo on an empty database, serve."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from goodwill.clients.models import Client

LOGINS_FILE = "demo-logins.txt"


class Command(BaseCommand):
    help = "Set up the database (migrate, demo data when empty) and serve on 127.0.0.1:$PORT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve.")
        parser.add_argument("--no-demo", action="store_true", help="Never seed demo data.")

    def handle(self, *args: object, **options: object) -> None:
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        # WhiteNoise serves from the app folders, but wants its root to exist.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Database ready: ") + _describe_database())
        seeded = False
        if not options["no_demo"] and not Client.objects.exists():
            self.stdout.write("Empty database: seeding the demo portfolio…")
            call_command("demo", stdout=self.stdout)  # prints the logins it creates
            seeded = True
        # `goodwill worker` renews hourly; catching up here too serves installs that run none.
        call_command("renew_contracts", stdout=self.stdout)
        logins = Path(settings.DATA_DIR) / LOGINS_FILE
        if logins.exists() and not seeded:
            for path in (logins, logins.with_name("demo-portal-logins.txt")):  # + portal/demo.py
                self.stdout.write("\n" + path.read_text() if path.exists() else "")
        port = os.environ.get("PORT", "8000")
        if options["no_serve"]:
            return
        self.stdout.write(self.style.SUCCESS(f"Goodwill is at http://127.0.0.1:{port}/"))
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)


def _describe_database() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite at {db['NAME']}"
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    return f"{engine} database {db['NAME']} on {db.get('HOST') or 'localhost'}"
