"""Demo billing: a year of issued invoices and payments for every live contract.

Most invoices were paid around their due date; a few are overdue at different ages (with the
reminders the schedule would have sent, as ledger rows and sent outbox rows, and a call task
at the oldest), one is disputed, one part-paid, and the current periods are not yet due. The
issued recurring invoices give the revenue page its MRR history.

Everything is planned in memory and written with bulk_create (no PDFs: they render on first
download from the stored values), so it stays fast at 500 clients.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from goodwill.billing.models import (
    Allocation,
    BillingProfile,
    BillingTask,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    Payment,
    PaymentMethod,
    ReminderLedger,
    TaskKind,
)
from goodwill.billing.money import line_amounts
from goodwill.clients.models import Person, PersonRole, StakeholderRole
from goodwill.contracts.status import live_contracts
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.desk.hours import period_at, period_index

# Days past due of the invoices left unpaid, and which one is disputed.
OVERDUE_AGES = (12, 26, 45, 75, 110)
DISPUTED_AGE = 40
BATCH = 1000


def _recipients(client_ids: list[int]) -> dict[int, tuple[Person, bool]]:
    """Per client: the financial director (True) or else the boss (False)."""
    found: dict[int, tuple[Person, bool]] = {}
    roles = (
        PersonRole.objects.filter(
            client_id__in=client_ids,
            role__in=(StakeholderRole.BILLING, StakeholderRole.DECISION_MAKER),
            dismissed_at__isnull=True,
            person__is_active=True,
        )
        .exclude(person__email="")
        .select_related("person")
        .order_by("person_id")
    )
    for role in roles:
        is_fd = role.role == StakeholderRole.BILLING
        current = found.get(role.client_id)
        if current is None or (is_fd and not current[1]):
            found[role.client_id] = (role.person, is_fd)
    return found


def seed(context) -> str:
    rng = random.Random(context.seed + 6)  # noqa: S311 (demo data, not secrets)  # nosec B311
    today = context.today
    year_ago = today - dt.timedelta(days=365)
    terms = settings.GOODWILL_BILLING_PAYMENT_TERMS_DAYS
    rate = Decimal(settings.GOODWILL_BILLING_TAX_RATE)
    contracts = list(live_contracts(today).select_related("client").order_by("client__name", "pk"))
    if not contracts:
        return "billing: no live contracts to invoice"
    client_ids = sorted({c.client_id for c in contracts})
    recipients = _recipients(client_ids)

    with transaction.atomic():
        BillingProfile.objects.bulk_create(
            [
                BillingProfile(
                    client_id=cid,
                    tax_rate=rate,
                    payment_terms_days=terms,
                    hourly_rate=Decimal(settings.GOODWILL_BILLING_HOURLY_RATE),
                )
                for cid in client_ids
            ],
            ignore_conflicts=True,
        )
        # Plan: one issued recurring invoice per contract period that started in the last year.
        plans = []
        for contract in contracts:
            if contract.start_date > today:
                continue
            current = period_index(contract, today)
            first = max(0, period_index(contract, max(year_ago, contract.start_date)))
            for index in range(first, current + 1):
                period = period_at(contract, index)
                if period.start < year_ago and index != current:
                    continue
                plans.append((contract, period))
        plans.sort(key=lambda p: (p[1].start, p[0].pk))

        # Which unpaid ones to leave open: the invoice whose due date is nearest each age.
        def nearest(age: int, exclude: set[int]) -> int | None:
            target = today - dt.timedelta(days=age)
            best = None
            for n, (_, period) in enumerate(plans):
                if n in exclude:
                    continue
                due = period.start + dt.timedelta(days=terms)
                gap = abs((due - target).days)
                if best is None or gap < best[0]:
                    best = (gap, n)
            return best[1] if best and best[0] <= 20 else None

        overdue: set[int] = set()
        for age in OVERDUE_AGES:
            found = nearest(age, overdue)
            if found is not None:
                overdue.add(found)
        disputed = nearest(DISPUTED_AGE, overdue)
        part_paid = nearest(OVERDUE_AGES[1] + 3, overdue | {disputed})

        numbers: dict[int, int] = defaultdict(int)
        invoices, lines, payments = [], [], []
        for n, (contract, period) in enumerate(plans):
            issue_date = period.start
            numbers[issue_date.year] += 1
            amounts = line_amounts(Decimal("1"), contract.fee, rate)
            person = recipients.get(contract.client_id)
            due = issue_date + dt.timedelta(days=terms)
            invoice = Invoice(
                client_id=contract.client_id,
                contract=contract,
                kind=InvoiceKind.RECURRING,
                status=InvoiceStatus.ISSUED,
                number=f"INV-{issue_date.year}-{numbers[issue_date.year]:04d}",
                period_start=period.start,
                period_end=period.end,
                currency=contract.currency,
                issue_date=issue_date,
                due_date=due,
                subtotal=amounts.net,
                tax=amounts.tax,
                total=amounts.total,
                balance=amounts.total,
                recipient=person[0] if person else None,
                recipient_email=person[0].email if person else "",
                recipient_warning=(
                    "" if person and person[1] else
                    "No financial director with an e-mail address: invoices go to the boss."
                ),
                disputed=n == disputed,
                dispute_note="Says the on-site visit in this period did not happen"
                if n == disputed else "",
            )  # fmt: skip
            invoices.append(invoice)
            lines.append(
                InvoiceLine(
                    description=f"{contract.name}, {period.label}",
                    quantity=Decimal("1"),
                    unit_price=contract.fee,
                    tax_rate=rate,
                    net=amounts.net,
                    tax=amounts.tax,
                    total=amounts.total,
                )
            )
            # Everything due before today and not left open was paid, most of it on time.
            if n in overdue or n == disputed or due > today:
                continue
            received = min(today, due + dt.timedelta(days=rng.randint(-12, 9)))
            received = max(received, issue_date)
            if n == part_paid:
                amount = (invoice.total / 2).quantize(Decimal("0.01"))
                invoice.status = InvoiceStatus.PART_PAID
            else:
                amount = invoice.total
                invoice.status, invoice.paid_at = InvoiceStatus.PAID, received
            invoice.paid, invoice.balance = amount, invoice.total - amount
            payments.append(
                Payment(
                    client_id=invoice.client_id,
                    amount=amount,
                    allocated=amount,
                    currency=invoice.currency,
                    received_on=received,
                    reference=invoice.number,
                    method=rng.choice([PaymentMethod.BANK] * 4 + [PaymentMethod.DIRECT_DEBIT]),
                )
            )
        # SQLite and PostgreSQL both return the new ids from bulk inserts.
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        for invoice, line in zip(invoices, lines, strict=True):
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines, batch_size=BATCH)
        for year, last in numbers.items():
            NumberSequence.objects.update_or_create(
                prefix="INV", year=year, defaults={"last_number": last}
            )
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        by_number = {i.number: i for i in invoices}
        Allocation.objects.bulk_create(
            [Allocation(invoice=by_number[p.reference], payment=p, amount=p.amount)
             for p in payments],
            batch_size=BATCH,
        )
        paid_count = sum(1 for i in invoices if i.status == InvoiceStatus.PAID)

        reminders, tasks = _reminders(context, invoices, overdue | ({part_paid} - {None}))
    return (
        f"billing: {len(invoices)} invoices ({paid_count} paid, {len(overdue)} overdue, "
        f"{1 if disputed is not None else 0} disputed), {len(payments)} payments, "
        f"{reminders} reminders sent, {tasks} call tasks"
    )


def _reminders(context, invoices: list[Invoice], chased: set[int]) -> tuple[int, int]:
    """The reminders the schedule would have sent for the invoices left open."""
    from goodwill.happiness.signals import record_signal

    today = context.today
    days = sorted(settings.GOODWILL_BILLING_REMINDER_DAYS)
    call_days = settings.GOODWILL_BILLING_CALL_DAYS
    sent = calls = 0
    for n in sorted(chased):
        invoice = invoices[n]
        if invoice.disputed or invoice.due_date >= today:
            continue
        age = (today - invoice.due_date).days
        person = invoice.recipient
        is_fd = not invoice.recipient_warning
        for level, after in enumerate(days, start=1):
            if age < after:
                break
            when = dt.datetime.combine(
                invoice.due_date + dt.timedelta(days=after), dt.time(9), tzinfo=context.now.tzinfo
            )
            if person is None or not is_fd:
                ReminderLedger.objects.create(
                    invoice=invoice, level=level, claimed_at=when,
                    held_reason="No financial director to send reminders to",
                )
                continue
            message = OutboundMessage.objects.create(
                kind="billing.reminder",
                context=f"invoice:{invoice.number}",
                dedupe_key=f"invoice:{invoice.pk}:reminder:{level}",
                message_id=f"<gw.demo.reminder.{invoice.pk}.{level}@{_domain()}>",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[person.email],
                recipient=person.email.lower(),
                subject=f"Reminder: invoice {invoice.number}",
                text_body=f"Dear {person.first_name},\n\nInvoice {invoice.number} is overdue.",
                status=OutboundStatus.SENT,
                attempts=1,
                next_attempt_at=when,
                sent_at=when,
                created_at=when,
            )
            ReminderLedger.objects.create(
                invoice=invoice, level=level, claimed_at=when, sent_at=when, recipient=person,
                message_id=message.message_id,
            )
            record_signal(
                kind="invoice_reminder", value=-0.2, occurred_at=when, person=person,
                source=f"invoice:{invoice.number}", key=f"invoice-reminder:{invoice.pk}:{level}",
                note=f"Reminder {level} for {invoice.number} sent",
            )  # fmt: skip
            sent += 1
        if age >= call_days:
            when = dt.datetime.combine(
                invoice.due_date + dt.timedelta(days=call_days), dt.time(9),
                tzinfo=context.now.tzinfo,
            )
            ReminderLedger.objects.create(
                invoice=invoice, level=len(days) + 1, is_call=True, claimed_at=when, sent_at=when
            )
            who = person.full_name if person else "the client"
            BillingTask.objects.create(
                invoice=invoice,
                client_id=invoice.client_id,
                kind=TaskKind.CALL,
                title=f"Call {who} about {invoice.number}, {age} days overdue.",
                assigned_to=invoice.client.account_manager if invoice.client_id else None,
                due_on=when.date(),
                key=f"invoice:{invoice.pk}:call",
            )
            calls += 1
    return sent, calls


def _domain() -> str:
    from goodwill.core.outbox import mail_domain

    return mail_domain()


def delete() -> None:
    OutboundMessage.objects.filter(kind__startswith="billing.").delete()
    BillingTask.objects.all().delete()
    ReminderLedger.objects.all().delete()
    Allocation.objects.all().delete()
    Payment.objects.all().delete()
    InvoiceLine.objects.all().delete()
    # Credit notes point at the invoices they correct: remove them first.
    Invoice.objects.filter(kind=InvoiceKind.CREDIT).delete()
    Invoice.objects.all().delete()
    NumberSequence.objects.all().delete()
    BillingProfile.objects.all().delete()
