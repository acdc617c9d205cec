"""The billing pages' actions, as staff use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.billing import services
from goodwill.billing.models import BillingTask, Invoice, InvoiceKind, InvoiceStatus, TaskKind
from goodwill.clients.models import PersonRole, StakeholderRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    return services.create_draft(
        client=cast.acme, kind=InvoiceKind.ONE_OFF, currency="GBP",
        lines=[services.LineInput("Setup", Decimal("1"), Decimal("100.00"), Decimal("20"))],
    )


def test_add_a_line_issue_pay_part_and_see_the_balance(draft, as_bookkeeper):
    url = reverse("billing:invoice", args=[draft.pk])
    as_bookkeeper.post(reverse("billing:invoice_line_add", args=[draft.pk]), {
        "description": "Cable", "quantity": "2", "unit_price": "5.00", "tax_rate": "20"})
    draft.refresh_from_db()
    assert draft.total == Decimal("132.00")
    as_bookkeeper.post(reverse("billing:invoice_issue", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.number
    page = as_bookkeeper.get(url)
    assert draft.number.encode() in page.content and "£132.00".encode() in page.content
    as_bookkeeper.post(reverse("billing:payment_create") + f"?invoice={draft.pk}", {
        "client": draft.client_id, "invoice": draft.pk, "currency": "GBP", "amount": "32.00",
        "received_on": timezone.localdate().isoformat(), "method": "bank", "reference": "x"})
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.PART_PAID and draft.balance == Decimal("100.00")


def test_payment_form_errors_are_precise(draft, cast, as_bookkeeper):
    invoice = services.issue(draft, send=False)
    response = as_bookkeeper.post(reverse("billing:payment_create"), {
        "client": cast.birch.pk, "invoice": invoice.pk, "currency": "GBP", "amount": "-1",
        "received_on": "", "method": "bank"})
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{invoice.number} is not an invoice of Birch" in text
    assert "greater than or equal to 0.01" in text


def test_dispute_void_and_credit_from_the_page(draft, as_bookkeeper):
    invoice = services.issue(draft, send=False)
    as_bookkeeper.post(reverse("billing:invoice_dispute", args=[invoice.pk]),
                       {"disputed": "1", "note": "Not ordered"})
    invoice.refresh_from_db()
    assert invoice.disputed and invoice.dispute_note == "Not ordered"
    page = as_bookkeeper.get(reverse("billing:invoice", args=[invoice.pk]))
    assert b"Reminders are paused" in page.content
    response = as_bookkeeper.post(reverse("billing:invoice_credit", args=[invoice.pk]),
                                  {"credit-amount": "", "credit-reason": "Not ordered"})
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT)
    assert response.url == reverse("billing:invoice", args=[note.pk])
    as_bookkeeper.post(reverse("billing:invoice_void", args=[note.pk]))
    note.refresh_from_db()
    assert note.status == InvoiceStatus.VOID


def test_drafts_run_and_bulk_issue(cast, as_bookkeeper):
    as_bookkeeper.post(reverse("billing:run"))
    drafts = list(Invoice.objects.filter(status=InvoiceStatus.DRAFT).values_list("pk", flat=True))
    assert drafts
    page = as_bookkeeper.get(reverse("billing:drafts"))
    assert page.status_code == 200
    as_bookkeeper.post(reverse("billing:drafts_issue"), {"invoice": drafts[:2]})
    assert Invoice.objects.filter(status=InvoiceStatus.ISSUED).count() == 2


def test_account_managers_see_but_cannot_act(draft, as_manager):
    assert as_manager.get(reverse("billing:invoice", args=[draft.pk])).status_code == 200
    assert as_manager.post(reverse("billing:invoice_issue", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


def test_pdf_and_statement_downloads(draft, cast, as_bookkeeper):
    invoice = services.issue(draft, send=False)
    pdf = as_bookkeeper.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    statement = as_bookkeeper.get(reverse("billing:statement", args=[cast.acme.pk]))
    assert statement.content.startswith(b"%PDF")


def test_client_page_warns_when_invoices_go_to_the_boss(cast, as_owner):
    url = reverse("clients:detail", args=[cast.acme.pk])
    assert b"Invoices go to Ana Costa" in as_owner.get(url).content
    PersonRole.objects.filter(person=cast.fd, role=StakeholderRole.BILLING).delete()
    page = as_owner.get(url).content.decode()
    assert "No financial director with an e-mail address: invoices go to the boss" in page


def test_client_page_hides_billing_from_technicians(cast, as_tech):
    page = as_tech.get(reverse("clients:detail", args=[cast.acme.pk]))
    assert page.status_code == 200 and b'id="billing-h"' not in page.content


def test_tasks_are_listed_and_can_be_done(draft, cast, as_bookkeeper):
    invoice = services.issue(draft, send=False)
    task = BillingTask.objects.create(invoice=invoice, client=cast.acme, kind=TaskKind.CALL,
                                      title="Call Ana Costa", due_on=timezone.localdate(),
                                      key="t1")
    assert b"Call Ana Costa" in as_bookkeeper.get(reverse("billing:invoices")).content
    as_bookkeeper.post(reverse("billing:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None


def test_list_filters_overdue_and_by_age(draft, cast, as_bookkeeper):
    invoice = services.issue(draft, send=False)
    Invoice.objects.filter(pk=invoice.pk).update(
        due_date=timezone.localdate() - timezone.timedelta(days=40))
    base = reverse("billing:invoices")
    assert invoice.number.encode() in as_bookkeeper.get(base + "?age=31-60").content
    assert invoice.number.encode() not in as_bookkeeper.get(base + "?age=1-30").content
    assert invoice.number.encode() in as_bookkeeper.get(base + "?overdue=1").content
    assert as_bookkeeper.get(reverse("billing:ageing")).status_code == 200
    assert as_bookkeeper.get(reverse("billing:revenue")).status_code == 200


def test_revenue_marks_a_client_at_risk_while_its_boss_is_unhappy(cast, as_owner):
    from goodwill.happiness.signals import record_signal

    url = reverse("billing:revenue")
    assert b"At risk" not in as_owner.get(url).content
    for n in range(3):
        record_signal(kind="sla_breached", value=-0.6, occurred_at=timezone.now(),
                      person=cast.boss, key=f"risk{n}", note="breach")
    page = as_owner.get(url).content.decode()
    assert "At risk" in page and "Maria Shaw is unhappy" in page
