"""In a real browser, on a phone-sized screen: a person at a client asks for a sign-in link,
takes it from the mail the (aiosmtpd) SMTP server received, signs in, raises a ticket, and sees
the technician's reply on the ticket page. Headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from goodwill.core.outbox import deliver_due
from goodwill.desk import services as desk
from goodwill.desk.models import Ticket
from goodwill.portal.services import account_for
from tests.browser.support import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_person_signs_in_by_link_raises_a_ticket_and_sees_the_reply(
    live_server, cast, page, smtp_server, settings
):
    settings.GOODWILL_PORTAL_BASE_URL = live_server.url
    person = cast.acme_user
    person.portal_access = True
    person.save()
    account_for(person)
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto(f"{live_server.url}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/sign-in/"))
    page.get_by_label("Your e-mail address").fill(person.email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    deliver_due()  # the worker's outbox job: the link goes out over real SMTP
    [mail] = [m for m in smtp_server.inbox.messages if m["Subject"].startswith("Sign in to")]
    assert mail["To"] == person.email
    link = re.search(r"http://\S+/portal/sign-in/\S+/", mail.get_body(("plain",)).get_content())
    assert link, "no sign-in link in the mail"
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()

    page.get_by_role("link", name="Report a problem").click()
    page.get_by_label("What is the problem, in a few words?").fill("Printer prints blank pages")
    page.get_by_label("Tell us more").fill("Since this morning, at reception.")
    page.get_by_label("It slows me down").check()
    page.get_by_role("button", name="Send to the support team").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: your ticket is GW-")

    ticket = Ticket.objects.get(subject="Printer prints blank pages")
    assert ticket.requester == person and ticket.channel == "portal"
    desk.reply(ticket, "Hello Priya, a new toner is on its way today.", by_user=cast.tech)
    desk.add_note(ticket, "Toner stock is low, reorder", by_user=cast.tech)

    page.reload()
    expect(page.get_by_text("a new toner is on its way today")).to_be_visible()
    expect(page.get_by_text("Toner stock is low")).to_have_count(0)
    # Fits a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-ticket.png"), full_page=True)
