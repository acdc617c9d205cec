"""The billing pages for tests/test_every_page.py (same meaning as the dicts there)."""


def _invoice(c):
    from decimal import Decimal

    from goodwill.billing import services
    from goodwill.billing.models import InvoiceKind

    draft = services.create_draft(
        client=c.acme,
        kind=InvoiceKind.ONE_OFF,
        lines=[services.LineInput("Setup", Decimal("1"), Decimal("100.00"), Decimal("20"))],
        currency="GBP",
    )
    return services.issue(draft, send=False)


PAGES: dict = {
    "billing:invoices": None,
    "billing:invoice_create": None,
    "billing:drafts": None,
    "billing:invoice": lambda c: {"pk": _invoice(c).pk},
    "billing:payments": None,
    "billing:payment_create": None,
    "billing:bank_import": None,
    "billing:ageing": None,
    "billing:revenue": None,
    "billing:client": lambda c: {"client_pk": c.acme.pk},
}
NOT_PAGES: dict = {
    "billing:drafts_issue": "POST only; billing/tests/test_views.py",
    "billing:run": "POST only; billing/tests/test_views.py",
    "billing:invoice_issue": "POST only; billing/tests/test_views.py",
    "billing:invoice_void": "POST only; billing/tests/test_views.py",
    "billing:invoice_dispute": "POST only; billing/tests/test_views.py",
    "billing:invoice_credit": "POST only; billing/tests/test_views.py",
    "billing:invoice_line_add": "POST only; billing/tests/test_views.py",
    "billing:invoice_line_delete": "POST only; billing/tests/test_views.py",
    "billing:bank_import_commit": "POST only; billing/tests/test_bank.py",
    "billing:task_done": "POST only; billing/tests/test_views.py",
    "billing:reminder_send": "POST only; billing/tests/test_reminders.py",
    "billing:invoice_pdf": "a PDF download; billing/tests/test_views.py",
    "billing:statement": "a PDF download; billing/tests/test_views.py",
    "billing:export": "CSV downloads; billing/tests/test_exports.py",
}
STRICTER_INSIDE: dict = {}
