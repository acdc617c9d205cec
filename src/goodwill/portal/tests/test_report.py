"""The boss's monthly service report: the page, the PDF, and the monthly e-mail via the PA."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.contracts.services import add_months
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import TicketStatus
from goodwill.portal.report import build, send_monthly_reports

pytestmark = pytest.mark.django_db


def test_the_report_counts_the_month_and_says_what_is_being_done(cast):
    month = timezone.localdate().replace(day=1)
    desk.reply(cast.ticket, "A new VPN box arrives on Monday.", by_user=cast.tech)
    done = desk.open_ticket(requester=cast.pa, subject="Printer")
    desk.change_status(done, TicketStatus.RESOLVED, by_user=cast.tech)
    desk.log_time(done, 45, by_user=cast.tech)
    report = build(cast.acme, month)
    assert (report.opened, report.resolved, report.sla_percent) == (2, 1, 100)
    assert report.covered_minutes == 45
    [problem] = report.open_problems
    assert problem.reference == cast.ticket.reference
    assert problem.latest == "A new VPN box arrives on Monday."


def test_the_boss_reads_it_and_downloads_the_pdf_an_ordinary_user_does_not(cast, portal):
    boss = portal(cast.boss)
    month = f"{timezone.localdate():%Y-%m}"
    page = boss.get(reverse("portal:report") + f"?month={month}")
    assert page.status_code == 200 and b"VPN down for the whole office" in page.content
    pdf = boss.get(reverse("portal:report_pdf") + f"?month={month}")
    assert pdf.content.startswith(b"%PDF")
    assert portal(cast.acme_user).get(reverse("portal:report")).status_code == 404


def test_monthly_email_goes_to_the_pa_for_the_boss_once(cast):
    second = add_months(timezone.localdate().replace(day=1), 1) + dt.timedelta(days=1)
    now = timezone.make_aware(dt.datetime.combine(second, dt.time(8)))
    assert send_monthly_reports(now) == 2  # Acme and Birch have active contracts and a boss
    mail = OutboundMessage.objects.get(kind="portal.monthly_report", to=[cast.pa.email])
    assert "for Maria Shaw" in mail.text_body
    assert mail.attachments.get().filename.endswith(".pdf")
    assert send_monthly_reports(now) == 0
    late = now + dt.timedelta(days=10)
    assert send_monthly_reports(late) == 0
