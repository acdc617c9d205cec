"""Mail intake: mailboxes, every raw message received, and what became of it.

The rule (RELIABILITY.md §2): store the raw bytes first, under their sha256, with a unique key
on (mailbox, Message-ID or hash); process in a separate transaction; a message that cannot be
processed is quarantined with its reason, never dropped and never allowed to stop the batch.
Outbound mail lives in the outbox (core.OutboundMessage).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from goodwill.clients.models import Client, Person
from goodwill.desk.models import Message, Ticket


class MailboxKind(models.TextChoices):
    IMAP = "imap", "IMAP"
    MAILDIR = "maildir", "Maildir"
    WEBHOOK = "webhook", "Inbound webhook"
    MANUAL = "manual", "By hand (goodwill ingest)"


class Mailbox(models.Model):
    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(blank=True, help_text="The support address clients write to.")
    kind = models.CharField(max_length=10, choices=MailboxKind.choices)
    is_active = models.BooleanField(default=True)
    # IMAP: the password comes from the environment variable named here, never the database.
    imap_host = models.CharField(max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True)
    imap_user = models.CharField(max_length=200, blank=True)
    imap_password_env = models.CharField(max_length=100, blank=True)
    imap_folder = models.CharField(max_length=200, default="INBOX")
    # UIDs are only meaningful with their UIDVALIDITY: when it changes, start over (the unique
    # key on InboundMail keeps that from duplicating anything).
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_last_uid = models.BigIntegerField(default=0)
    maildir_path = models.CharField(max_length=500, blank=True)
    # One poller per mailbox at a time: a lease taken with a conditional UPDATE.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Stored, not processed yet"
    TICKET = "ticket", "Opened a ticket"
    REPLY = "reply", "Added to a ticket"
    BOUNCE = "bounce", "Bounce attached to a ticket"
    TRIAGE = "triage", "Unknown sender, waiting for triage"
    QUARANTINED = "quarantined", "Quarantined"
    DISCARDED = "discarded", "Discarded by staff"


class InboundMail(models.Model):
    """One raw message as received. Created before anything is parsed or acted on."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    # Message-ID when there is one, else "sha256:<hex>": the same message delivered twice
    # (a re-poll, a retried webhook, a killed batch run again) is one row.
    dedupe_key = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True, help_text="Without the <>.")
    sha256 = models.CharField(max_length=64, db_index=True)
    raw_path = models.CharField(max_length=200, help_text="Under MEDIA_ROOT, named by sha256.")
    size = models.PositiveIntegerField()
    source = models.CharField(
        max_length=200, blank=True, help_text="IMAP UID, Maildir file name, webhook id…"
    )
    received_at = models.DateTimeField(default=timezone.now)
    # Filled in by processing (blank when the headers could not be read).
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The Date header.")
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.TextField(blank=True, help_text="Why it was quarantined or triaged.")
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    # The conversation turn it became (its body is the new text; the raw keeps the rest).
    ticket_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "dedupe_key"], name="mail_inbound_once_per_mailbox"
            )
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["message_id"]),
        ]

    # Set (not stored) by intake.receive when the message was already there.
    duplicate = False

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_address or '?'}"


class ThreadRef(models.Model):
    """A Message-ID that belongs to a ticket: received in it, or sent by us about it.

    Threading looks up In-Reply-To and References here before it trusts a subject token.
    """

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="thread_refs")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.message_id} → {self.ticket_id}"


class Undeliverable(models.Model):
    """An address that bounced: Goodwill stops sending automatic mail to it."""

    address = models.CharField(max_length=320, unique=True)
    since = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    bounce = models.ForeignKey(
        InboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.address


class WebhookReceipt(models.Model):
    """Tokens of inbound webhook calls already accepted: a replayed call is refused."""

    token = models.CharField(max_length=200, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.token
