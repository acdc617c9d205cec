"""Payments (full, partial, over), credit notes, balances and the statement of account."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from goodwill.billing import reports, services
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus
from goodwill.billing.pdf import render_statement

pytestmark = pytest.mark.django_db


def issued(cast, net="100.00", client=None) -> Invoice:
    draft = services.create_draft(
        client=client or cast.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[services.LineInput("Support", Decimal("1"), Decimal(net), Decimal("20"))],
        currency="GBP",
    )
    return services.issue(draft, send=False)


def test_partial_then_full_payment(cast):
    invoice = issued(cast)  # 120.00 gross
    today = timezone.localdate()
    services.record_payment(client=cast.acme, amount=Decimal("50"), received_on=today,
                            allocations=[(invoice, Decimal("50"))])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid, invoice.balance) == (
        InvoiceStatus.PART_PAID, Decimal("50.00"), Decimal("70.00"))
    services.record_payment(client=cast.acme, amount=Decimal("70"), received_on=today)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0
    assert invoice.paid_at == today


def test_overpayment_stays_as_credit_on_account(cast):
    first, second = issued(cast), issued(cast, net="50.00")
    payment = services.record_payment(
        client=cast.acme, amount=Decimal("200.00"), received_on=timezone.localdate()
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == InvoiceStatus.PAID
    assert payment.unallocated == Decimal("20.00")  # 200 - 120 - 60
    assert services.client_balance(cast.acme) == {"GBP": Decimal("-20.00")}
    later = issued(cast, net="10.00")
    services.allocate(payment, later, Decimal("12.00"))
    later.refresh_from_db()
    assert later.status == InvoiceStatus.PAID
    assert services.client_balance(cast.acme) == {"GBP": Decimal("-8.00")}


def test_an_allocation_cannot_exceed_what_is_open(cast):
    invoice = issued(cast)
    with pytest.raises(services.BillingError):
        services.record_payment(client=cast.acme, amount=Decimal("500"),
                                received_on=timezone.localdate(),
                                allocations=[(invoice, Decimal("500"))])
    other = issued(cast, client=cast.birch)
    payment = services.record_payment(client=cast.acme, amount=Decimal("1"),
                                      received_on=timezone.localdate(), allocations=[])
    with pytest.raises(services.BillingError):
        services.allocate(payment, other, Decimal("1"))


def test_a_credit_note_pays_down_the_invoice_it_corrects(cast):
    invoice = issued(cast)
    note = services.create_credit_note(invoice, amount=Decimal("30.00"), reason="Visit missed")
    note = services.issue(note, send=False)
    assert note.number.startswith("CN-") and note.total == Decimal("-30.00")
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("90.00") and invoice.status == InvoiceStatus.PART_PAID
    assert services.client_balance(cast.acme) == {"GBP": Decimal("90.00")}


def test_a_full_credit_note_mirrors_every_line(cast):
    invoice = issued(cast, net="33.33")
    note = services.issue(services.create_credit_note(invoice, reason="Wrong client"), send=False)
    assert note.total == -invoice.total and note.tax == -invoice.tax
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0


def test_voiding_is_refused_once_money_is_applied(cast):
    invoice = issued(cast)
    services.record_payment(client=cast.acme, amount=Decimal("10"),
                            received_on=timezone.localdate())
    with pytest.raises(services.BillingError):
        services.void(invoice)


def test_statement_of_account_lists_documents_and_payments_with_a_running_balance(cast):
    invoice = issued(cast)
    services.record_payment(client=cast.acme, amount=Decimal("100.00"),
                            received_on=timezone.localdate(), reference="BACS ACME")
    rows = reports.statement_rows(cast.acme, "GBP")
    assert [r["balance"] for r in rows] == [Decimal("120.00"), Decimal("20.00")]
    content = render_statement(cast.acme, rows, timezone.localdate(), "GBP")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Acme Dental" in text and invoice.number in text and "£20.00" in text


def test_ageing_buckets_by_days_past_due(cast):
    today = timezone.localdate()
    for days, net in ((-5, "10"), (10, "20"), (45, "30"), (75, "40"), (120, "50")):
        inv = issued(cast, net=net)
        Invoice.objects.filter(pk=inv.pk).update(due_date=today - timezone.timedelta(days=days))
    report = reports.ageing(today)
    (row,) = report.rows
    assert row.buckets == {
        "current": Decimal("12.00"), "1-30": Decimal("24.00"), "31-60": Decimal("36.00"),
        "61-90": Decimal("48.00"), "90+": Decimal("60.00"),
    }
    for key, amount in row.buckets.items():
        found = reports.open_invoices().filter(reports.bucket_filter(key, today))
        assert [i.balance for i in found] == [amount]
