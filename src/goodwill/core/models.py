from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Claimable(models.Model):
    """The fields core.claims needs on a queue of things to send: claim, send, record, retry."""

    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboundMessage(Claimable):
    """One e-mail on its way out: every outbound message is a row here first (the outbox).

    The worker claims a row with a conditional UPDATE, sends it and records the result on the
    same row, so a retry after an SMTP failure reuses it and two workers never send it twice.
    Producers pass a `dedupe_key` ("invoice:12:reminder:1") so enqueueing twice is harmless.
    """

    kind = models.CharField(max_length=40, help_text="What this is: ticket.reply, invoice…")
    context = models.CharField(
        max_length=100, blank=True, db_index=True,
        help_text="What it is about, for people and filters: ticket:GW-10432, invoice:INV-…",
    )
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    message_id = models.CharField(max_length=255, unique=True)
    from_email = models.CharField(max_length=300)
    to = models.JSONField(default=list)
    # The first recipient's bare address, lower-cased: for per-address budgets and lookups.
    recipient = models.CharField(max_length=320, db_index=True, blank=True)
    cc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(
        default=True, help_text="Sent by Goodwill on its own (Auto-Submitted: auto-generated)."
    )
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["-created_at", "-id"], name="core_outbox_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class OutboundAttachment(models.Model):
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


class WorkerHeartbeat(models.Model):
    """The last time each `goodwill worker` process was alive, for /healthz.

    In the database rather than the cache so a monitor asking any app server sees the workers
    of every machine. One row per process ("host:pid"), rewritten at most every half minute.
    """

    worker = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
