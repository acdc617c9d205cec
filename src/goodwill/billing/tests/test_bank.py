"""Bank CSV import: match by reference and amount, preview, commit once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goodwill.billing import bank, services
from goodwill.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment

pytestmark = pytest.mark.django_db


def issued(client, net: str) -> Invoice:
    draft = services.create_draft(
        client=client, kind=InvoiceKind.ONE_OFF, currency="GBP",
        lines=[services.LineInput("Work", Decimal("1"), Decimal(net), Decimal("20"))],
    )
    return services.issue(draft, send=False)


def statement(*rows: str) -> bytes:
    return ("Date,Description,Amount\n" + "\n".join(rows) + "\n").encode()


def test_preview_matches_by_reference_and_amount_and_lists_the_rest(cast):
    a = issued(cast.acme, "100.00")  # 120.00
    b = issued(cast.birch, "250.00")  # 300.00
    content = statement(
        f"2026-03-02,ACME DENTAL {a.number},120.00",
        "2026-03-03,BIRCH AND CO,300.00",
        "2026-03-04,CARD REFUND,-12.50",
        "2026-03-05,INV-2019-0001 old,50.00",
        f"03/03/2026,Part {b.number},100.00",
    )
    result = bank.preview(content)
    matched = {(r.line, r.invoice.number, r.match) for r in result.matched}
    assert matched == {(2, a.number, "reference"), (3, b.number, "amount"),
                       (6, b.number, "reference")}
    assert [r.line for r in result.unmatched] == [4, 5]
    assert not Payment.objects.exists()  # a preview records nothing


def test_commit_records_payments_once_even_when_imported_twice(cast):
    a = issued(cast.acme, "100.00")
    content = statement(f"2026-03-02,{a.number},60.00", f"2026-03-09,{a.number},60.00")
    created, _ = bank.commit(content)
    assert created == 2
    a.refresh_from_db()
    assert a.status == InvoiceStatus.PAID
    again, result = bank.commit(content)
    assert again == 0 and all(r.already for r in result.rows)
    assert Payment.objects.count() == 2


def test_a_file_without_the_columns_is_refused_with_the_reason():
    with pytest.raises(bank.BankFileError, match="must name the columns"):
        bank.parse(b"foo,bar\n1,2\n")


def test_upload_preview_then_commit_through_the_pages(cast, as_bookkeeper):
    a = issued(cast.acme, "100.00")
    upload = SimpleUploadedFile("statement.csv", statement(f"2026-03-02,{a.number},120.00"))
    page = as_bookkeeper.post(reverse("billing:bank_import"), {"file": upload})
    assert page.status_code == 200 and a.number.encode() in page.content
    assert not Payment.objects.exists()
    done = as_bookkeeper.post(reverse("billing:bank_import_commit"))
    assert done.status_code == 302
    a.refresh_from_db()
    assert a.status == InvoiceStatus.PAID
