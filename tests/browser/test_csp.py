"""In a real browser under the real Content-Security-Policy: the dashboard draws its Chart.js
chart, the ticket page changes priority through htmx and asks before splitting a message (the
handler that used to be an inline onsubmit=), and the public booking page's nonce'd inline
script detects the visitor's zone. Not one "Refused to…" CSP violation on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    """Console errors and page errors; a CSP violation shows up as "Refused to …"."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console.{m.type}: {m.text}")
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def test_staff_pages_work_under_the_policy_without_violations(live_server, cast, page):
    from goodwill.desk import services

    services.reply(cast.ticket, "Which office is it?", by_user=cast.tech)  # two turns: split
    problems = _watch(page)
    sign_in(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/")
    csp = page.evaluate("() => document.querySelector('script[nonce]') !== null")
    assert csp, "the scripts carry no nonce"
    page.wait_for_function(
        "() => typeof Chart !== 'undefined'"
        " && !!Chart.getChart(document.getElementById('renewal-chart'))"
    )

    page.goto(f"{live_server.url}/tickets/{cast.ticket.number}/")
    assert page.evaluate("() => typeof htmx !== 'undefined'")
    page.locator("#ctl-priority").select_option("P1")  # hx-post on change
    expect(page.locator("#ticket-head .gw-priority")).to_have_text("P1")
    expect(page.locator("#ticket-history")).to_contain_text("changed priority")

    # data-confirm: dismissing the question keeps the message where it is…
    split = page.locator("form[data-confirm] button[type=submit]").first
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    split.click()
    page.wait_for_timeout(300)
    assert asked == ["Move this message into a new ticket of its own?"]
    assert f"/tickets/{cast.ticket.number}/" in page.url
    # …and accepting it splits.
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    split.click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(rf"/tickets/{cast.ticket.number}/$"))
    assert len(asked) == 2

    assert not problems, "\n".join(problems)


def test_public_booking_page_runs_its_nonced_script_without_violations(live_server, cast, page):
    from goodwill.scheduling.testing import consultation, give_hours

    give_hours(cast.manager)
    consultation(cast.manager)
    context = page.context.browser.new_context(timezone_id="America/New_York")
    visitor = context.new_page()
    problems = _watch(visitor)
    try:
        visitor.goto(f"{live_server.url}/book/")
        # Only the inline script (allowed by its nonce) puts the detected zone in the URL.
        expect(visitor).to_have_url(re.compile(r"tz=America(%2F|/)New_York"))
        expect(visitor.locator("#tz")).to_have_value("America/New_York")
        visitor.locator("#tz").select_option("Europe/London")  # submits on change
        expect(visitor).to_have_url(re.compile(r"tz=Europe(%2F|/)London"))
    finally:
        context.close()
    assert not problems, "\n".join(problems)
