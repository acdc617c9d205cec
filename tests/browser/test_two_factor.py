"""In a real browser: a technician sets up two-factor sign-in from the Security page (typing the
key shown under the QR code into an "app", here django-otp's TOTP), keeps the recovery codes,
signs out, and signs in again with the password and then the app's code."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in by hand."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_set_up_two_factor_and_sign_in_with_it(live_server, cast, page):
    sign_in(page, live_server.url, "tess")
    page.get_by_role("button", name="Tess Tech").click()
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_role("link", name="Set up two-factor sign-in").click()

    expect(page.locator("[data-qr] svg")).to_be_visible()
    secret = page.locator("[data-secret]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "security-setup.png"), full_page=True)
    page.get_by_label("The 6-digit code the app shows").fill(app_code(secret))
    page.get_by_role("button", name="Switch it on").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    page.screenshot(path=str(ARTIFACTS / "security-recovery-codes.png"), full_page=True)

    page.get_by_role("button", name="Tess Tech").click()
    page.locator("form[action='/logout/'] button").click()
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("tess")
    page.locator("#id_password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("type the code it shows")).to_be_visible()
    page.goto(f"{live_server.url}/tickets/")  # not signed in yet
    expect(page).to_have_url(f"{live_server.url}/login/?next=/tickets/")

    page.goto(f"{live_server.url}/login/code/")
    # The code that switched it on is used; the app's next one is accepted.
    page.screenshot(path=str(ARTIFACTS / "login-code.png"))
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    page.goto(f"{live_server.url}/account/security/")
    expect(page.locator("[data-codes-left]")).to_have_text("10")
