"""The service desk: tickets, their conversation, time, attachments, assets and history.

Nothing here changes a ticket by itself: every change goes through desk.services, which records
a TicketEvent. The SLA fields on Ticket are a cache derived from those events (desk.sla).
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from goodwill.clients.models import Client, Person, Site
from goodwill.contracts.models import Contract
from goodwill.core.choices import Priority

# Ticket numbers are shown as GW-<number>; the offset makes the first ticket GW-10001.
NUMBER_OFFSET = 10000


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_CLIENT = "waiting_client", "Waiting on client"
    WAITING_THIRD_PARTY = "waiting_third_party", "Waiting on third party"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING_CLIENT,
    TicketStatus.WAITING_THIRD_PARTY,
)
# The SLA clocks stop while we wait on someone else.
PAUSED_STATUSES = (TicketStatus.WAITING_CLIENT, TicketStatus.WAITING_THIRD_PARTY)
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def open_only() -> RawSQL:
    """`status IN ('new', …)` with the values written out, exactly as the partial indexes say.

    SQLite uses a partial index only when the query's WHERE contains the index's condition
    term for term; a bound parameter list does not count (EXPLAIN QUERY PLAN shows a scan of
    ticket_status_recent and a temporary sort instead).
    """
    values = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    column = f"{connection.ops.quote_name('desk_ticket')}.{connection.ops.quote_name('status')}"
    # Constants from TicketStatus only: no user input reaches this SQL.
    return RawSQL(f"{column} IN ({values})", [], output_field=models.BooleanField())  # noqa: S611  # constants only, no user input  # nosec B611


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    API = "api", "API"
    STAFF = "staff", "Staff"


class Impact(models.IntegerChoices):
    HIGH = 1, "Whole company"
    MEDIUM = 2, "A team or a site"
    LOW = 3, "One person"


class Urgency(models.IntegerChoices):
    HIGH = 1, "Work has stopped"
    MEDIUM = 2, "Work is hampered"
    LOW = 3, "It can wait"


# ITIL-style matrix: priority from impact × urgency.
PRIORITY_MATRIX: dict[tuple[int, int], str] = {
    (1, 1): Priority.P1, (1, 2): Priority.P2, (1, 3): Priority.P3,
    (2, 1): Priority.P2, (2, 2): Priority.P3, (2, 3): Priority.P4,
    (3, 1): Priority.P3, (3, 2): Priority.P4, (3, 3): Priority.P4,
}  # fmt: skip


def priority_for(impact: int, urgency: int) -> str:
    return PRIORITY_MATRIX[(int(impact), int(urgency))]


class Category(models.TextChoices):
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software"
    NETWORK = "network", "Network and internet"
    EMAIL = "email", "E-mail"
    ACCOUNTS = "accounts", "Accounts and passwords"
    PRINTING = "printing", "Printing"
    BACKUP = "backup", "Backup"
    SECURITY = "security", "Security"
    MAINTENANCE = "maintenance", "Preventive maintenance"
    OTHER = "other", "Other"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssetType(models.TextChoices):
    LAPTOP = "laptop", "Laptop"
    DESKTOP = "desktop", "Desktop"
    SERVER = "server", "Server"
    PRINTER = "printer", "Printer"
    NETWORK = "network", "Network device"
    PHONE = "phone", "Phone or tablet"
    OTHER = "other", "Other"


class Asset(models.Model):
    """A device the contract covers, light inventory only."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assets")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL)
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    name = models.CharField(max_length=120)
    asset_type = models.CharField(max_length=10, choices=AssetType.choices, default=AssetType.OTHER)
    serial = models.CharField(max_length=120, blank=True)
    assigned_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    warranty_end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "serial"],
                condition=~models.Q(serial=""),
                name="asset_serial_unique_per_client",
                violation_error_message="This client already has a device with this serial.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    number = models.PositiveIntegerField(unique=True, null=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tickets")
    requester = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tickets")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL)
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.MEDIUM)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.STAFF)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    recurring = models.ForeignKey(
        "RecurringTicket", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    recurring_due_at = models.DateTimeField(null=True, blank=True)

    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # --- Cache derived by desk.sla from the event log; never edited directly. ---
    # The requester's weightiest stakeholder role when the ticket last changed.
    requester_role = models.CharField(max_length=20, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused = models.BooleanField(default=False)
    sla_breached = models.BooleanField(default=False)
    # Lower is more urgent: the next SLA deadline, brought forward for the people who matter.
    queue_key = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            # The queue: open tickets by urgency. Partial, so it stays small as history grows.
            models.Index(
                fields=["queue_key", "id"],
                name="ticket_queue_open",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["assignee", "queue_key", "id"],
                name="ticket_queue_assignee_open",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["client", "queue_key", "id"],
                name="ticket_queue_client_open",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["client", "-opened_at"], name="ticket_client_recent"),
            models.Index(fields=["requester", "-opened_at"], name="ticket_requester_recent"),
            models.Index(fields=["status", "-opened_at", "-id"], name="ticket_status_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recurring", "recurring_due_at"],
                condition=models.Q(recurring__isnull=False),
                name="ticket_one_per_recurring_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("desk:ticket", args=[self.number])

    @property
    def reference(self) -> str:
        return f"GW-{self.number}" if self.number else "GW-…"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Message(models.Model):
    """One turn of the conversation: a public reply or an internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    internal = models.BooleanField(
        default=False, help_text="An internal note, never shown to the client."
    )
    body = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.ticket.reference} message {self.pk}"

    @property
    def author_name(self) -> str:
        author = self.author_user or self.author_person
        return str(author) if author else "Unknown"

    @property
    def from_staff(self) -> bool:
        return self.author_user_id is not None


def attachment_path(instance: Attachment, filename: str) -> str:
    # A generated name: the original never reaches the file system (no traversal, no clashes).
    suffix = PurePath(filename).suffix.lower()[:10]
    token = secrets.token_hex(16)
    return f"attachments/{timezone.now():%Y/%m}/{token}{suffix if suffix.isascii() else ''}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename


class TimeEntry(models.Model):
    """Time spent on a ticket. Covered time counts against the contract's included hours."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="time_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField()
    billable = models.BooleanField(
        default=False,
        help_text="Outside the contract: invoiced on its own. Otherwise it uses included hours.",
    )
    note = models.CharField(max_length=255, blank=True)
    work_date = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-work_date", "-id"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["contract", "work_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0), name="time_entry_minutes_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket.reference}"


class EventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    REPLIED = "replied", "Replied"
    CLIENT_REPLIED = "client_replied", "Client replied"
    NOTE = "note", "Internal note"
    STATUS = "status", "Status changed"
    PRIORITY = "priority", "Priority changed"
    ASSIGNED = "assigned", "Assigned"
    TIME = "time", "Time logged"
    ATTACHED = "attached", "File attached"
    MERGED = "merged", "Merged"
    SPLIT = "split", "Split"
    TAGGED = "tagged", "Tags changed"
    SLA_DUE_SOON = "sla_due_soon", "SLA due soon"
    SLA_BREACHED = "sla_breached", "SLA breached"


class TicketEvent(models.Model):
    """The ticket's history, and the input from which its SLA state is derived."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    # For events that must happen once (e.g. "first response breached"): unique with the kind.
    once_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "once_key"],
                condition=~models.Q(once_key=""),
                name="ticket_event_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"


class RecurringTicket(models.Model):
    """Preventive maintenance on a schedule ("monthly backup check"), raised by the worker."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="recurring_tickets")
    requester = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P4)
    category = models.CharField(
        max_length=20, choices=Category.choices, default=Category.MAINTENANCE
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    next_due_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_due_at"]
        indexes = [models.Index(fields=["active", "next_due_at"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_frequency_display().lower()})"
