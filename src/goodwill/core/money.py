"""Money: Decimal amounts with explicit rounding, formatted for people with Babel."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_name, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import get_language

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    """Round to cents, half up (the rule accountants expect, not banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def babel_locale(language: str | None = None) -> str:
    code = (language or get_language() or "en-gb").replace("-", "_")
    lang, _, region = code.partition("_")
    return f"{lang}_{region.upper()}" if region else lang


def format_money(
    amount: Decimal | int | float | None, currency: str, locale: str | None = None
) -> str:
    if amount is None:
        return "—"
    try:
        return format_currency(amount, currency, locale=babel_locale(locale))
    except UnknownLocaleError:
        return format_currency(amount, currency, locale="en_GB")


def validate_currency(code: str) -> None:
    if code not in list_currencies():
        raise ValidationError("%(code)s is not an ISO 4217 currency code.", params={"code": code})


def currency_choices() -> list[tuple[str, str]]:
    common = ["GBP", "EUR", "USD", "CHF", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK", "PLN", "ZAR"]
    return [(c, f"{c} · {get_currency_name(c, locale='en')}") for c in common]
