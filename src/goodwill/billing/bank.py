"""Bank statement CSV import: preview the matches, then commit them as payments.

A row matches an invoice by reference (an invoice number in the row's reference or description)
and amount (the open balance, or less for a part payment). Without a number in the reference, a
row matches when exactly one open invoice has that balance. Rows that match nothing are listed
for staff and never imported. Each row has an import key (a hash of its date, amount, reference
and how many identical rows came before it), unique on Payment, so importing the same statement
twice records each payment once.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from goodwill.billing import services
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod

NUMBER = re.compile(r"\b(INV-\d{4}-\d{4,})\b", re.IGNORECASE)
DATE_COLUMNS = ("date", "transaction date", "posted date", "booking date", "value date")
AMOUNT_COLUMNS = ("amount", "credit", "paid in", "money in", "value")
REFERENCE_COLUMNS = ("reference", "description", "memo", "details", "narrative", "payee")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%Y")


class BankFileError(ValueError):
    pass


@dataclass
class BankRow:
    line: int
    date: dt.date | None
    amount: Decimal | None
    reference: str
    import_key: str = ""
    invoice: Invoice | None = None
    match: str = ""  # "reference", "amount", or empty
    problem: str = ""
    already: bool = False

    @property
    def importable(self) -> bool:
        return self.invoice is not None and not self.problem and not self.already


@dataclass
class Preview:
    rows: list[BankRow] = field(default_factory=list)

    @property
    def matched(self) -> list[BankRow]:
        return [r for r in self.rows if r.importable]

    @property
    def unmatched(self) -> list[BankRow]:
        return [r for r in self.rows if not r.importable]


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in headers]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def _amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[^\d,.\-]", "", text or "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 1234,50
    cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def parse(content: bytes) -> list[BankRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    reader = csv.reader(io.StringIO(text))
    try:
        headers = next(reader)
    except StopIteration as exc:
        raise BankFileError("The file is empty.") from exc
    date_col = _column(headers, DATE_COLUMNS)
    amount_col = _column(headers, AMOUNT_COLUMNS)
    ref_col = _column(headers, REFERENCE_COLUMNS)
    if date_col is None or amount_col is None or ref_col is None:
        raise BankFileError(
            "The first row must name the columns: a date (Date), an amount (Amount) and a "
            f"reference (Reference or Description). Found: {', '.join(headers) or 'nothing'}."
        )
    rows, seen = [], Counter()
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        padded = values + [""] * (max(date_col, amount_col, ref_col) + 1 - len(values))
        row = BankRow(
            line=line,
            date=_date(padded[date_col]),
            amount=_amount(padded[amount_col]),
            reference=padded[ref_col].strip()[:200],
        )
        basis = f"{row.date}|{row.amount}|{row.reference.lower()}"
        seen[basis] += 1
        row.import_key = hashlib.sha256(f"{basis}|{seen[basis]}".encode()).hexdigest()
        rows.append(row)
    return rows


def preview(content: bytes) -> Preview:
    rows = parse(content)
    open_invoices = list(
        Invoice.objects.filter(
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID), balance__gt=0
        )
        .exclude(kind=InvoiceKind.CREDIT)
        .select_related("client")
    )
    by_number = {i.number.upper(): i for i in open_invoices}
    by_balance = Counter(i.balance for i in open_invoices)
    known = set(
        Payment.objects.filter(import_key__in=[r.import_key for r in rows]).values_list(
            "import_key", flat=True
        )
    )
    for row in rows:
        if row.date is None:
            row.problem = "No date this file's format is understood in"
        elif row.amount is None or row.amount <= 0:
            row.problem = "Not money received (no amount, or money paid out)"
        if row.import_key in known:
            row.already = True
            row.problem = row.problem or "Already imported"
        if row.problem:
            continue
        numbers = [n.upper() for n in NUMBER.findall(row.reference)]
        candidates = [by_number[n] for n in numbers if n in by_number]
        if candidates:
            invoice = candidates[0]
            if row.amount > invoice.balance:
                row.problem = f"More than the {invoice.balance} still open on {invoice.number}"
            row.invoice, row.match = invoice, "reference"
        elif numbers:
            row.problem = f"{numbers[0]} is not an open invoice"
        elif by_balance[row.amount] == 1:
            row.invoice = next(i for i in open_invoices if i.balance == row.amount)
            row.match = "amount"
        else:
            row.problem = "No invoice number in the reference and no single invoice of this amount"
    return Preview(rows)


def commit(content: bytes, by=None) -> tuple[int, Preview]:
    """Record a payment for each matched row (in one transaction); returns how many."""
    result = preview(content)
    created = 0
    with transaction.atomic():
        for row in result.matched:
            try:
                with transaction.atomic():
                    services.record_payment(
                        client=row.invoice.client,
                        amount=row.amount,
                        currency=row.invoice.currency,
                        received_on=row.date,
                        reference=row.reference,
                        method=PaymentMethod.BANK,
                        note=f"Bank import, line {row.line}",
                        allocations=[(row.invoice, row.amount)],
                        by=by,
                        import_key=row.import_key,
                    )
            except IntegrityError:
                row.already = True  # imported meanwhile by someone else
                continue
            except services.BillingError as error:
                row.problem = str(error)
                continue
            created += 1
    return created, result
