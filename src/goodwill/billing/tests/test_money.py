"""Property tests for the line-level tax rounding policy (billing.money)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.billing import money

quantities = st.decimals(min_value="-50", max_value="500", places=2)
prices = st.decimals(min_value="0", max_value="100000", places=2)
rates = st.sampled_from([Decimal(x) for x in ("0", "5", "7.5", "8.1", "15", "19", "20", "21")])
lines = st.lists(st.tuples(quantities, prices, rates), min_size=1, max_size=12)


@pytest.fixture
def cast_for_hypothesis(db):
    from goodwill.clients.models import Client

    return Client.objects.create(name="Hypothesis Ltd")


@given(lines)
def test_total_is_the_sum_of_the_rounded_lines(rows):
    amounts = [money.line_amounts(q, p, r) for q, p, r in rows]
    result = money.totals(amounts)
    assert result.total == sum((a.total for a in amounts), Decimal("0"))
    assert result.subtotal == sum((a.net for a in amounts), Decimal("0"))
    assert result.tax == sum((a.tax for a in amounts), Decimal("0"))
    assert result.total == result.subtotal + result.tax


@given(quantities, prices, rates)
def test_each_line_is_whole_cents_and_rounded_half_up(q, p, r):
    line = money.line_amounts(q, p, r)
    for value in (line.net, line.tax, line.total):
        assert isinstance(value, Decimal)
        assert value == value.quantize(Decimal("0.01"))
    exact_net = q * p
    assert abs(line.net - exact_net) <= Decimal("0.005")
    assert abs(line.tax - line.net * r / 100) <= Decimal("0.005")
    assert line.total == line.net + line.tax


@given(quantities, prices, rates)
def test_a_credit_line_mirrors_the_invoice_line(q, p, r):
    # Half up rounds away from zero both ways, so crediting a line cancels it to the cent.
    assert money.line_amounts(-q, p, r).total == -money.line_amounts(q, p, r).total


def test_half_cents_round_up_not_to_even():
    # 2.5 cents of tax: banker's rounding would give 0.02.
    assert money.line_amounts(Decimal("1"), Decimal("0.125"), Decimal("0")).net == Decimal("0.13")
    assert money.cents(Decimal("0.025")) == Decimal("0.03")
    line = money.line_amounts(Decimal("1"), Decimal("0.25"), Decimal("10"))
    assert line.tax == Decimal("0.03")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        money.line_amounts(1.0, Decimal("1"), Decimal("20"))
    with pytest.raises(TypeError):
        money.cents(0.1)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines)
def test_stored_invoice_totals_are_decimal_sums_of_the_stored_lines(cast_for_hypothesis, rows):
    from goodwill.billing import services
    from goodwill.billing.models import Invoice, InvoiceKind

    invoice = services.create_draft(
        client=cast_for_hypothesis,
        kind=InvoiceKind.ONE_OFF,
        currency="GBP",
        lines=[services.LineInput("Line", q, p, r) for q, p, r in rows],
    )
    stored = Invoice.objects.get(pk=invoice.pk)
    stored_lines = list(stored.lines.all())
    for value in (stored.subtotal, stored.tax, stored.total, stored.balance):
        assert isinstance(value, Decimal)
    assert stored.total == sum((line.total for line in stored_lines), Decimal("0"))
    assert stored.subtotal + stored.tax == stored.total
    for line, (q, p, r) in zip(stored_lines, rows, strict=True):
        assert (line.net, line.tax, line.total) == tuple(vars(money.line_amounts(q, p, r)).values())
