"""In a real browser: the technician signs in, opens the queue, clicks the boss's ticket
("VPN down for the whole office"), replies and sets it to wait on the client, and sees the
status badge and the SLA clocks change: first response met, resolution paused. Then the
in-place controls (htmx) and the timer (ticket.js). Headless Debian Chromium driven by
Playwright, against pytest-django's live server; a screenshot is left in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser


def test_technician_replies_waiting_on_client_and_sees_status_and_clocks_change(
    live_server, cast, page
):
    ticket = cast.ticket
    sign_in(page, live_server.url, "tess")

    page.goto(f"{live_server.url}/tickets/")
    row = page.locator("tr", has=page.get_by_role("link", name=ticket.reference))
    expect(row).to_contain_text("VPN down for the whole office")
    row.get_by_role("link", name=ticket.reference).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.number}/$"))

    status = page.get_by_test_id("ticket-status")
    first = page.locator('.gw-clock[data-clock="first_response"]')
    resolution = page.locator('.gw-clock[data-clock="resolution"]')
    expect(page.get_by_role("heading", name="VPN down for the whole office")).to_be_visible()
    expect(status).to_have_text("New")
    expect(first).to_have_attribute("data-state", "running")
    expect(first).to_contain_text(re.compile(r"Due in|Breached"))

    page.locator("#id_body").fill("Hi Maria, can you restart the router in the comms cupboard?")
    page.get_by_role("button", name="Send · Waiting on client").click()
    page.wait_for_load_state()

    expect(page.get_by_role("status").first).to_contain_text("Reply sent")
    expect(status).to_have_text("Waiting on client")
    expect(first).to_have_attribute("data-state", "met")
    expect(first).to_contain_text("Met in")
    expect(resolution).to_have_attribute("data-state", "paused")
    expect(resolution).to_contain_text(re.compile(r"Paused .* waiting on client"))
    expect(page.locator("#conversation")).to_contain_text("restart the router")
    expect(page.locator("#ticket-history")).to_contain_text(
        "Tess Tech set status to Waiting on client"
    )

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticket-flow.png"), full_page=True)

    # The controls change the ticket in place: the header and history follow without a reload.
    page.locator("#ctl-priority").select_option("P1")
    expect(page.locator("#ticket-head .gw-priority")).to_have_text("P1")
    expect(page.locator("#ticket-history")).to_contain_text("changed priority from P2 to P1")

    # The timer fills the time field; logging it updates the time card in place.
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator(".gw-timer")).to_contain_text("Stop")
    page.locator(".gw-timer").click()
    expect(page.locator("#id_minutes")).to_have_value("1m")
    page.locator("#id_note").fill("Talked Maria through the router restart")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator("#time")).to_contain_text("Talked Maria through the router restart")
    expect(page.locator("#time")).to_contain_text("Time logged.")
