"""Billing actions, one function each: drafts, issue, void, dispute, payments, credit notes.

Every action runs in one transaction and locks the rows it changes (`select_for_update`, which
on SQLite is the IMMEDIATE transaction's write lock), so two staff or two workers acting on the
same invoice serialise instead of double-counting. Money rules live in billing.money.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from goodwill.audit import services as audit
from goodwill.billing import money
from goodwill.billing.models import (
    ZERO,
    Allocation,
    BillingProfile,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    Payment,
    PaymentMethod,
)
from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.core import outbox


class BillingError(ValueError):
    """An action that cannot be done as asked; the message is shown to staff."""


# --- Profiles and people --------------------------------------------------------------------


def profile_for(client: Client) -> BillingProfile:
    """The client's billing profile, created with the installation's defaults on first use."""
    profile, _ = BillingProfile.objects.get_or_create(
        client=client,
        defaults={
            "tax_rate": Decimal(settings.GOODWILL_BILLING_TAX_RATE),
            "payment_terms_days": settings.GOODWILL_BILLING_PAYMENT_TERMS_DAYS,
            "hourly_rate": Decimal(settings.GOODWILL_BILLING_HOURLY_RATE),
        },
    )
    return profile


def profiles_for(clients: Iterable[Client]) -> dict[int, BillingProfile]:
    """Billing profiles by client id, the missing ones created in one go."""
    clients = list(clients)
    found = {p.client_id: p for p in BillingProfile.objects.filter(client__in=clients)}
    missing = [c for c in clients if c.pk not in found]
    if missing:
        BillingProfile.objects.bulk_create(
            [
                BillingProfile(
                    client=c,
                    tax_rate=Decimal(settings.GOODWILL_BILLING_TAX_RATE),
                    payment_terms_days=settings.GOODWILL_BILLING_PAYMENT_TERMS_DAYS,
                    hourly_rate=Decimal(settings.GOODWILL_BILLING_HOURLY_RATE),
                )
                for c in missing
            ],
            ignore_conflicts=True,
        )
        found = {p.client_id: p for p in BillingProfile.objects.filter(client__in=clients)}
    return found


def profile_currency(client: Client) -> str:
    """The currency a client is billed in: its latest invoice's, else the installation's."""
    latest = client.invoices.order_by("-id").values_list("currency", flat=True).first()
    return latest or settings.GOODWILL_CURRENCY


def _first_with_role(client: Client, role: str) -> Person | None:
    return (
        Person.objects.with_role(role)
        .filter(client=client, is_active=True)
        .exclude(email="")
        .order_by("id")
        .first()
    )


@dataclass(frozen=True)
class Recipient:
    person: Person | None
    warning: str  # empty when the financial director gets it


def billing_recipient(client: Client) -> Recipient:
    """The financial director; else the boss, with a warning staff see; else nobody."""
    fd = _first_with_role(client, StakeholderRole.BILLING)
    if fd is not None:
        return Recipient(fd, "")
    boss = _first_with_role(client, StakeholderRole.DECISION_MAKER)
    if boss is not None:
        return Recipient(
            boss,
            f"No financial director with an e-mail address: invoices go to the boss, "
            f"{boss.full_name}.",
        )
    return Recipient(None, "No financial director or boss with an e-mail address: not e-mailed.")


# --- Drafts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal


def store_totals(invoice: Invoice, lines: Sequence[InvoiceLine] | None = None) -> Invoice:
    """Compute the lines' amounts and the invoice totals under the line-level policy; store."""
    lines = list(invoice.lines.all()) if lines is None else list(lines)
    before = {"subtotal": invoice.subtotal, "tax": invoice.tax, "total": invoice.total}
    amounts = []
    for line in lines:
        line_money = money.line_amounts(line.quantity, line.unit_price, line.tax_rate)
        line.net, line.tax, line.total = line_money.net, line_money.tax, line_money.total
        amounts.append(line_money)
    if lines:
        InvoiceLine.objects.bulk_update(lines, ["net", "tax", "total"])
    result = money.totals(amounts)
    invoice.subtotal, invoice.tax, invoice.total = result.subtotal, result.tax, result.total
    invoice.balance = invoice.total - invoice.paid
    Invoice.objects.filter(pk=invoice.pk).update(
        subtotal=invoice.subtotal, tax=invoice.tax, total=invoice.total, balance=invoice.balance
    )
    # The update() sends no signals, so the audit trail hears of new totals from here.
    audit.record_change(
        invoice, {name: (old, getattr(invoice, name)) for name, old in before.items()}
    )
    return invoice


def create_draft(
    *,
    client: Client,
    kind: str,
    lines: Iterable[LineInput],
    currency: str | None = None,
    contract=None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    notes: str = "",
    credits: Invoice | None = None,
) -> Invoice:
    """A draft with its lines and stored totals. Raises IntegrityError when the run's unique
    key (contract, period, kind) is already taken; callers of the run treat that as done."""
    with transaction.atomic():
        invoice = Invoice.objects.create(
            client=client,
            contract=contract,
            kind=kind,
            currency=currency or (contract.currency if contract else settings.GOODWILL_CURRENCY),
            period_start=period_start,
            period_end=period_end,
            notes=notes,
            credits=credits,
        )
        rows = [
            InvoiceLine(
                invoice=invoice,
                position=n,
                description=line.description[:300],
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
            )
            for n, line in enumerate(lines)
        ]
        InvoiceLine.objects.bulk_create(rows)
        store_totals(invoice, list(invoice.lines.all()))
    return invoice


def add_line(invoice: Invoice, line: LineInput) -> Invoice:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.DRAFT:
            raise BillingError("Only a draft can be changed; issue a credit note instead.")
        position = invoice.lines.count()
        added = InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
        )
        audit.record_change(invoice, {"Line added": ("", _line_words(added))})
        return store_totals(invoice)


def delete_line(invoice: Invoice, line_id: int) -> Invoice:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.DRAFT:
            raise BillingError("Only a draft can be changed; issue a credit note instead.")
        removed = invoice.lines.filter(pk=line_id).first()
        if removed is not None:
            removed.delete()
            audit.record_change(invoice, {"Line removed": (_line_words(removed), "")})
        return store_totals(invoice)


def _line_words(line: InvoiceLine) -> str:
    """How a draft's line reads in its audit history: 'Setup: 2.00 × 150.00 (tax 20%)'."""
    cents = Decimal("0.01")
    quantity = Decimal(line.quantity).quantize(cents)
    price = Decimal(line.unit_price).quantize(cents)
    rate = format(Decimal(line.tax_rate).normalize(), "f")
    return f"{line.description}: {quantity} × {price} (tax {rate}%)"


# --- Issue ------------------------------------------------------------------------------------


def next_number(prefix: str, year: int) -> str:
    """Take the next number of the year. Call inside the issuing transaction: the sequence row
    stays locked until it commits, and a rollback gives the number back (no gaps)."""
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    sequence.last_number = F("last_number") + 1
    sequence.save(update_fields=["last_number"])
    sequence.refresh_from_db(fields=["last_number"])
    return f"{prefix}-{year}-{sequence.last_number:04d}"


def issue(
    invoice: Invoice, *, now: dt.datetime | None = None, send: bool = True
) -> Invoice:
    """Number the draft, fix its dates, render its PDF and queue the e-mail, in one transaction."""
    from goodwill.billing.pdf import render_invoice

    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.DRAFT:
            raise BillingError(f"{invoice.label} is already {invoice.get_status_display()}.")
        lines = list(invoice.lines.all())
        if not lines:
            raise BillingError("Add at least one line before issuing.")
        store_totals(invoice, lines)
        if invoice.is_credit and invoice.total > 0:
            raise BillingError("A credit note's total must be negative.")
        if not invoice.is_credit and invoice.total < 0:
            raise BillingError("An invoice's total cannot be negative: issue a credit note.")
        profile = profile_for(invoice.client)
        prefix = "CN" if invoice.is_credit else "INV"
        invoice.number = next_number(prefix, today.year)
        invoice.issue_date = today
        invoice.due_date = today + dt.timedelta(
            days=0 if invoice.is_credit else profile.payment_terms_days
        )
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_at = now
        recipient = billing_recipient(invoice.client)
        invoice.recipient = recipient.person
        invoice.recipient_email = recipient.person.email if recipient.person else ""
        invoice.recipient_warning = recipient.warning
        invoice.pdf = render_invoice(invoice, lines)
        invoice.save()
        if invoice.is_credit and invoice.credits_id:
            _apply_credit_note(invoice)
        _refresh_paid(invoice, today)
        if send and recipient.person is not None:
            send_invoice(invoice, now=now)
    return invoice


def send_invoice(invoice: Invoice, *, now: dt.datetime | None = None):
    """Queue the invoice e-mail with its PDF. Idempotent: the dedupe key is the invoice, so a
    retry after a crash (or a second click) returns the message already queued."""
    person = invoice.recipient
    if person is None or not invoice.number:
        raise BillingError("This invoice has nobody to send it to.")
    what = "credit note" if invoice.is_credit else "invoice"
    amount = _plain_money(invoice.total, invoice.currency)
    lines = [
        f"Dear {person.first_name},",
        "",
        f"Please find attached {what} {invoice.number} for {amount}.",
    ]
    if not invoice.is_credit:
        lines.append(f"It is due on {invoice.due_date:%d %B %Y}.")
    bank = settings.GOODWILL_BILLING_BANK_DETAILS
    if bank and not invoice.is_credit:
        lines += ["", "Bank details:", *bank.split("|"), f"Reference: {invoice.number}"]
    lines += ["", "Thank you,", settings.GOODWILL_BILLING_LEGAL_NAME]
    return outbox.enqueue(
        kind="billing.invoice",
        to=[person.email],
        subject=f"{what.capitalize()} {invoice.number} from {settings.GOODWILL_BILLING_LEGAL_NAME}",
        text="\n".join(lines),
        reply_to=settings.GOODWILL_BILLING_EMAIL,
        attachments=[
            outbox.Attachment(f"{invoice.number}.pdf", bytes(invoice.pdf), "application/pdf")
        ],
        context=f"invoice:{invoice.number}",
        dedupe_key=f"invoice:{invoice.pk}:issue",
        now=now,
    )


def _plain_money(amount: Decimal, currency: str) -> str:
    from goodwill.core.money import format_money

    return format_money(amount, currency, "en_GB")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The stored PDF; rendered (from the stored values) and kept if missing, e.g. demo data."""
    from goodwill.billing.pdf import render_invoice

    if invoice.pdf:
        return bytes(invoice.pdf)
    content = render_invoice(invoice, list(invoice.lines.all()))
    if invoice.number:
        Invoice.objects.filter(pk=invoice.pk).update(pdf=content)
    return content


# --- Status changes -------------------------------------------------------------------------


def void(invoice: Invoice) -> Invoice:
    """Void a draft or an issued invoice nothing has been paid on. A voided draft keeps its
    period key, so the run does not create it again."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == InvoiceStatus.VOID:
            return invoice
        if invoice.allocations.exists() or invoice.applied.exists():
            raise BillingError(
                "Payments or credits are applied to this document: issue a credit note instead."
            )
        invoice.status = InvoiceStatus.VOID
        invoice.balance = ZERO
        invoice.save(update_fields=["status", "balance"])
        return invoice


def set_dispute(invoice: Invoice, disputed: bool, note: str = "") -> Invoice:
    """Open or close a dispute. Reminders pause while one is open."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        invoice.disputed = disputed
        invoice.dispute_note = note[:300] if disputed else ""
        invoice.save(update_fields=["disputed", "dispute_note"])
        return invoice


def _refresh_paid(invoice: Invoice, on: dt.date | None = None) -> Invoice:
    """Recompute paid, balance and status from the allocations (call with the row locked)."""
    if invoice.is_credit:
        applied = invoice.applied.aggregate(s=Sum("amount"))["s"] or ZERO
        invoice.paid = -applied
    else:
        invoice.paid = invoice.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
    invoice.balance = invoice.total - invoice.paid
    if invoice.status != InvoiceStatus.VOID and invoice.number:
        if invoice.balance == 0:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = invoice.paid_at or on or timezone.localdate()
        elif invoice.paid:
            invoice.status = InvoiceStatus.PART_PAID
            invoice.paid_at = None
        else:
            invoice.status = InvoiceStatus.ISSUED
            invoice.paid_at = None
    invoice.save(update_fields=["paid", "balance", "status", "paid_at"])
    return invoice


# --- Payments and credit ------------------------------------------------------------------------


def record_payment(
    *,
    client: Client,
    amount: Decimal,
    received_on: dt.date,
    currency: str | None = None,
    reference: str = "",
    method: str = PaymentMethod.BANK,
    note: str = "",
    allocations: Sequence[tuple[Invoice, Decimal]] | None = None,
    by=None,
    import_key: str | None = None,
) -> Payment:
    """Record money received. With no allocations given it pays the client's oldest open
    invoices in its currency first; whatever is left stays on account as credit."""
    amount = money.cents(Decimal(amount))
    if amount <= 0:
        raise BillingError("A payment must be more than zero.")
    currency = currency or settings.GOODWILL_CURRENCY
    with transaction.atomic():
        payment = Payment.objects.create(
            client=client,
            amount=amount,
            currency=currency,
            received_on=received_on,
            reference=reference[:200],
            method=method,
            note=note[:300],
            recorded_by=by,
            import_key=import_key,
        )
        if allocations is None:
            _allocate_oldest_first(payment)
        else:
            for invoice, part in allocations:
                allocate(payment, invoice, part)
        payment.refresh_from_db()
    return payment


def _allocate_oldest_first(payment: Payment) -> None:
    open_invoices = (
        Invoice.objects.filter(
            client=payment.client,
            currency=payment.currency,
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID),
            balance__gt=0,
        )
        .exclude(kind=InvoiceKind.CREDIT)
        .order_by("due_date", "id")
    )
    for invoice in open_invoices:
        payment.refresh_from_db(fields=["allocated"])
        left = payment.amount - payment.allocated
        if left <= 0:
            break
        allocate(payment, invoice, min(left, invoice.balance))


def allocate(payment: Payment, invoice: Invoice, amount: Decimal) -> Allocation:
    """Apply part of a payment to an invoice (also used to spend credit on account later)."""
    amount = money.cents(Decimal(amount))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.client_id != payment.client_id:
            raise BillingError("That invoice belongs to another client.")
        if invoice.currency != payment.currency:
            raise BillingError("The payment and the invoice are in different currencies.")
        if invoice.is_credit or invoice.status not in (
            InvoiceStatus.ISSUED,
            InvoiceStatus.PART_PAID,
        ):
            raise BillingError(f"{invoice.label} is not open for payment.")
        if amount <= 0:
            raise BillingError("Allocate more than zero.")
        if amount > invoice.balance:
            raise BillingError(f"{invoice.label} has only {invoice.balance} left to pay.")
        if amount > payment.amount - payment.allocated:
            raise BillingError("The payment has not that much left to allocate.")
        allocation = Allocation.objects.create(payment=payment, invoice=invoice, amount=amount)
        payment.allocated += amount
        payment.save(update_fields=["allocated"])
        _refresh_paid(invoice, payment.received_on)
        return allocation


def create_credit_note(invoice: Invoice, *, amount: Decimal | None = None, reason: str) -> Invoice:
    """A draft credit note against an issued invoice: the whole invoice, or `amount` gross."""
    if invoice.is_credit or not invoice.number:
        raise BillingError("Credit notes are raised against an issued invoice.")
    lines = list(invoice.lines.all())
    if amount is None:
        inputs = [
            LineInput(f"Credit: {line.description}", -line.quantity, line.unit_price, line.tax_rate)
            for line in lines
        ]
    else:
        amount = money.cents(Decimal(amount))
        if amount <= 0 or amount > invoice.total:
            raise BillingError("The credit must be more than zero and at most the invoice total.")
        rate = lines[0].tax_rate if lines else ZERO
        # The net that, taxed at the invoice's rate, gives the gross asked for (to the cent).
        net = money.cents(amount * 100 / (100 + rate))
        inputs = [LineInput(f"Credit against {invoice.number}: {reason}", Decimal("-1"), net, rate)]
    return create_draft(
        client=invoice.client,
        kind=InvoiceKind.CREDIT,
        lines=inputs,
        currency=invoice.currency,
        contract=invoice.contract,
        notes=reason,
        credits=invoice,
    )


def _apply_credit_note(credit_note: Invoice) -> None:
    """On issue, a credit note pays down the invoice it corrects; the rest stays as credit."""
    target = Invoice.objects.select_for_update().get(pk=credit_note.credits_id)
    if target.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID):
        return
    part = min(-credit_note.total, target.balance)
    if part > 0:
        Allocation.objects.create(credit_note=credit_note, invoice=target, amount=part)
        _refresh_paid(target, credit_note.issue_date)


# --- Balances ---------------------------------------------------------------------------------


def client_balance(client: Client) -> dict[str, Decimal]:
    """What the client owes per currency: open balances less credit on account (negative =
    the client is in credit)."""
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    documents = (
        Invoice.objects.filter(client=client, status__in=(
            InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID, InvoiceStatus.PAID))
        .values("currency")
        .annotate(s=Sum("balance"))
    )
    for row in documents:
        owed[row["currency"]] += row["s"] or ZERO
    payments = (
        Payment.objects.filter(client=client).values("currency")
        .annotate(s=Sum(F("amount") - F("allocated")))
    )
    for row in payments:
        owed[row["currency"]] -= row["s"] or ZERO
    return {currency: value for currency, value in owed.items() if value or currency}


def overdue_invoices(today: dt.date | None = None):
    today = today or timezone.localdate()
    return Invoice.objects.filter(
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID),
        balance__gt=0,
        due_date__lt=today,
    ).exclude(kind=InvoiceKind.CREDIT)
