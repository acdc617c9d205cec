"""The invoice run, issuing, PDFs and the invoice e-mail."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from goodwill.billing import run, services
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus, NumberSequence
from goodwill.clients.models import PersonRole, StakeholderRole
from goodwill.core.models import OutboundMessage
from goodwill.core.outbox import deliver_due
from goodwill.desk.hours import current_period
from goodwill.desk.models import TimeEntry

pytestmark = pytest.mark.django_db


def billing_mail(smtp_server) -> list:
    """What the SMTP server received from billing (the cast's ticket also notifies staff)."""
    return [m for m in smtp_server.inbox.messages if "nvoice" in m["Subject"]]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_run_twice_gives_one_invoice_per_contract_and_period(cast):
    today = timezone.localdate()
    first = run.run_invoicing(today)
    second = run.run_invoicing(today)
    assert first > 0 and second == 0
    keys = list(
        Invoice.objects.filter(kind=InvoiceKind.RECURRING).values_list("contract", "period_start")
    )
    assert len(keys) == len(set(keys)) == first
    # Acme: monthly since 200 days ago; one draft per started period, none for the future.
    acme = Invoice.objects.filter(contract=cast.acme_contract, kind=InvoiceKind.RECURRING)
    assert acme.count() == current_period(cast.acme_contract, today).index + 1
    assert not acme.filter(period_start__gt=today).exists()
    assert all(i.status == InvoiceStatus.DRAFT for i in acme)  # catch-up is never auto-sent


def test_catch_up_drafts_stay_drafts_and_only_the_current_period_is_auto_issued(cast):
    profile = services.profile_for(cast.acme)
    profile.auto_issue = True
    profile.save()
    today = timezone.localdate()
    run.run_invoicing(today)
    acme = Invoice.objects.filter(contract=cast.acme_contract, kind=InvoiceKind.RECURRING)
    issued = acme.exclude(status=InvoiceStatus.DRAFT)
    assert [i.period_start for i in issued] == [current_period(cast.acme_contract, today).start]
    assert acme.filter(status=InvoiceStatus.DRAFT).count() == acme.count() - 1
    assert OutboundMessage.objects.filter(kind="billing.invoice").count() == 1


def test_overage_is_billed_in_arrears_from_covered_time_beyond_the_included_hours(cast):
    today = timezone.localdate()
    period = current_period(cast.acme_contract, today - dt.timedelta(days=40))
    TimeEntry.objects.create(
        ticket=cast.ticket, contract=cast.acme_contract, user=cast.tech,
        minutes=22 * 60 + 30, work_date=period.start,
    )
    TimeEntry.objects.create(
        ticket=cast.ticket, contract=cast.acme_contract, user=cast.tech,
        minutes=90, billable=True, work_date=period.start,
    )
    run.run_invoicing(today)
    overage = Invoice.objects.get(contract=cast.acme_contract, kind=InvoiceKind.OVERAGE)
    assert overage.period_start == period.start
    quantities = sorted(line.quantity for line in overage.lines.all())
    assert quantities == [Decimal("1.50"), Decimal("2.50")]  # 2.5 h over 20, 1.5 h billable
    rate = services.profile_for(cast.acme).hourly_rate
    assert overage.subtotal == (Decimal("4.00") * rate).quantize(Decimal("0.01"))
    run.run_invoicing(today)
    assert Invoice.objects.filter(kind=InvoiceKind.OVERAGE).count() == 1


def _draft(cast, fee="2500.00"):
    return services.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[
            services.LineInput("Laptop setup", Decimal("3"), Decimal("33.33"), Decimal("20")),
            services.LineInput("Support", Decimal("1"), Decimal(fee), Decimal("20")),
        ],
        currency="GBP",
    )


def test_numbers_are_gap_free_per_year_and_assigned_at_issue(cast):
    drafts = [_draft(cast) for _ in range(3)]
    assert all(d.number is None for d in drafts)
    year = timezone.localdate().year
    numbers = [services.issue(d).number for d in drafts]
    assert numbers == [f"INV-{year}-{n:04d}" for n in (1, 2, 3)]
    with pytest.raises(services.BillingError):
        services.issue(drafts[0])
    assert NumberSequence.objects.get(prefix="INV", year=year).last_number == 3


def test_issued_pdf_shows_number_client_and_the_stored_totals(cast, settings):
    settings.GOODWILL_BILLING_LEGAL_NAME = "Northgate IT Ltd"
    invoice = services.issue(_draft(cast))
    assert invoice.total == Decimal("3119.99")  # 99.99 + 2500 net, 20.00 + 500.00 tax
    text = pdf_text(bytes(invoice.pdf))
    assert invoice.number in text
    assert "Acme Dental" in text and "Northgate IT Ltd" in text
    assert "£3,119.99" in text and "£520.00" in text and "£2,599.99" in text
    assert "Ana Costa" in text  # for the attention of the financial director


def test_invoice_goes_to_the_financial_director(cast, smtp_server):
    invoice = services.issue(_draft(cast))
    assert invoice.recipient == cast.fd and not invoice.recipient_warning
    deliver_due()
    (message,) = billing_mail(smtp_server)
    assert message["To"] == cast.fd.email
    assert invoice.number in message["Subject"]
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert invoice.number in pdf_text(pdfs[0].get_content())


def test_without_a_financial_director_it_goes_to_the_boss_with_a_warning(cast, smtp_server):
    PersonRole.objects.filter(person=cast.fd, role=StakeholderRole.BILLING).delete()
    invoice = services.issue(_draft(cast))
    assert invoice.recipient == cast.boss
    assert "No financial director" in invoice.recipient_warning
    deliver_due()
    assert [m["To"] for m in billing_mail(smtp_server)] == [cast.boss.email]


def test_a_crash_between_creating_and_sending_does_not_send_twice(cast, smtp_server):
    invoice = services.issue(_draft(cast))
    # The worker died before delivering; whoever retries queues the same message again.
    services.send_invoice(invoice)
    services.send_invoice(Invoice.objects.get(pk=invoice.pk))
    assert OutboundMessage.objects.filter(dedupe_key=f"invoice:{invoice.pk}:issue").count() == 1
    deliver_due()
    assert deliver_due() == 0
    assert len(billing_mail(smtp_server)) == 1


def test_a_run_that_crashes_after_the_insert_leaves_one_invoice_and_one_message(cast, smtp_server):
    profile = services.profile_for(cast.birch)
    profile.auto_issue = True
    profile.save()
    today = timezone.localdate()
    run.run_invoicing(today)
    # The process died before the outbox delivered anything; the next run and two deliveries.
    run.run_invoicing(today)
    deliver_due()
    deliver_due()
    issued = Invoice.objects.filter(client=cast.birch).exclude(status=InvoiceStatus.DRAFT)
    assert issued.count() == 1
    # Birch has no financial director: the one invoice mail went to its boss.
    assert [m["To"] for m in billing_mail(smtp_server)] == [cast.birch_boss.email]


def test_one_broken_contract_does_not_stop_the_others(cast, monkeypatch, caplog):
    real = run.recurring_periods_due

    def broken(contract, today):
        if contract.pk == cast.acme_contract.pk:
            raise RuntimeError("corrupt contract")
        return real(contract, today)

    monkeypatch.setattr(run, "recurring_periods_due", broken)
    assert run.run_invoicing(timezone.localdate()) > 0
    assert Invoice.objects.filter(contract=cast.birch_contract).exists()
    assert not Invoice.objects.filter(contract=cast.acme_contract).exists()
    assert "corrupt contract" in caplog.text


def test_the_pdf_carries_the_provider_logo_address_and_bank_details(cast, settings, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (30, 60, 120)).save(logo)
    settings.GOODWILL_BILLING_LOGO = str(logo)
    settings.GOODWILL_BILLING_ADDRESS = "1 High Street|Leeds LS1 1AA"
    settings.GOODWILL_BILLING_VAT_NUMBER = "GB123456789"
    settings.GOODWILL_BILLING_BANK_DETAILS = "Sort code 12-34-56|Account 12345678"
    invoice = services.issue(_draft(cast), send=False)
    reader = PdfReader(io.BytesIO(bytes(invoice.pdf)))
    assert len(reader.pages[0].images) == 1
    text = pdf_text(bytes(invoice.pdf))
    for expected in ("Leeds LS1 1AA", "GB123456789", "Sort code 12-34-56", invoice.number):
        assert expected in text


def test_the_runs_period_hours_agree_with_the_contract_page(cast):
    from goodwill.desk.hours import hours_for, recent_periods

    today = timezone.localdate()
    contract = cast.acme_contract
    for n, days_ago in enumerate((3, 35, 36, 70, 150)):
        TimeEntry.objects.create(
            ticket=cast.ticket, contract=contract, user=cast.tech, minutes=300 + n * 45,
            billable=n % 2 == 1, work_date=today - dt.timedelta(days=days_ago),
        )
    periods = recent_periods(contract, 7, today)
    days = run._minutes_by_day([contract.pk], today)[contract.pk]
    ours = [run.period_hours(contract, p, days) for p in periods]
    assert ours == hours_for(contract, periods)
