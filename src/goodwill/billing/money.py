"""Invoice arithmetic, in Decimal, with one documented rounding policy.

Tax rounding policy: LINE LEVEL, half up.
- A line's net is quantity × unit price, rounded to the cent half up (ROUND_HALF_UP).
- A line's tax is net × rate / 100, rounded to the cent half up, per line.
- A line's total is net + tax (already whole cents, so no further rounding).
- The invoice's subtotal, tax and total are the plain sums of the lines' rounded values, so
  total == subtotal + tax == Σ line totals exactly, and what the PDF prints per line adds up to
  what it prints at the bottom. (Document-level rounding would differ by a cent or so on some
  invoices; that mismatch between lines and total is what this policy rules out.)

Totals are computed here once when a draft changes and stored on the invoice; pages, exports and
PDFs render the stored values. Floats never enter: inputs are converted with Decimal(str(x)).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up (never Python's default banker's rounding)."""
    if isinstance(amount, float):
        raise TypeError("Money must be Decimal, not float")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> LineAmounts:
    for value in (quantity, unit_price, tax_rate):
        if isinstance(value, float):
            raise TypeError("Money must be Decimal, not float")
    net = cents(Decimal(quantity) * Decimal(unit_price))
    tax = cents(net * Decimal(tax_rate) / HUNDRED)
    return LineAmounts(net=net, tax=tax, total=net + tax)


def totals(lines: Iterable[LineAmounts]) -> Totals:
    subtotal = tax = Decimal("0.00")
    for line in lines:
        subtotal += line.net
        tax += line.tax
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)
