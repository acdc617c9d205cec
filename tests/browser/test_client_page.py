"""In a real browser: an owner signs in through the login form, opens the clients list, clicks
Acme Dental and sees its stakeholder map (the boss card names Maria Shaw, the financial
director's names Ana Costa). Headless Debian Chromium driven by Playwright, against
pytest-django's live server; a screenshot is left in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

# The four people who matter at Acme Dental, in the personas.
STAKEHOLDERS = ("Maria Shaw", "Tom Ito", "Ana Costa", "Dave Lund")


def stakeholder_card(page, role: re.Pattern[str], name: str):
    """The innermost element that shows this role and this person, and no other stakeholder."""
    card = page.locator("body *").filter(has_text=role).filter(has_text=name)
    for other in STAKEHOLDERS:
        if other != name:
            card = card.filter(has_not_text=other)
    return card.last


def test_owner_signs_in_and_sees_the_stakeholder_map(live_server, cast, page):
    sign_in(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/clients/")
    page.get_by_role("link", name="Acme Dental").first.click()
    expect(page).to_have_url(re.compile(rf"/clients/{cast.acme.pk}/$"))
    expect(page.get_by_role("heading", name=re.compile("Acme Dental")).first).to_be_visible()

    boss = stakeholder_card(page, re.compile(r"the boss|decision maker", re.I), "Maria Shaw")
    fd = stakeholder_card(page, re.compile(r"financial director|billing", re.I), "Ana Costa")
    expect(boss).to_be_visible()
    expect(fd).to_be_visible()
    expect(boss).not_to_contain_text("Ana Costa")
    expect(fd).not_to_contain_text("Maria Shaw")
    # The other client's people never appear on Acme's page.
    expect(page.locator("body")).not_to_contain_text("Bill Birch")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "client-page.png"), full_page=True)
