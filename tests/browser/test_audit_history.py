"""In a real browser: an owner changes a contract's fee through its form, reads who changed what
in the contract's History, finds the same entry in the audit log, and both pages fit a 375 px
phone. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser


def test_owner_sees_a_contract_change_in_its_history_and_the_audit_log(live_server, cast, page):
    base = live_server.url
    contract = cast.acme_contract
    sign_in(page, base, "olivia")

    page.goto(f"{base}/contracts/{contract.pk}/edit/")
    page.locator("#id_fee").fill("2750.00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    history = page.locator("section.gw-audit-history")
    expect(history).to_contain_text("Olivia Owner changed contract")
    expect(history).to_contain_text("Fee: 2500.00 → 2750.00")

    history.get_by_role("link", name="Full audit log").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Fee: 2500.00 → 2750.00")

    page.set_viewport_size({"width": 375, "height": 800})
    ARTIFACTS.mkdir(exist_ok=True)
    for path, shot in (
        (f"/contracts/{contract.pk}/", "contract-history-phone.png"),
        ("/audit/?model=contracts.contract", "audit-log-phone.png"),
    ):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
