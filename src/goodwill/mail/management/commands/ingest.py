"""`goodwill ingest FILE.eml…` or `goodwill ingest --maildir PATH`: take in mail by hand.

Each message is stored first and processed on its own; one bad message is quarantined and the
rest go on. Running it again over the same files adds nothing (the unique key on the mailbox
and Message-ID, or the hash), and it first finishes messages a killed run stored but did not
process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError
from tqdm import tqdm

from goodwill.happiness.signals import deferred_scoring
from goodwill.mail import batch, intake
from goodwill.mail.models import Mailbox, MailboxKind

CHUNK = 200


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def maildir_files(path: Path) -> list[Path]:
    """Messages in a Maildir's new/ and cur/ (tmp/ is still being written by the MDA)."""
    found: list[Path] = []
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir():
            found += sorted(
                p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
            )
    return found


def maildir_mailbox(path: Path) -> Mailbox:
    resolved = str(path.resolve())
    mailbox = Mailbox.objects.filter(kind=MailboxKind.MAILDIR, maildir_path=resolved).first()
    if mailbox is None:
        name = f"Maildir {resolved}"[-100:]
        mailbox, _ = Mailbox.objects.get_or_create(
            name=name, defaults={"kind": MailboxKind.MAILDIR, "maildir_path": resolved}
        )
    return mailbox


class Command(BaseCommand):
    help = "Take in e-mail from .eml files or a Maildir: tickets, replies, bounces, triage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help=".eml files (one raw message each)")
        parser.add_argument("--maildir", help="a Maildir folder: reads new/ and cur/")
        parser.add_argument("--mailbox", help="the name of the mailbox to file them under")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: object, **options: object) -> None:
        try:
            self._ingest(options)
        except OperationalError as error:
            # Locked or unreachable: whatever was stored is kept (and finished by the next run);
            # trying every remaining message would wait out the timeout once per message.
            raise CommandError(
                f"The database is unavailable ({error}); stopped. Messages already stored are "
                "kept; run the command again to take in the rest."
            ) from error

    def _ingest(self, options: dict) -> None:
        files = [Path(f) for f in options["files"]]  # type: ignore[union-attr]
        maildir = options.get("maildir")
        if not files and not maildir:
            raise CommandError("Give .eml files or --maildir PATH.")
        if options.get("mailbox"):
            mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"No mailbox named {options['mailbox']!r}.")
        elif maildir:
            mailbox = maildir_mailbox(Path(maildir))  # type: ignore[arg-type]
        else:
            mailbox = intake.mailbox_for("By hand (goodwill ingest)")
        if maildir:
            root = Path(maildir)  # type: ignore[arg-type]
            if not (root / "new").is_dir() and not (root / "cur").is_dir():
                raise CommandError(f"{root} is not a Maildir (no new/ or cur/ folder).")
            files += maildir_files(root)

        cache = intake.IntakeCache()
        counts: Counter[str] = Counter()
        recovered = intake.process_pending(mailbox, cache)
        if recovered:
            counts["finished from an earlier run"] = recovered
        # A chunk at a time (mail.batch): stored, then written in a few statements, and the
        # people's happiness rescored once per chunk rather than after every message.
        for chunk in _chunks(self._progress(files, options), CHUNK):
            items = []
            for path in chunk:
                try:
                    items.append((path.read_bytes(), path.name))
                except OSError as error:
                    counts["failed to store"] += 1
                    self.stderr.write(f"{path}: {type(error).__name__}: {error}")
            with deferred_scoring():
                for inbound in batch.receive_many(items, mailbox=mailbox, cache=cache):
                    counts["duplicates" if inbound.duplicate else inbound.status] += 1
        self.stdout.write(self._summary(len(files), counts))
        if counts["failed to store"]:
            raise CommandError(f"{counts['failed to store']} file(s) could not be stored.")

    def _progress(self, files: list[Path], options: dict) -> Iterator[Path]:
        yield from tqdm(
            files,
            desc="Ingesting",
            unit="msg",
            disable=options["no_progress"] or None,
            file=self.stderr._out,  # type: ignore[attr-defined]
        )

    @staticmethod
    def _summary(total: int, counts: Counter[str]) -> str:
        order = ["ticket", "reply", "bounce", "triage", "quarantined", "duplicates"]
        labels = {"ticket": "tickets", "reply": "replies", "bounce": "bounces"}
        parts = [f"{counts.get(k, 0)} {labels.get(k, k)}" for k in order]
        parts += [f"{v} {k}" for k, v in counts.items() if k not in order]
        return f"{total} message(s): " + ", ".join(parts) + "."
