"""Invoice, credit note and statement PDFs with fpdf2 (pure Python, no system packages).

They print the stored amounts only (lines' net/tax/total and the invoice's totals), so a PDF
always agrees with the pages to the cent. Core PDF fonts cover Latin-1 only: text is folded to
it (a euro sign becomes "EUR"), which keeps the PDF free of font files.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

from goodwill.billing.models import Invoice, InvoiceLine
from goodwill.core.money import babel_locale, format_money

logger = logging.getLogger("goodwill.billing")

REPLACEMENTS = {
    "€": "EUR ", "–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
    "\u202f": " ", "\u00a0": " ", "\u2009": " ", "•": "-", "·": "-",
}  # fmt: skip


def latin1(text: object) -> str:
    value = "".join(REPLACEMENTS.get(ch, ch) for ch in str(text))
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        folded = unicodedata.normalize("NFKD", value)
        return folded.encode("latin-1", "ignore").decode("latin-1")


def pdf_locale() -> str:
    return babel_locale(settings.LANGUAGE_CODE)


def amount(value: Decimal, currency: str) -> str:
    return latin1(format_money(value, currency, pdf_locale()))


def day(value: dt.date | None) -> str:
    from babel.dates import format_date

    return latin1(format_date(value, "medium", locale=pdf_locale())) if value else "-"


class Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.set_title(latin1(title))
        self.set_author(latin1(settings.GOODWILL_BILLING_LEGAL_NAME))
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.set_text_color(120)
        legal = settings.GOODWILL_BILLING_LEGAL_NAME
        if settings.GOODWILL_BILLING_VAT_NUMBER:
            legal += f" - VAT {settings.GOODWILL_BILLING_VAT_NUMBER}"
        self.cell(0, 5, latin1(f"{legal} - page {self.page_no()}"), align="C")

    def text_line(self, text: str, size: float = 9, bold: bool = False, h: float = 4.6) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.cell(0, h, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _provider_block(doc: Document) -> None:
    logo = settings.GOODWILL_BILLING_LOGO
    top = doc.get_y()
    if logo and Path(logo).is_file():
        try:
            doc.image(logo, x=15, y=top, h=16)
            doc.set_y(top + 18)
        except Exception:  # a broken logo must not stop an invoice going out
            logger.warning("The invoice logo %s could not be drawn", logo, exc_info=True)
    doc.text_line(settings.GOODWILL_BILLING_LEGAL_NAME, size=12, bold=True, h=6)
    for line in filter(None, settings.GOODWILL_BILLING_ADDRESS.split("|")):
        doc.text_line(line.strip())
    if settings.GOODWILL_BILLING_VAT_NUMBER:
        doc.text_line(f"VAT number {settings.GOODWILL_BILLING_VAT_NUMBER}")
    if settings.GOODWILL_BILLING_EMAIL:
        doc.text_line(settings.GOODWILL_BILLING_EMAIL)


def _client_block(doc: Document, invoice_or_client) -> None:
    client = getattr(invoice_or_client, "client", invoice_or_client)
    profile = getattr(client, "billing", None) if hasattr(client, "billing") else None
    doc.ln(4)
    doc.text_line("Bill to", size=8, bold=True)
    doc.text_line(client.name, size=10, bold=True, h=5)
    person = getattr(invoice_or_client, "recipient", None)
    if person is not None:
        doc.text_line(f"For the attention of {person.full_name}")
    address = (profile.billing_address if profile and profile.billing_address else client.address)
    for line in filter(None, (address or "").splitlines()):
        doc.text_line(line.strip())
    if profile and profile.vat_number:
        doc.text_line(f"VAT number {profile.vat_number}")


def render_invoice(invoice: Invoice, lines: Sequence[InvoiceLine]) -> bytes:
    title = "Credit note" if invoice.is_credit else "Invoice"
    doc = Document(f"{title} {invoice.label}")
    _provider_block(doc)

    doc.set_xy(120, 15)
    doc.set_font("Helvetica", "B", 18)
    doc.cell(75, 9, latin1(title.upper()), align="R", new_x="LEFT", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    facts = [("Number", invoice.label), ("Date", day(invoice.issue_date))]
    if not invoice.is_credit:
        facts.append(("Due", day(invoice.due_date)))
    if invoice.credits_id:
        facts.append(("Credits", invoice.credits.label))
    if invoice.period_start and invoice.period_end:
        facts.append(("Period", f"{day(invoice.period_start)} - {day(invoice.period_end)}"))
    for label, value in facts:
        doc.set_x(120)
        doc.cell(75, 5, latin1(f"{label}: {value}"), align="R", new_x="LEFT", new_y="NEXT")
    doc.set_y(max(doc.get_y(), 50))
    _client_block(doc, invoice)

    doc.ln(6)
    widths = (80, 16, 26, 14, 24, 20)
    heads = ("Description", "Qty", "Unit price", "Tax", "Net", "Tax amount")
    doc.set_font("Helvetica", "B", 8.5)
    doc.set_fill_color(235, 238, 242)
    for width, head in zip(widths, heads, strict=True):
        doc.cell(width, 7, head, border="B", align="L" if head == "Description" else "R", fill=True)
    doc.ln()
    doc.set_font("Helvetica", "", 8.5)
    cur = invoice.currency
    for line in lines:
        cells = (
            latin1(line.description)[:60],
            f"{line.quantity.normalize():f}",
            amount(line.unit_price, cur),
            f"{line.tax_rate.normalize():f}%",
            amount(line.net, cur),
            amount(line.tax, cur),
        )
        for width, text, align in zip(widths, cells, "LRRRRR", strict=True):
            doc.cell(width, 6.5, text, border="B", align=align)
        doc.ln()

    doc.ln(3)
    totals = [("Subtotal", invoice.subtotal), ("Tax", invoice.tax), ("Total", invoice.total)]
    if invoice.paid:
        totals.append(("Paid", invoice.paid))
    if not invoice.is_credit:
        totals.append(("Balance due", invoice.balance))
    for label, value in totals:
        bold = label in ("Total", "Balance due")
        doc.set_font("Helvetica", "B" if bold else "", 10 if bold else 9)
        doc.set_x(110)
        doc.cell(50, 6, label, align="R")
        doc.cell(30, 6, amount(value, cur), align="R", new_x="LMARGIN", new_y="NEXT")

    doc.ln(6)
    if invoice.notes:
        doc.set_font("Helvetica", "", 9)
        doc.multi_cell(0, 4.6, latin1(invoice.notes), new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)
    bank = settings.GOODWILL_BILLING_BANK_DETAILS
    if bank and not invoice.is_credit:
        doc.text_line("How to pay", bold=True)
        for line in bank.split("|"):
            doc.text_line(line.strip())
        doc.text_line(f"Please quote {invoice.label} as the payment reference.")
    return bytes(doc.output())


def render_statement(client, rows: Sequence[dict], today: dt.date, currency: str) -> bytes:
    """A statement of account: every issued document and payment with a running balance."""
    doc = Document(f"Statement of account {client.name}")
    _provider_block(doc)
    doc.set_xy(110, 15)
    doc.set_font("Helvetica", "B", 16)
    doc.cell(85, 9, "STATEMENT OF ACCOUNT", align="R", new_x="LEFT", new_y="NEXT")
    doc.set_font("Helvetica", "", 9)
    doc.set_x(110)
    doc.cell(85, 5, latin1(f"As at {day(today)}"), align="R", new_x="LEFT", new_y="NEXT")
    doc.set_y(max(doc.get_y(), 50))
    _client_block(doc, client)
    doc.ln(6)
    widths = (24, 30, 64, 22, 22, 24)
    heads = ("Date", "Document", "Details", "Charges", "Payments", "Balance")
    doc.set_font("Helvetica", "B", 8.5)
    doc.set_fill_color(235, 238, 242)
    for width, head in zip(widths, heads, strict=True):
        doc.cell(width, 7, head, border="B", fill=True, align="R" if width in (22, 24) else "L")
    doc.ln()
    doc.set_font("Helvetica", "", 8.5)
    for row in rows:
        cells = (
            day(row["date"]),
            latin1(row["document"]),
            latin1(row["details"])[:40],
            amount(row["debit"], currency) if row["debit"] else "",
            amount(row["credit"], currency) if row["credit"] else "",
            amount(row["balance"], currency),
        )
        for width, text, align in zip(widths, cells, "LLLRRR", strict=True):
            doc.cell(width, 6.5, text, border="B", align=align)
        doc.ln()
    doc.ln(4)
    closing = rows[-1]["balance"] if rows else Decimal("0.00")
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 6, latin1(f"Balance {amount(closing, currency)}"), align="R")
    return bytes(doc.output())
