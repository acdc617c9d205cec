"""In a real browser on a phone-sized screen (375×740, New York time): a visitor opens the
public booking page, sees times in their own zone (detected by the page), picks one with the
keyboard, fills in the form, is booked, then cancels from the confirmation page. No login."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_visitor_books_and_cancels_on_a_phone(live_server, cast, page):
    from goodwill.scheduling.models import Booking, BookingStatus, Prospect
    from goodwill.scheduling.testing import consultation, give_hours

    give_hours(cast.manager)
    consultation(cast.manager)
    phone = page.context.browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
        timezone_id="America/New_York", locale="en-US",
    )
    phone.set_default_timeout(15_000)
    visitor = phone.new_page()
    try:
        visitor.goto(f"{live_server.url}/book/")
        # The page detects the browser's zone and shows times in it.
        expect(visitor).to_have_url(re.compile(r"tz=America%2FNew_York|tz=America/New_York"))
        expect(visitor.locator("#tz")).to_have_value("America/New_York")
        heading = visitor.get_by_role("heading", name=re.compile("Book your diagnostic"))
        expect(heading).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        visitor.screenshot(path=str(ARTIFACTS / "booking-slots-phone.png"), full_page=True)
        width = visitor.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"

        first = visitor.locator("a[data-slot]").first
        chosen = first.inner_text().strip()[:5]
        first.focus()
        visitor.keyboard.press("Enter")
        expect(visitor.get_by_role("heading", name="Your details")).to_be_visible()
        expect(visitor.locator(".gw-chosen")).to_contain_text(chosen)
        expect(visitor.locator(".gw-chosen")).to_contain_text("America/New_York")

        visitor.get_by_role("textbox", name="Your name", exact=True).fill("Nora Quinn")
        visitor.get_by_role("textbox", name="Company", exact=True).fill("Quinn Optics")
        visitor.get_by_role("textbox", name="E-mail", exact=True).fill("nora@quinn.test")
        visitor.get_by_role("textbox", name="Phone", exact=True).fill("+1 212 555 0100")
        visitor.get_by_role("spinbutton", name="How many people work there?").fill("14")
        visitor.get_by_role("textbox", name="What's going wrong?", exact=True).fill(
            "Printers and Wi-Fi fail every day"
        )
        visitor.get_by_role("checkbox", name="I run the company").check()
        visitor.get_by_role("button", name=re.compile("^Book ")).click()

        expect(visitor.get_by_role("heading", name=re.compile("You're booked"))).to_be_visible()
        expect(visitor.locator("body")).to_contain_text("nora@quinn.test")
        booking = Booking.objects.get()
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.visitor_time_zone == "America/New_York"
        assert Prospect.objects.get().runs_company
        visitor.screenshot(path=str(ARTIFACTS / "booking-phone.png"), full_page=True)

        visitor.get_by_role("link", name="Cancel the meeting").click()
        visitor.get_by_role("button", name="Yes, cancel it").click()
        expect(visitor.get_by_role("heading", name="Cancelled")).to_be_visible()
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED and booking.sequence == 1
    finally:
        phone.close()
