"""`goodwill import FILE [--commit]`: preview or import clients and people from CSV/XLSX.

A `.jsonl` file is a history moved in from another desk: it is handed to `import_history`
(the API app's importer), which imports each record all or nothing and skips records already in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from goodwill.clients import importing

HISTORY_SUFFIXES = (".jsonl", ".ndjson")


class Command(BaseCommand):
    help = (
        "Import clients and people from a .csv or .xlsx file (one row per person). "
        "Without --commit, only shows what would happen and exits non-zero if any row has an "
        "error. With --commit, imports all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="the .csv or .xlsx file (or a .jsonl history, see README)"
        )
        parser.add_argument(
            "--commit", action="store_true", help="write to the database (all or nothing)"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar while committing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        verbosity: int = options["verbosity"]
        if path.suffix.lower() in HISTORY_SUFFIXES:
            call_command(
                "import_history", str(path), no_progress=options["no_progress"],
                stdout=self.stdout, stderr=self.stderr,
            )  # fmt: skip
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        try:
            preview = importing.build_preview(data, path.name)
        except importing.ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc

        self._print_preview(preview, verbosity)
        if preview.has_errors:
            raise CommandError(
                f"{preview.error_count} error(s) in {preview.error_rows} row(s); "
                "nothing was imported. Fix the file and run again."
            )
        if not options["commit"]:
            self.stdout.write("Dry run: nothing was written. Run again with --commit to import.")
            return
        if not preview.can_commit:
            self.stdout.write("Nothing new to import.")
            return

        show_bar = not options["no_progress"] and verbosity > 0
        with tqdm(
            total=len(preview.rows), desc="Importing", unit="row", disable=not show_bar
        ) as bar:
            try:
                result = importing.commit_import(data, path.name, progress=bar.update)
            except importing.ImportRejected as exc:  # the data changed since the preview
                self._print_errors(exc.preview)
                raise CommandError(str(exc)) from exc
            except importing.ImportCommitError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported: {result}."))
        self.stdout.write(
            f"clients created: {result.clients_created}\n"
            f"people created: {result.people_created}\n"
            f"roles given: {result.roles_created}\n"
            f"skipped: {result.skipped}"
        )

    def _print_preview(self, preview: importing.ImportPreview, verbosity: int) -> None:
        for warning in preview.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        if verbosity >= 2:
            for row in preview.rows:
                who = f" {row.full_name}" if row.has_person else ""
                who += f" <{row.email}>" if row.email else ""
                state = "ERROR" if row.is_error else row.action_label
                self.stdout.write(f"Row {row.number}: {row.company}{who} — {state}")
        self.stdout.write(
            f"{preview.filename}: {len(preview.rows)} row(s); "
            f"clients to create: {preview.clients_to_create}, "
            f"people to create: {preview.people_to_create}, "
            f"skipped: {preview.skipped}, errors: {preview.error_count}"
        )
        self._print_errors(preview)

    def _print_errors(self, preview: importing.ImportPreview) -> None:
        for error in preview.errors:
            self.stderr.write(self.style.ERROR(str(error)))
