"""Invoices, payments, credit notes and the reminder ledger.

Money is Decimal everywhere (DecimalField, 2 places). Totals are computed once by
`billing.money` when a draft's lines change and stored; every page, export and PDF renders
the stored values, never recomputes them.

Credit notes are Invoices with kind=credit and negative stored totals: one table means one
number sequence per kind and year (CN-2026-0001), one PDF renderer and one balance query
(a client's balance is simply the sum of the balances of their issued documents).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from goodwill.clients.models import Client, Person
from goodwill.contracts.models import Contract
from goodwill.core.money import validate_currency

ZERO = Decimal("0.00")


def money_field(**extra: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **extra)


class BillingProfile(models.Model):
    """A client's billing settings, created on demand with the installation's defaults."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="billing")
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="VAT/GST in percent, e.g. 20.00."
    )
    vat_number = models.CharField("VAT number", max_length=40, blank=True)
    billing_address = models.TextField(
        blank=True, help_text="Printed on invoices instead of the client's address, if set."
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Rate for overage and billable hours."
    )
    auto_issue = models.BooleanField(
        default=False,
        help_text="Issue and e-mail the current period's recurring invoice without review.",
    )

    def __str__(self) -> str:
        return f"Billing profile of {self.client}"


class InvoiceKind(models.TextChoices):
    RECURRING = "recurring", "Recurring fee"
    OVERAGE = "overage", "Overage hours"
    ONE_OFF = "one_off", "One-off"
    CREDIT = "credit", "Credit note"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PART_PAID = "part_paid", "Part-paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# Issued documents that still count towards a balance.
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID)
COUNTED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID)


class NumberSequence(models.Model):
    """The last number handed out per prefix and year: the row is locked while a number is
    taken, in the transaction that issues the invoice, so numbers have no gaps or repeats."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="billing_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Invoice(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=10, choices=InvoiceKind.choices)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # A credit note names the invoice it corrects.
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # Stored once (billing.money.store_totals): pages and PDFs never recompute them.
    subtotal = money_field()
    tax = money_field()
    total = money_field()
    paid = money_field()
    balance = money_field()

    disputed = models.BooleanField(default=False)
    dispute_note = models.CharField(max_length=300, blank=True)
    # Who the invoice went to; a warning when it had to go to the boss (or nobody).
    recipient = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_email = models.CharField(max_length=320, blank=True)
    recipient_warning = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, help_text="Printed on the invoice.")
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["client", "status"]),
        ]
        constraints = [
            # The idempotency key of the invoice run: one per contract, period and kind.
            models.UniqueConstraint(
                fields=["contract", "period_start", "kind"],
                condition=models.Q(kind__in=["recurring", "overage"]),
                name="billing_one_invoice_per_contract_period",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice", args=[self.pk])

    @property
    def label(self) -> str:
        if self.number:
            return self.number
        kind = "credit note" if self.kind == InvoiceKind.CREDIT else "invoice"
        return f"Draft {kind} #{self.pk}"

    @property
    def is_credit(self) -> bool:
        return self.kind == InvoiceKind.CREDIT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    # Stored by billing.money.line_amounts under the line-level rounding policy.
    net = money_field()
    tax = money_field()
    total = money_field()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class PaymentMethod(models.TextChoices):
    BANK = "bank", "Bank transfer"
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    CASH = "cash", "Cash or cheque"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Money received from a client. What is not allocated to invoices stays as credit."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    received_on = models.DateField()
    reference = models.CharField(max_length=200, blank=True)
    method = models.CharField(
        max_length=15, choices=PaymentMethod.choices, default=PaymentMethod.BANK
    )
    note = models.CharField(max_length=300, blank=True)
    allocated = money_field()
    # A bank-statement row imported twice is one payment (sha256 of the row's contents).
    import_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="billing_payment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} from {self.client} on {self.received_on}"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class Allocation(models.Model):
    """Part of a payment, or of a credit note, applied to one invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="applied"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="billing_allocation_positive"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(payment__isnull=False, credit_note__isnull=True)
                    | models.Q(payment__isnull=True, credit_note__isnull=False)
                ),
                name="billing_allocation_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.invoice}"


class ReminderLedger(models.Model):
    """One row per (invoice, level): inserting it claims the level, so it happens at most once.

    A row with `sent_at` went out (or, for the call level, became a task); a row with
    `held_reason` was deliberately not sent and a task was raised for staff instead.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    level = models.PositiveSmallIntegerField()
    is_call = models.BooleanField(default=False)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=200, blank=True)
    recipient = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["invoice", "level"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="billing_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} reminder {self.level}"

    @property
    def outcome(self) -> str:
        if self.held_reason:
            return "held"
        if self.sent_at:
            return "call task" if self.is_call else "sent"
        return "claimed"


class TaskKind(models.TextChoices):
    CALL = "call", "Call about an overdue invoice"
    HELD = "held", "Reminder held back"
    NO_CONTACT = "no_contact", "No billing contact"


class BillingTask(models.Model):
    """A next action for staff: chasing is a decision, never an automatic e-mail to the boss."""

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="billing_tasks")
    kind = models.CharField(max_length=12, choices=TaskKind.choices)
    title = models.CharField(max_length=300)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.title
