"""Polite chasing that knows who's who (the "payment-reminders" job).

The schedule is per installation: e-mail reminders to the billing person at each of
GOODWILL_BILLING_REMINDER_DAYS after the due date (level 1, 2, …), then a call task for the
account manager at GOODWILL_BILLING_CALL_DAYS (the last level). Never an automatic e-mail to the
boss: escalation is a next action for staff.

Each level happens at most once:
1. claim: insert the ReminderLedger row (unique (invoice, level)); a second worker's insert
   fails (on PostgreSQL it waits for the first to commit, then fails) and it moves on;
2. re-check, with the invoice locked, that it is still unpaid and not disputed, just before
   queueing; a payment that arrived meanwhile wins and the claim is dropped;
3. queue through the outbox with dedupe_key "invoice:<id>:reminder:<level>", in the same
   transaction as the ledger update, so SMTP retries reuse the one row.

Held back, not sent, while the client's boss or financial director is unhappy or the client has
an open P1 ticket: the ledger row records why and staff get a task instead. Paused (not claimed)
while a dispute is open, so it resumes once the dispute is closed.

After downtime the job sends at most one level per invoice per run, and a level only once the
previous one is at least MIN_GAP old, so a backlog never turns into a burst.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from goodwill.billing import services
from goodwill.billing.models import (
    BillingTask,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    ReminderLedger,
    TaskKind,
)
from goodwill.clients.models import Person, StakeholderRole
from goodwill.core import outbox

logger = logging.getLogger("goodwill.billing")

MIN_GAP = dt.timedelta(days=7)


@dataclass(frozen=True)
class Level:
    number: int
    days: int
    is_call: bool


def schedule() -> list[Level]:
    days = sorted(settings.GOODWILL_BILLING_REMINDER_DAYS)
    levels = [Level(n + 1, d, False) for n, d in enumerate(days)]
    levels.append(Level(len(days) + 1, settings.GOODWILL_BILLING_CALL_DAYS, True))
    return levels


def hold_reason(invoice: Invoice, now: dt.datetime) -> str:
    """Why a reminder must not go out now ('' when it may): a fire at the client."""
    from goodwill.desk.models import OPEN_STATUSES, Ticket
    from goodwill.happiness.status import is_unhappy

    p1 = (
        Ticket.objects.filter(client_id=invoice.client_id, priority="P1", status__in=OPEN_STATUSES)
        .order_by("opened_at")
        .first()
    )
    if p1 is not None:
        return f"Open P1 ticket {p1.reference}: {p1.subject}"[:200]
    roles = (StakeholderRole.DECISION_MAKER, StakeholderRole.BILLING)
    people = (
        Person.objects.filter(
            client_id=invoice.client_id,
            is_active=True,
            roles__role__in=roles,
            roles__dismissed_at__isnull=True,
        )
        .distinct()
        .order_by("id")
    )
    for person in people:
        if is_unhappy(person, now):
            return f"{person.full_name} is unhappy right now"[:200]
    return ""


def _candidates(today: dt.date):
    first = min(level.days for level in schedule())
    return (
        Invoice.objects.filter(
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID),
            balance__gt=0,
            disputed=False,
            due_date__lte=today - dt.timedelta(days=first),
        )
        .exclude(kind=InvoiceKind.CREDIT)
        .select_related("client", "client__account_manager")
        .order_by("due_date", "id")
    )


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """The job: claim and act on each due level. Returns how many levels it acted on."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    levels = schedule()
    done = 0
    for invoice in _candidates(today):
        ledger = {row.level: row for row in invoice.reminders.all()}
        for level in levels:
            if level.number in ledger:
                continue
            if invoice.due_date + dt.timedelta(days=level.days) > today:
                break
            previous = ledger.get(level.number - 1)
            if previous is not None and previous.claimed_at > now - MIN_GAP:
                break  # catching up: leave a gap between levels
            try:
                done += act_on_level(invoice, level, now)
            except OperationalError:
                raise  # the database is locked or gone: the job fails and the next tick retries
            except Exception:  # one bad invoice must not stop the others' reminders
                logger.exception("payment-reminders: invoice %s level %s failed",
                                 invoice.pk, level.number)
            break  # one level per invoice per run
    return done


def act_on_level(invoice: Invoice, level: Level, now: dt.datetime) -> bool:
    """Claim one level and send it, hold it, or raise the call task. False if someone else
    claimed it first or the invoice no longer needs chasing."""
    # One transaction: a crash anywhere leaves neither the claim nor the message behind.
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = ReminderLedger.objects.create(
                    invoice=invoice, level=level.number, is_call=level.is_call, claimed_at=now
                )
        except IntegrityError:
            return False  # claimed by another worker
        fresh = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
        still_owed = fresh.status in (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID)
        if not still_owed or fresh.balance <= 0 or fresh.disputed:
            # Paid or disputed since the claim: give the level back (a dispute may close).
            row.delete()
            return False
        if level.is_call:
            _call_task(fresh, row, level, now)
            return True
        reason = hold_reason(fresh, now)
        if reason:
            row.held_reason = reason
            row.save(update_fields=["held_reason"])
            _task(
                fresh,
                TaskKind.HELD,
                f"Reminder {level.number} for {fresh.number} held back: {reason}. "
                "Decide whether and when to chase.",
                key=f"invoice:{fresh.pk}:held:{level.number}",
                today=timezone.localdate(now),
            )
            return True
        recipient = services.billing_recipient(fresh.client)
        fd = recipient.person if not recipient.warning else None
        if fd is None:
            # Only the boss (or nobody) to write to: never dun the boss automatically.
            row.held_reason = "No financial director to send reminders to"
            row.save(update_fields=["held_reason"])
            _task(
                fresh,
                TaskKind.NO_CONTACT,
                f"{fresh.number} is overdue and {fresh.client.name} has no financial director "
                "with an e-mail address: add one, or chase by phone.",
                key=f"invoice:{fresh.pk}:no-contact:{level.number}",
                today=timezone.localdate(now),
            )
            return True
        message = _enqueue_reminder(fresh, level, fd, now)
        row.sent_at = now
        row.recipient = fd
        row.message_id = message.message_id
        row.save(update_fields=["sent_at", "recipient", "message_id"])
        _signal(fresh, level, fd, now)
        return True


def _enqueue_reminder(invoice: Invoice, level: Level, person: Person, now: dt.datetime):
    amount = services._plain_money(invoice.balance, invoice.currency)
    days = (timezone.localdate(now) - invoice.due_date).days
    if level.number == 1:
        opening = (
            f"A quick note: invoice {invoice.number} for {amount} was due on "
            f"{invoice.due_date:%d %B %Y}, and we have not received payment yet. "
            "It may well be on its way, in which case please ignore this."
        )
    else:
        opening = (
            f"Invoice {invoice.number} is now {days} days past its due date, with {amount} "
            "outstanding. If there is a question about it, just reply and we will sort it out."
        )
    text = "\n".join(
        [
            f"Dear {person.first_name},",
            "",
            opening,
            "",
            "Thank you,",
            settings.GOODWILL_BILLING_LEGAL_NAME,
        ]
    )
    attachments = []
    if invoice.pdf:
        attachments.append(
            outbox.Attachment(f"{invoice.number}.pdf", bytes(invoice.pdf), "application/pdf")
        )
    return outbox.enqueue(
        kind="billing.reminder",
        to=[person.email],
        subject=f"Reminder: invoice {invoice.number}",
        text=text,
        reply_to=settings.GOODWILL_BILLING_EMAIL,
        attachments=attachments,
        context=f"invoice:{invoice.number}",
        dedupe_key=f"invoice:{invoice.pk}:reminder:{level.number}",
        now=now,
    )


def _signal(invoice: Invoice, level: Level, person: Person, now: dt.datetime) -> None:
    from goodwill.happiness.signals import record_signal

    record_signal(
        kind="invoice_reminder",
        value=-0.2,
        occurred_at=now,
        person=person,
        source=f"invoice:{invoice.number}",
        key=f"invoice-reminder:{invoice.pk}:{level.number}",
        note=f"Reminder {level.number} for {invoice.number} sent",
    )


def _task(invoice: Invoice, kind: str, title: str, *, key: str, today: dt.date) -> BillingTask:
    task, _ = BillingTask.objects.get_or_create(
        key=key,
        defaults={
            "invoice": invoice,
            "client": invoice.client,
            "kind": kind,
            "title": title[:300],
            "assigned_to": invoice.client.account_manager,
            "due_on": today,
        },
    )
    return task


def _call_task(invoice: Invoice, row: ReminderLedger, level: Level, now: dt.datetime) -> None:
    fd = services.billing_recipient(invoice.client).person
    who = f"{fd.full_name}" if fd else "the client"
    _task(
        invoice,
        TaskKind.CALL,
        f"Call {who} at {invoice.client.name} about {invoice.number}, "
        f"{(timezone.localdate(now) - invoice.due_date).days} days overdue.",
        key=f"invoice:{invoice.pk}:call",
        today=timezone.localdate(now),
    )
    row.sent_at = now
    row.save(update_fields=["sent_at"])


def send_held_reminder(row: ReminderLedger, now: dt.datetime | None = None) -> ReminderLedger:
    """Staff decided to chase after all: send a held-back reminder level to the financial
    director (never the boss). Same dedupe key as the automatic send, so at most once."""
    from goodwill.billing.services import BillingError

    now = now or timezone.now()
    with transaction.atomic():
        row = ReminderLedger.objects.select_for_update().select_related("invoice").get(pk=row.pk)
        invoice = Invoice.objects.select_for_update().select_related("client").get(
            pk=row.invoice_id
        )
        if row.sent_at or row.is_call:
            raise BillingError("This reminder has already gone out.")
        if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID) or (
            invoice.balance <= 0
        ):
            raise BillingError(f"{invoice.number} is no longer owed.")
        if invoice.disputed:
            raise BillingError("Close the dispute before chasing.")
        recipient = services.billing_recipient(invoice.client)
        if recipient.person is None or recipient.warning:
            raise BillingError("There is no financial director to send it to.")
        level = next(lv for lv in schedule() if lv.number == row.level)
        message = _enqueue_reminder(invoice, level, recipient.person, now)
        row.sent_at, row.recipient, row.message_id = now, recipient.person, message.message_id
        row.save(update_fields=["sent_at", "recipient", "message_id"])
        _signal(invoice, level, recipient.person, now)
        BillingTask.objects.filter(
            key=f"invoice:{invoice.pk}:held:{row.level}", done_at__isnull=True
        ).update(done_at=now)
        return row


def complete_task(task: BillingTask, now: dt.datetime | None = None) -> BillingTask:
    BillingTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=now or timezone.now()
    )
    task.refresh_from_db()
    return task
