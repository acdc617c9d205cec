"""In a real browser: the technician signs in, opens the queue, clicks the boss's ticket
("VPN down for the whole office"), replies and sets it to wait on the client, and sees the
status badge and the SLA clocks change: first response met, resolution paused. Then the
in-place controls (htmx) and the timer (ticket.js). Headless Debian Chromium driven by
Playwright, against pytest-django's live server; a screenshot is left in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (/usr/bin/chromium missing): "
        "apt-get install chromium, as .ci/run does",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(monkeypatch, settings, tmp_path) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself would otherwise be refused as "called from an async context".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, "sign-in failed: still on the login page"


def test_technician_replies_waiting_on_client_and_sees_status_and_clocks_change(
    live_server, cast, page
):
    expect = sync_api.expect
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
