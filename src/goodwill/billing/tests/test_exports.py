"""CSV exports, including the Xero and QuickBooks Online invoice import layouts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from goodwill.billing import exports, services
from goodwill.billing.models import InvoiceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(cast):
    draft = services.create_draft(
        client=cast.acme, kind=InvoiceKind.ONE_OFF, currency="GBP",
        lines=[
            services.LineInput("=HYPERLINK(evil)", Decimal("2"), Decimal("10.00"), Decimal("20")),
            services.LineInput("Support", Decimal("1.5"), Decimal("85.00"), Decimal("0")),
        ],
    )
    return services.issue(draft, send=False)


def rows(response) -> list[dict]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(text.decode())))


def test_xero_layout(invoice, as_bookkeeper):
    response = as_bookkeeper.get(reverse("billing:export", args=["xero"]))
    assert response["Content-Type"].startswith("text/csv")
    data = rows(response)
    assert list(data[0]) == exports.XERO_COLUMNS
    assert [r["*InvoiceNumber"] for r in data] == [invoice.number] * 2
    first = data[0]
    assert first["*ContactName"] == "Acme Dental"
    assert (first["*Quantity"], first["*UnitAmount"]) == ("2.00", "10.00")
    assert first["*Description"].startswith("'=")  # no formula injection into spreadsheets
    assert data[1]["*TaxType"] == "No VAT"


def test_quickbooks_layout(invoice, as_bookkeeper):
    data = rows(as_bookkeeper.get(reverse("billing:export", args=["quickbooks"])))
    assert list(data[0]) == exports.QBO_COLUMNS
    assert data[1]["InvoiceNo"] == invoice.number
    assert data[1]["ItemAmount"] == "127.50" and data[1]["ItemQuantity"] == "1.50"
    assert data[0]["ItemTaxAmount"] == "4.00"


def test_invoices_and_payments_csv(invoice, cast, as_bookkeeper):
    services.record_payment(client=cast.acme, amount=Decimal("10"),
                            received_on=invoice.issue_date, reference="BACS")
    (inv,) = rows(as_bookkeeper.get(reverse("billing:export", args=["invoices"])))
    assert (inv["Number"], inv["Total"], inv["Balance"]) == (invoice.number, "151.50", "141.50")
    (pay,) = rows(as_bookkeeper.get(reverse("billing:export", args=["payments"])))
    assert pay["Invoices"] == invoice.number and pay["Amount"] == "10.00"


def test_technicians_cannot_export(invoice, as_tech):
    assert as_tech.get(reverse("billing:export", args=["invoices"])).status_code == 403
