"""In a real browser: the bookkeeper issues a draft invoice, records a partial payment on it and
sees the ageing report change. Headless Chromium via Playwright against the live server."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser


def test_bookkeeper_issues_records_a_partial_payment_and_sees_the_ageing_change(
    live_server, cast, page
):
    from goodwill.billing import services
    from goodwill.billing.models import InvoiceKind

    draft = services.create_draft(
        client=cast.acme,
        kind=InvoiceKind.ONE_OFF,
        currency="GBP",
        lines=[services.LineInput("Server setup", Decimal("1"), Decimal("100.00"), Decimal("20"))],
    )
    sign_in(page, live_server.url, "bea")

    page.goto(f"{live_server.url}/billing/invoices/drafts/")
    page.get_by_role("link", name=draft.label).click()
    expect(page.get_by_test_id("invoice-total")).to_have_text("£120.00")
    page.get_by_role("button", name="Issue and e-mail").click()
    expect(page.locator(".alert-success")).to_contain_text(re.compile(r"Issued INV-\d{4}-0001"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Issued")

    invoice_url = page.url
    page.goto(f"{live_server.url}/billing/ageing/")
    expect(page.get_by_test_id("ageing-total")).to_have_text("£120.00")
    page.goto(invoice_url)

    page.locator("#id_amount").fill("50.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_test_id("invoice-balance")).to_have_text("£70.00")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Part-paid")

    page.goto(f"{live_server.url}/billing/ageing/")
    expect(page.get_by_test_id("ageing-total")).to_have_text("£70.00")
    expect(page.locator("[data-bucket=current]")).to_contain_text("£70.00")
    expect(page.locator("#ageing-chart")).to_have_attribute("data-ready", "1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "billing-ageing.png"), full_page=True)

    page.locator("[data-bucket=current]").click()
    expect(page).to_have_url(re.compile(r"/billing/invoices/\?age=current$"))
    expect(page.get_by_role("link", name=re.compile(r"INV-\d{4}-0001"))).to_be_visible()
