"""`goodwill import_history history.jsonl`: bring years of history from another desk.

One JSON object per line with a "type" (client, person, ticket, message, survey_answer) and the
record's "id" in the old desk; format in the README. Safe to run again: records already
imported are found by their id and skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from goodwill.accounts.models import User
from goodwill.api import importing


class Command(BaseCommand):
    help = "Import clients, people, tickets, messages and survey answers from a JSON Lines file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .jsonl file, one record per line")
        parser.add_argument(
            "--as", dest="staff", help="username staff messages are written as when their "
            "author is not a Goodwill username (default: the first owner)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        staff = None
        if options["staff"]:
            staff = User.objects.filter(username=options["staff"]).exclude(role="").first()
            if staff is None:
                raise CommandError(f"No staff user {options['staff']!r}.")
        show = not options["no_progress"] and options["verbosity"] > 0
        try:
            with tqdm(total=len(lines), desc="Importing", unit="line", disable=not show) as bar:
                result = importing.run(lines, staff=staff, progress=bar.update)
        except importing.LineError as exc:
            raise CommandError(str(exc)) from exc
        for number, error in result.errors:
            self.stderr.write(f"line {number}: {error}")
        self.stdout.write(f"{result.lines} lines read. {result.summary()}.")
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} line(s) were not imported (listed above); every other "
                "record is in. Fix them and run the file again: imported records are skipped."
            )
        self.stdout.write(self.style.SUCCESS("Import finished."))
