"""CSV exports: invoices, payments, and the invoice import layouts of Xero and QuickBooks Online.

Xero: the "Import sales invoices" CSV template (one row per line; the starred columns are the
required ones and keep their asterisk, as in Xero's template). QuickBooks Online: the invoice
import layout (InvoiceNo, Customer, InvoiceDate, DueDate, Item(Product/Service), …). Amounts are
plain decimals with a dot and dates ISO-like, as both importers expect; account and tax codes
come from settings so an installation can map them to its chart of accounts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.conf import settings

from goodwill.billing.models import Invoice, Payment

XERO_COLUMNS = [
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
    "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
    "Reference", "*InvoiceDate", "*DueDate", "InventoryItemCode", "*Description", "*Quantity",
    "*UnitAmount", "Discount", "*AccountCode", "*TaxType", "TrackingName1", "TrackingOption1",
    "TrackingName2", "TrackingOption2", "Currency", "BrandingTheme",
]  # fmt: skip
QBO_COLUMNS = [
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo",
    "Item(Product/Service)", "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount",
    "ItemTaxCode", "ItemTaxAmount", "Currency", "Service Date",
]  # fmt: skip


def _csv(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        # A leading = + - @ would make a spreadsheet run a formula (CSV injection).
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def invoices_csv(invoices: Iterable[Invoice]) -> str:
    header = [
        "Number", "Kind", "Status", "Client", "Contract", "Period start", "Period end",
        "Issue date", "Due date", "Currency", "Subtotal", "Tax", "Total", "Paid", "Balance",
        "Disputed", "Recipient",
    ]  # fmt: skip
    return _csv(header, (
        [
            i.number or i.label, i.get_kind_display(), i.get_status_display(), i.client.name,
            i.contract.name if i.contract_id else "", i.period_start, i.period_end,
            i.issue_date, i.due_date, i.currency, i.subtotal, i.tax, i.total, i.paid,
            i.balance, "yes" if i.disputed else "", i.recipient_email,
        ]
        for i in invoices
    ))  # fmt: skip


def payments_csv(payments: Iterable[Payment]) -> str:
    header = [
        "Received", "Client", "Currency", "Amount", "Allocated", "Unallocated", "Method",
        "Reference", "Invoices",
    ]
    return _csv(header, (
        [
            p.received_on, p.client.name, p.currency, p.amount, p.allocated, p.unallocated,
            p.get_method_display(), p.reference,
            " ".join(a.invoice.number or "" for a in p.allocations.all()),
        ]
        for p in payments
    ))  # fmt: skip


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def xero_csv(invoices: Iterable[Invoice]) -> str:
    account = settings.GOODWILL_BILLING_XERO_ACCOUNT_CODE
    rows = []
    for invoice in invoices:
        for line in invoice.lines.all():
            tax_type = (
                settings.GOODWILL_BILLING_XERO_TAX_TYPE if line.tax_rate else "No VAT"
            )
            row = dict.fromkeys(XERO_COLUMNS, "")
            row.update({
                "*ContactName": invoice.client.name,
                "EmailAddress": invoice.recipient_email,
                "*InvoiceNumber": invoice.number,
                "Reference": invoice.contract.name if invoice.contract_id else "",
                "*InvoiceDate": _date(invoice.issue_date),
                "*DueDate": _date(invoice.due_date),
                "*Description": line.description,
                "*Quantity": line.quantity,
                "*UnitAmount": line.unit_price,
                "*AccountCode": account,
                "*TaxType": tax_type,
                "Currency": invoice.currency,
            })  # fmt: skip
            rows.append([row[c] for c in XERO_COLUMNS])
    return _csv(XERO_COLUMNS, rows)


def qbo_csv(invoices: Iterable[Invoice]) -> str:
    rows = []
    for invoice in invoices:
        for line in invoice.lines.all():
            row = dict.fromkeys(QBO_COLUMNS, "")
            row.update({
                "InvoiceNo": invoice.number,
                "Customer": invoice.client.name,
                "InvoiceDate": _date(invoice.issue_date),
                "DueDate": _date(invoice.due_date),
                "Memo": invoice.notes[:100],
                "Item(Product/Service)": settings.GOODWILL_BILLING_QBO_ITEM,
                "ItemDescription": line.description,
                "ItemQuantity": line.quantity,
                "ItemRate": line.unit_price,
                "ItemAmount": line.net,
                "ItemTaxCode": f"{line.tax_rate.normalize():f}% S" if line.tax_rate else "No VAT",
                "ItemTaxAmount": line.tax,
                "Currency": invoice.currency,
                "Service Date": _date(invoice.period_start),
            })  # fmt: skip
            rows.append([row[c] for c in QBO_COLUMNS])
    return _csv(QBO_COLUMNS, rows)
