"""Two `goodwill worker` processes on one PostgreSQL database, with mail, reminders, surveys,
recurring tickets and webhooks falling due: every outbound message and every generated object
exists exactly once, and every message and webhook reaches its server exactly once (issue 9).

The workers are real child processes; the test seeds committed rows in its own test database
(transactional test), points both at it, at a real SMTP server (aiosmtpd), a real IMAP server
(Dovecot) and a loopback HTTP server for webhooks, runs both for a few rounds and counts.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.accounts.models import StaffRole
from goodwill.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from goodwill.billing import services as billing
from goodwill.billing.models import (
    BillingProfile,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    ReminderLedger,
)
from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.contracts.models import Contract, ContractState
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage, OutboundStatus
from goodwill.desk.models import Frequency, RecurringTicket, Ticket, TicketStatus
from goodwill.desk.services import change_status, open_ticket
from goodwill.happiness.models import SurveyKind, SurveyRequest
from goodwill.mail.models import InboundMail
from goodwill.mail.samples import make_eml
from goodwill.testing.dovecot import Dovecot
from goodwill.testing.personas import give_role, make_staff

from .support import GOODWILL, ON_POSTGRES, WebhookReceiver, child_env, current_database_url

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="two worker processes need a server database: run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 6
BULK_MAIL = 150
IMAP_MAIL = 20
# Each worker sends at most outbox.BATCH messages per round; both together drain the backlog
# (about 250 messages) in three rounds, whatever the order they start in. Two to spare.
ROUNDS = 5
IMAP_PASSWORD_ENV = "GOODWILL_SCALE_IMAP_PASSWORD"
# The worker's log line of a job whose work both workers compete for: "outbox: 57 e-mails …".
CONTESTED = (
    r"(?:recurring-tickets|invoicing|payment-reminders|mail-poll|outbox|webhooks|nps-surveys)"
    r": (\d+) "
)


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()


def seed(now: dt.datetime, receiver: WebhookReceiver, dovecot: Dovecot) -> dict[str, list]:
    """Everything that falls due for the workers; returns what each job must produce."""
    today = timezone.localdate(now)
    WebhookSubscription.objects.create(
        name="Everything", url=receiver.url("/all"), secret="s1", events=list(WebhookEvent.values)
    )
    WebhookSubscription.objects.create(
        name="New tickets",
        url=receiver.url("/new"),
        secret="s2",
        events=[WebhookEvent.TICKET_CREATED],
    )
    manager = make_staff("adam", StaffRole.ACCOUNT_MANAGER, "Adam", "Manager")
    tech = make_staff("tess", StaffRole.TECHNICIAN, "Tess", "Tech")
    due: dict[str, list] = {
        "bosses": [],
        "overdue": [],
        "resolved": [],
        "schedules": [],
        "contracts": [],
        "users": [],
    }
    for n in range(CLIENTS):
        client = Client.objects.create(
            name=f"Client {n}", email_domains=f"c{n}.test", account_manager=manager
        )
        boss, fd, user = (
            Person.objects.create(
                client=client,
                first_name=first,
                last_name=f"{n}",
                email=f"{first.lower()}@c{n}.test",
            )
            for first in ("Boss", "Finance", "User")
        )
        give_role(boss, StakeholderRole.DECISION_MAKER)
        give_role(fd, StakeholderRole.BILLING)
        due["bosses"].append(boss)
        due["users"].append(user)
        # The invoice run: the period that started 45 days ago (a catch-up draft) and the
        # current one (auto-issued and e-mailed).
        contract = Contract.objects.create(
            client=client,
            state=ContractState.ACTIVE,
            start_date=today - dt.timedelta(days=45),
            end_date=today + dt.timedelta(days=320),
            renewal_date=today + dt.timedelta(days=320),
            notice_days=30,
            fee=Decimal("1000.00"),
            currency="GBP",
            included_hours=Decimal("10"),
        )
        due["contracts"].append(contract)
        BillingProfile.objects.filter(pk=billing.profile_for(client).pk).update(auto_issue=True)
        # A payment reminder: issued 40 days ago, due 10 days ago (level 1 is at 7 days).
        draft = billing.create_draft(
            client=client,
            kind=InvoiceKind.ONE_OFF,
            lines=[billing.LineInput("Firewall", Decimal("1"), Decimal("300"), Decimal("20"))],
        )
        due["overdue"].append(billing.issue(draft, now=now - dt.timedelta(days=40)))
        # A CSAT survey: resolved three hours ago, so its delayed survey is due.
        ticket = open_ticket(
            requester=user,
            subject=f"Printer {n} jams",
            body="It jams.",
            opened_at=now - dt.timedelta(hours=5),
        )
        change_status(ticket, TicketStatus.RESOLVED, by_user=tech, at=now - dt.timedelta(hours=3))
        due["resolved"].append(ticket)
        # A maintenance ticket due an hour ago.
        due["schedules"].append(
            RecurringTicket.objects.create(
                client=client,
                requester=fd,
                subject=f"Backup check {n}",
                body="Check the backups.",
                frequency=Frequency.WEEKLY,
                next_due_at=now - dt.timedelta(hours=1),
                assignee=tech,
            )
        )
    for n in range(BULK_MAIL):
        outbox.enqueue(
            kind="test.bulk",
            to=[f"reader{n}@c{n % CLIENTS}.test"],
            subject=f"Bulk {n}",
            text=f"Message {n}.",
        )
    dovecot.mailbox(IMAP_PASSWORD_ENV)
    dovecot.append(
        "INBOX",
        *(
            make_eml(
                sender=f"user@c{n % CLIENTS}.test",
                subject=f"Laptop {n} is slow",
                body=f"Laptop {n} takes ages.",
                message_id=f"imap-{n}@c{n % CLIENTS}.test",
            )
            for n in range(IMAP_MAIL)
        ),
    )
    return due


def test_two_workers_do_everything_once(tmp_path, smtp_server, webhook_receiver, dovecot):
    now = timezone.now()
    due = seed(now, webhook_receiver, dovecot)
    queued_before = OutboundMessage.objects.count()
    deliveries_before = WebhookDelivery.objects.count()
    assert queued_before > BULK_MAIL and deliveries_before > 0  # the seed itself queued some

    env = child_env(
        tmp_path,
        DATABASE_URL=current_database_url(),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        GOODWILL_WEBHOOK_ALLOW_PRIVATE="true",
        **{IMAP_PASSWORD_ENV: dovecot.password},
    )
    command = [*GOODWILL, "worker", "--rounds", str(ROUNDS)]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, f"{out}\n{err}"
        # Both took part: the claims were contested, not one worker doing it all.
        assert sum(int(n) for n in re.findall(CONTESTED, out)) > 0, out

    # --- Mail out: every row sent, each received once, nothing else received. -------------
    rows = OutboundMessage.objects.all()
    assert Counter(rows.values_list("status", flat=True)) == {OutboundStatus.SENT: rows.count()}
    received = Counter(message["Message-ID"] for message in smtp_server.inbox.messages)
    assert received.most_common(1)[0][1] == 1, received.most_common(3)
    assert set(received) == set(rows.values_list("message_id", flat=True))
    assert rows.filter(attempts=1).count() == rows.count()  # nobody sent a row twice
    dedupe_keys = [k for k in rows.values_list("dedupe_key", flat=True) if k]
    assert len(dedupe_keys) == len(set(dedupe_keys))

    # --- Mail in: one ticket per IMAP message, each acknowledged once. ---------------------
    inbound = InboundMail.objects.all()
    assert inbound.count() == IMAP_MAIL
    assert inbound.values("message_id").distinct().count() == IMAP_MAIL
    assert Ticket.objects.filter(subject__startswith="Laptop").count() == IMAP_MAIL

    # --- The invoice run: one draft per contract and period, the current one issued once. ---
    for contract in due["contracts"]:
        recurring = Invoice.objects.filter(contract=contract, kind=InvoiceKind.RECURRING)
        assert recurring.count() == 2, list(recurring.values("period_start", "status"))
        issued = recurring.exclude(status=InvoiceStatus.DRAFT)
        assert issued.count() == 1
        assert (
            OutboundMessage.objects.filter(
                dedupe_key=f"invoice:{issued.get().pk}:issue", status=OutboundStatus.SENT
            ).count()
            == 1
        )
    # Numbers without gaps or duplicates, per year (the seed's invoices may be last year's).
    by_year: dict[int, list[str]] = {}
    for number, issued_on in Invoice.objects.filter(issue_date__isnull=False).values_list(
        "number", "issue_date"
    ):
        by_year.setdefault(issued_on.year, []).append(number)
    assert sum(len(numbers) for numbers in by_year.values()) == 2 * CLIENTS
    for year, numbers in by_year.items():
        assert sorted(numbers) == [f"INV-{year}-{n:04d}" for n in range(1, len(numbers) + 1)]

    # --- Reminders: level 1 once per overdue invoice, sent. ---------------------------------
    for invoice in due["overdue"]:
        [ledger] = ReminderLedger.objects.filter(invoice=invoice)
        assert ledger.level == 1 and ledger.sent_at is not None
        assert received[ledger.message_id] == 1

    # --- Surveys: one CSAT per resolved ticket, one NPS per boss, each received once. -------
    for ticket in due["resolved"]:
        [survey] = SurveyRequest.objects.filter(kind=SurveyKind.CSAT, ticket=ticket)
        assert OutboundMessage.objects.get(dedupe_key=f"csat:{ticket.pk}").status == "sent"
    for boss in due["bosses"]:
        assert SurveyRequest.objects.filter(kind=SurveyKind.NPS, person=boss).count() == 1
    nps = OutboundMessage.objects.filter(dedupe_key__startswith="nps:")
    assert nps.count() == CLIENTS

    # --- Recurring tickets: one per schedule, the schedule moved on. -----------------------
    for schedule in due["schedules"]:
        assert Ticket.objects.filter(recurring=schedule).count() == 1
        schedule.refresh_from_db()
        assert schedule.next_due_at > now

    # --- Webhooks: every delivery delivered, each POSTed once. -----------------------------
    deliveries = WebhookDelivery.objects.all()
    assert Counter(deliveries.values_list("status", flat=True)) == {
        DeliveryStatus.DELIVERED: deliveries.count()
    }
    posted = webhook_receiver.deliveries()
    assert set(posted) == {str(pk) for pk in deliveries.values_list("pk", flat=True)}
    assert posted.most_common(1)[0][1] == 1, posted.most_common(3)
    created = deliveries.filter(event=WebhookEvent.TICKET_CREATED)
    tickets = Ticket.objects.count()
    assert created.filter(subscription__name="New tickets").count() == tickets
    assert created.filter(subscription__name="Everything").count() == tickets
    overdue = deliveries.filter(event=WebhookEvent.INVOICE_OVERDUE)
    assert sorted(overdue.values_list("event_key", flat=True)) == sorted(
        f"invoice-overdue:{invoice.pk}" for invoice in due["overdue"]
    )
