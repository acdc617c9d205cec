"""A Hypothesis state machine over issuing, paying, crediting and voiding: the books balance.

Invariants after every step: each document's balance is its total less what is applied to it,
no invoice is overpaid, the status follows the balance, and the client's balance equals what was
invoiced less credit notes and payments received (overpayments stay as credit, never vanish).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from goodwill.billing import services
from goodwill.billing.models import Allocation, Invoice, InvoiceKind, InvoiceStatus, Payment

amounts = st.decimals(min_value="0.01", max_value="5000", places=2)


@pytest.mark.django_db
def test_the_books_balance_whatever_staff_do(cast):
    client = cast.acme

    class Books(RuleBasedStateMachine):
        @initialize()
        def clean(self):
            Allocation.objects.filter(invoice__client=client).delete()
            Invoice.objects.filter(client=client).update(credits=None)
            Payment.objects.filter(client=client).delete()
            Invoice.objects.filter(client=client).delete()

        @rule(net=amounts, rate=st.sampled_from([Decimal("0"), Decimal("20"), Decimal("7.5")]))
        def issue_invoice(self, net, rate):
            draft = services.create_draft(
                client=client, kind=InvoiceKind.ONE_OFF, currency="GBP",
                lines=[services.LineInput("Work", Decimal("1"), net, rate)],
            )
            services.issue(draft, send=False)

        @rule(amount=amounts)
        def pay_oldest_first(self, amount):
            services.record_payment(client=client, amount=amount,
                                    received_on=timezone.localdate())

        @precondition(lambda self: Invoice.objects.filter(
            client=client, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID),
            kind=InvoiceKind.ONE_OFF).exists())
        @rule(share=st.integers(min_value=1, max_value=100))
        def credit_part_of_an_open_invoice(self, share):
            invoice = Invoice.objects.filter(
                client=client, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID),
                kind=InvoiceKind.ONE_OFF).first()
            amount = max(Decimal("0.01"), (invoice.total * share / 100).quantize(Decimal("0.01")))
            note = services.create_credit_note(invoice, amount=amount, reason="Goodwill")
            services.issue(note, send=False)

        @precondition(lambda self: Payment.objects.filter(client=client).exists())
        @rule()
        def spend_credit_on_account(self):
            for payment in Payment.objects.filter(client=client):
                left = payment.amount - payment.allocated
                invoice = Invoice.objects.filter(
                    client=client, balance__gt=0, kind=InvoiceKind.ONE_OFF,
                    status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID)).first()
                if left > 0 and invoice:
                    services.allocate(payment, invoice, min(left, invoice.balance))

        @invariant()
        def documents_balance(self):
            for doc in Invoice.objects.filter(client=client):
                assert doc.balance == doc.total - doc.paid
                if doc.is_credit:
                    assert doc.total < 0 and doc.total <= doc.paid <= 0
                    continue
                assert Decimal("0") <= doc.paid <= doc.total
                expected = (InvoiceStatus.PAID if doc.balance == 0 else
                            InvoiceStatus.PART_PAID if doc.paid else InvoiceStatus.ISSUED)
                assert doc.status == expected

        @invariant()
        def client_balance_is_invoiced_less_received(self):
            docs = Invoice.objects.filter(client=client).exclude(status=InvoiceStatus.DRAFT)
            invoiced = sum((d.total for d in docs), Decimal("0"))
            received = sum((p.amount for p in Payment.objects.filter(client=client)), Decimal("0"))
            balance = services.client_balance(client).get("GBP", Decimal("0"))
            assert balance == invoiced - received

    Books.TestCase.settings = settings(
        max_examples=15, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Books.TestCase().runTest()
