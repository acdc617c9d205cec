"""What the browser tests share: Debian's Chromium driven by Playwright, and signing in."""

from __future__ import annotations

from pathlib import Path

from goodwill.testing.personas import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling out to a closed network.
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


def sign_in(page, base: str, username: str) -> None:
    """Sign in through the real login form as one of the test personas."""
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, "sign-in failed: still on the login page"
