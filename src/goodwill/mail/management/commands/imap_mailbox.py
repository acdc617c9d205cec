"""`goodwill imap_mailbox NAME --host … --user … --password-env VAR`: set up an IMAP mailbox.

Creates or updates the mailbox, then logs in and selects the folder to prove the settings work
(`--no-check` skips that). `--poll` fetches what is new right away, as the worker does every
minute. The password itself never reaches the database: only the name of the environment
variable that holds it, which the worker's environment must also have.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.mail import imap
from goodwill.mail.models import Mailbox, MailboxKind


class Command(BaseCommand):
    help = "Create or update an IMAP mailbox, check that it logs in, optionally poll it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A name for the mailbox, e.g. support")
        parser.add_argument("--host", help="IMAP server, e.g. imap.example.com")
        parser.add_argument("--port", type=int, help="993 with TLS (the default), 143 without")
        parser.add_argument("--user", help="IMAP login")
        parser.add_argument(
            "--password-env", help="Name of the environment variable holding the password"
        )
        parser.add_argument("--folder", help="Folder to read (INBOX)")
        parser.add_argument("--address", help="The support address clients write to")
        parser.add_argument(
            "--no-ssl", action="store_true", help="Plain IMAP (STARTTLS unless on loopback)"
        )
        parser.add_argument("--disable", action="store_true", help="Stop polling this mailbox")
        parser.add_argument("--no-check", action="store_true", help="Do not log in to check")
        parser.add_argument(
            "--from-now",
            action="store_true",
            help="Ignore the mail already in the folder: only what arrives from now on",
        )
        parser.add_argument("--poll", action="store_true", help="Fetch new mail now")

    def handle(self, *args: object, **options: object) -> None:
        name = str(options["name"])
        mailbox = Mailbox.objects.filter(name=name).first()
        if mailbox is not None and mailbox.kind != MailboxKind.IMAP:
            raise CommandError(f"Mailbox {name!r} exists and is a {mailbox.get_kind_display()}.")
        mailbox = mailbox or Mailbox(name=name, kind=MailboxKind.IMAP)
        fields = {
            "imap_host": options["host"],
            "imap_port": options["port"],
            "imap_user": options["user"],
            "imap_password_env": options["password_env"],
            "imap_folder": options["folder"],
            "address": options["address"],
        }
        for field, value in fields.items():
            if value is not None:
                setattr(mailbox, field, value)
        if options["no_ssl"]:
            mailbox.imap_ssl = False
            if options["port"] is None and mailbox.imap_port == 993:
                mailbox.imap_port = 143
        mailbox.is_active = not options["disable"]
        missing = [
            flag
            for flag, value in (
                ("--host", mailbox.imap_host),
                ("--user", mailbox.imap_user),
                ("--password-env", mailbox.imap_password_env),
            )
            if not value
        ]
        if missing:
            raise CommandError("Missing " + ", ".join(missing) + ".")
        created = mailbox.pk is None
        mailbox.save()
        self.stdout.write(
            f"{'Created' if created else 'Updated'} mailbox {mailbox.name}: "
            f"{mailbox.imap_user}@{mailbox.imap_host}:{mailbox.imap_port}/{mailbox.imap_folder}"
            f"{'' if mailbox.imap_ssl else ' (no TLS)'}{'' if mailbox.is_active else ', disabled'}"
        )
        if not options["no_check"]:
            try:
                with imap.connect(mailbox) as client:
                    info = client.select_folder(mailbox.imap_folder, readonly=True)
            except Exception as error:  # noqa: BLE001 - shown to the person setting it up
                raise CommandError(f"Could not read the mailbox: {error}") from error
            self.stdout.write(
                f"Logged in: {int(info.get(b'EXISTS', 0))} messages in {mailbox.imap_folder}, "
                f"UIDVALIDITY {int(info[b'UIDVALIDITY'])}."
            )
            if options["from_now"]:
                # Start after the newest UID of this UIDVALIDITY: older mail stays untouched.
                Mailbox.objects.filter(pk=mailbox.pk).update(
                    imap_uidvalidity=int(info[b"UIDVALIDITY"]),
                    imap_last_uid=int(info[b"UIDNEXT"]) - 1,
                )
                self.stdout.write("Existing messages are left alone; new ones will be fetched.")
        elif options["from_now"]:
            raise CommandError("--from-now needs to log in: leave out --no-check.")
        if options["poll"]:
            fetched = imap.poll_mailbox(mailbox)
            self.stdout.write(f"Fetched {fetched} new message{'s' if fetched != 1 else ''}.")
