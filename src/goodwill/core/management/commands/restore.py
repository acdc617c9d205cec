"""`goodwill restore ARCHIVE`: bring back a `goodwill backup` archive, database then files.

Every entry is checked against the manifest before anything changes; a database that is in use
is only replaced with --force; the restored tables are checked against the manifest after.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.core import backup


class Command(BaseCommand):
    help = (
        "Restore a `goodwill backup` archive: the database and the stored files. "
        "Stop `goodwill serve` and `goodwill worker` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="a goodwill-backup-….tar.gz")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds data (and the files under MEDIA_ROOT)",
        )
        parser.add_argument(
            "--check", action="store_true", help="only check the archive; change nothing"
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing but errors")

    def handle(self, *args: object, **options: object) -> None:
        quiet = bool(options["quiet"])
        progress = backup.Progress() if quiet else backup.TerminalProgress(self.stderr._out)  # type: ignore[attr-defined]
        archive: Path = options["archive"]  # type: ignore[assignment]
        try:
            if options["check"]:
                manifest = backup.unpack(archive, None, progress)
                if not quiet:
                    self.stdout.write(self._checked(archive, manifest))
                return
            result = backup.restore(archive, force=bool(options["force"]), progress=progress)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if quiet:
            return
        made = result.manifest.get("created_at", "?")
        self.stdout.write(
            self.style.SUCCESS("Restored ")
            + f"the backup of {made}: {result.tables} tables with {result.rows:,} rows and "
            f"{result.files:,} files. Every row count and checksum matches the archive."
        )
        if result.extra_tables:
            self.stdout.write(
                "Tables not in the archive were left as they were: "
                + ", ".join(result.extra_tables)
            )
        if result.pending_migrations:
            self.stdout.write(
                f"The archive predates {result.pending_migrations} migration(s) of this "
                "Goodwill: run `goodwill migrate` before starting it."
            )

    @staticmethod
    def _checked(archive: Path, manifest: dict) -> str:
        tables = manifest["tables"]
        files = [name for name in manifest["members"] if name.startswith(f"{backup.MEDIA}/")]
        rows = sum(table["rows"] for table in tables.values())
        return (
            f"{archive} is intact: a {manifest['database']['vendor']} backup of "
            f"{manifest.get('created_at')} by Goodwill {manifest.get('goodwill_version')}, "
            f"{len(tables)} tables with {rows:,} rows and {len(files):,} files."
        )
