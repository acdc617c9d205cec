"""In a real browser: an owner signs in through the login form, opens the clients list, clicks
Acme Dental and sees its stakeholder map (the boss card names Maria Shaw, the financial
director's names Ana Costa). Headless Debian Chromium driven by Playwright, against
pytest-django's live server; a screenshot is left in test-artifacts/."""

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

# The four people who matter at Acme Dental, in the personas.
STAKEHOLDERS = ("Maria Shaw", "Tom Ito", "Ana Costa", "Dave Lund")

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (/usr/bin/chromium missing): "
        "apt-get install chromium, as .ci/run does",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(monkeypatch) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself would otherwise be refused as "called from an async context".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


def stakeholder_card(page, role: re.Pattern[str], name: str):
    """The innermost element that shows this role and this person, and no other stakeholder."""
    card = page.locator("body *").filter(has_text=role).filter(has_text=name)
    for other in STAKEHOLDERS:
        if other != name:
            card = card.filter(has_not_text=other)
    return card.last


def test_owner_signs_in_and_sees_the_stakeholder_map(live_server, cast, page):
    expect = sync_api.expect

    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("olivia")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, "sign-in failed: still on the login page"

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
