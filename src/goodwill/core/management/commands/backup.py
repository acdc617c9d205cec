"""`goodwill backup [--output PATH]`: one archive with the database and the stored files.

See goodwill.core.backup for what the archive holds and docs/backup.md for how to use it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.core import backup


class Command(BaseCommand):
    help = (
        "Write one archive (tar.gz) with the database and the stored files: attachments and "
        "raw mail. It holds everything, passwords' hashes included: keep it like the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            help="the archive to write, or a folder for goodwill-backup-<UTC time>.tar.gz "
            "(default: that name in the current folder)",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing but errors")

    def handle(self, *args: object, **options: object) -> None:
        quiet = bool(options["quiet"])
        progress = backup.Progress() if quiet else backup.TerminalProgress(self.stderr._out)  # type: ignore[attr-defined]
        try:
            result = backup.write_backup(options["output"], progress)  # type: ignore[arg-type]
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if result.vanished:
            self.stderr.write(
                f"{len(result.vanished)} file(s) were deleted while the backup ran and are not "
                f"in it: {', '.join(result.vanished[:5])}"
            )
        if not quiet:
            self.stdout.write(
                f"Wrote {result.path} ({backup.human_size(result.size)}): {result.tables} "
                f"tables, {result.rows:,} rows, {result.files:,} files "
                f"({backup.human_size(result.files_size)}).\n"
                "It holds the whole database; it is readable by its owner only. Store it "
                "as carefully as the database itself."
            )
