"""In a real browser: the queue's keyboard (j/k move, x ticks, / searches, Enter opens), tabs
and filters that swap the rows in place (htmx) and push the address, and a bulk assign.
Headless Debian Chromium driven by Playwright, against pytest-django's live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from goodwill.desk import services
from goodwill.desk.models import Ticket
from tests.browser.support import sign_in

pytestmark = pytest.mark.browser


def test_the_queue_works_from_the_keyboard_and_updates_in_place(live_server, cast, page):
    printer = services.open_ticket(requester=cast.complainer, subject="Printer jams again")
    services.open_ticket(requester=cast.acme_user, subject="New laptop for the nurse")
    sign_in(page, live_server.url, "tess")
    page.goto(f"{live_server.url}/tickets/")
    rows = page.locator("#queue-rows tr.gw-queue-row")
    expect(rows).to_have_count(3)

    # j/k move a visible focus; x ticks the focused row.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("x")
    expect(rows.nth(1).locator('input[name="ticket"]')).to_be_checked()
    expect(page.locator("[data-queue-ticked]")).to_have_text("1 ticked")
    ticked_ref = rows.nth(1).locator("td.gw-queue-ref a").inner_text()

    # Bulk: assign the ticked ticket to Adam (choosing whom leaves the ticks alone).
    page.locator("#bulk-assignee").select_option(str(cast.manager.pk))
    page.wait_for_timeout(300)
    expect(rows.nth(1).locator('input[name="ticket"]')).to_be_checked()
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"Assigned {ticked_ref} to Adam Manager")
    assert Ticket.objects.get(number=int(ticked_ref[3:])).assignee == cast.manager

    # A tab swaps the rows in place (the page is not reloaded) and pushes the address.
    page.evaluate("window.stillHere = true")
    page.get_by_role("link", name=re.compile(r"^My tickets")).click()
    expect(page).to_have_url(re.compile(r"/tickets/\?tab=mine$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("VPN down for the whole office")
    assert page.evaluate("window.stillHere") is True

    # So does a filter, with only the fields that are set in the address.
    page.get_by_role("link", name=re.compile(r"^All open")).click()
    expect(page).to_have_url(re.compile(r"/tickets/$"))
    expect(page.locator("#queue-tab")).to_have_value("open")
    page.locator("#queue-role").select_option("complainer")
    expect(page).to_have_url(re.compile(r"/tickets/\?role=complainer$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Printer jams again")
    assert page.evaluate("window.stillHere") is True

    # Enter opens the focused ticket.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{printer.number}/$"))

    # "/" goes to the ticket search, and a reference jumps to the ticket.
    page.goto(f"{live_server.url}/tickets/")
    page.keyboard.press("/")
    expect(page.locator("#queue-q")).to_be_focused()
    page.keyboard.type(cast.ticket.reference)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{cast.ticket.number}/$"))
