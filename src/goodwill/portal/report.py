"""The boss's monthly one-page service report: tickets handled, SLA met, satisfaction, hours
used, and what is being done about the problems still open. Shown in the portal, as a PDF, and
e-mailed on the first days of each month (to the PA where the client has one, for the boss).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from fpdf import FPDF

from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.contracts.services import add_months
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.desk.hours import hours_text
from goodwill.desk.models import OPEN_STATUSES, Message, Ticket, TimeEntry


@dataclass
class OpenProblem:
    reference: str
    subject: str
    priority: str
    status: str
    latest: str  # our latest public word on it: what is being done


@dataclass
class MonthlyReport:
    client: Client
    month: dt.date  # the first day
    opened: int = 0
    resolved: int = 0
    sla_met: int = 0
    sla_total: int = 0
    ratings: list[tuple[int, int]] = field(default_factory=list)  # (rating, scale)
    covered_minutes: int = 0
    billable_minutes: int = 0
    included_hours: Decimal | None = None
    open_problems: list[OpenProblem] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def sla_percent(self) -> int | None:
        return round(100 * self.sla_met / self.sla_total) if self.sla_total else None

    @property
    def satisfaction(self) -> str:
        if not self.ratings:
            return "No ratings this month"
        average = sum(r / s for r, s in self.ratings) / len(self.ratings) * 5
        return f"{average:.1f} / 5 from {len(self.ratings)} rating{'s' * (len(self.ratings) != 1)}"

    @property
    def hours(self) -> str:
        text = f"{hours_text(self.covered_minutes)} of covered support"
        if self.included_hours:
            text += f" (the contract includes {hours_text(int(self.included_hours * 60))} a period)"
        if self.billable_minutes:
            text += f", plus {hours_text(self.billable_minutes)} billed separately"
        return text


def build(client: Client, month: dt.date) -> MonthlyReport:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month, dt.time()), tz)
    end = timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time()), tz)
    report = MonthlyReport(client=client, month=month)
    tickets = Ticket.objects.filter(client=client)
    report.opened = tickets.filter(opened_at__gte=start, opened_at__lt=end).count()
    resolved = tickets.filter(resolved_at__gte=start, resolved_at__lt=end)
    report.resolved = resolved.count()
    report.sla_total = report.resolved
    report.sla_met = resolved.filter(sla_breached=False).count()
    # Satisfaction answers are happiness signals (read only; recorded by the happiness area).
    signal_model = apps.get_model("happiness", "Signal")
    for details in signal_model.objects.filter(
        client=client, kind="csat", occurred_at__gte=start, occurred_at__lt=end
    ).values_list("details", flat=True):
        rating, scale = (details or {}).get("rating"), (details or {}).get("scale")
        if isinstance(rating, int) and isinstance(scale, int) and scale:
            report.ratings.append((rating, scale))
    time = TimeEntry.objects.filter(
        ticket__client=client, work_date__gte=month, work_date__lt=add_months(month, 1)
    ).aggregate(
        covered=Sum("minutes", filter=Q(billable=False), default=0),
        billable=Sum("minutes", filter=Q(billable=True), default=0),
    )
    report.covered_minutes, report.billable_minutes = time["covered"], time["billable"]
    contract = client.contracts.filter(state="active").order_by("-start_date").first()
    report.included_hours = contract.included_hours if contract else None
    for ticket in tickets.filter(status__in=OPEN_STATUSES).order_by("priority", "opened_at")[:6]:
        latest = (
            Message.objects.filter(ticket=ticket, internal=False, author_user__isnull=False)
            .order_by("-created_at").values_list("body", flat=True).first()
        )
        report.open_problems.append(OpenProblem(
            reference=ticket.reference, subject=ticket.subject, priority=ticket.priority,
            status=ticket.get_status_display(),
            latest=(latest or "We are looking into it; no update sent yet.").strip()[:240],
        ))
    return report


def _latin1(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2013", "-").encode("latin-1", "replace").decode(
        "latin-1"
    )


def render_pdf(report: MonthlyReport, provider: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Service report {report.label}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"{report.client.name}: service report, {report.label}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"From {provider}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    sla = f"{report.sla_percent} %" if report.sla_percent is not None else "nothing resolved"
    for label, value in (
        ("Tickets raised", str(report.opened)),
        ("Tickets resolved", str(report.resolved)),
        ("Resolved within the agreed time", sla),
        ("Satisfaction", report.satisfaction),
        ("Hours", report.hours),
    ):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(70, 7, _latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Still open, and what we are doing about it", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    if not report.open_problems:
        pdf.cell(0, 6, "Nothing is open.", new_x="LMARGIN", new_y="NEXT")
    for problem in report.open_problems:
        pdf.set_font("Helvetica", "B", 9.5)
        pdf.multi_cell(0, 5.5, _latin1(f"{problem.reference} ({problem.priority}, "
                                       f"{problem.status}): {problem.subject}"),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9.5)
        pdf.multi_cell(0, 5.5, _latin1(problem.latest), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    return bytes(pdf.output())


def _first(client: Client, role: str) -> Person | None:
    return (
        Person.objects.with_role(role)
        .filter(client=client, is_active=True).exclude(email="").order_by("pk").first()
    )


def send_monthly_reports(now: dt.datetime | None = None) -> int:
    """A worker job: in the first days of a month, last month's report to each client's boss
    (through the PA where there is one). Once per client and month (the outbox's dedupe key)."""
    from django.conf import settings

    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.day > 7:  # a worker that was down on the 1st catches up within the week
        return 0
    month = add_months(today.replace(day=1), -1)
    provider = settings.GOODWILL_PORTAL_NAME or settings.GOODWILL_PROVIDER_NAME
    sent = 0
    live = Client.objects.filter(is_active=True, contracts__state="active").distinct()
    for client in live.order_by("pk"):
        key = f"portal:report:{client.pk}:{month:%Y-%m}"
        if OutboundMessage.objects.filter(dedupe_key=key).exists():
            continue
        boss = _first(client, StakeholderRole.DECISION_MAKER)
        if boss is None:
            continue
        pa = _first(client, StakeholderRole.GATEKEEPER)
        report = build(client, month)
        to = pa or boss
        note = f"for {boss.full_name}, " if pa else ""
        with transaction.atomic():
            outbox.enqueue(
                kind="portal.monthly_report", to=[to.email], dedupe_key=key,
                subject=f"{client.name}: service report for {report.label}",
                text=(
                    f"Hello {to.first_name},\n\nAttached is {client.name}'s service report for "
                    f"{report.label} ({note}one page).\n\n"
                    f"Tickets raised: {report.opened}; resolved: {report.resolved}.\n"
                    f"Satisfaction: {report.satisfaction}.\n\n{provider}\n"
                ),
                attachments=[outbox.Attachment(
                    f"service-report-{month:%Y-%m}.pdf", render_pdf(report, provider),
                    "application/pdf",
                )],
                context=f"client:{client.pk}", now=now,
            )
        sent += 1
    return sent
