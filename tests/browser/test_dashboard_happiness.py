"""In a real browser: the owner opens the happiness dashboard, sees the red client at the top
of the at-risk list with its reason in words, clicks through to the client page (health,
reasons, trend chart drawn by Chart.js, timeline), and marks a next action done."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from goodwill.clients.models import Person
from goodwill.happiness import playbook, scores
from goodwill.happiness.tests.scenarios import breached_p1s
from goodwill.happiness.tests.test_scores import rate
from tests.browser.support import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_sees_the_red_client_and_why_then_acts(live_server, cast, page):
    tickets = breached_p1s(cast, cast.boss)
    rate(tickets[0], 1, "still broken")
    Person.objects.filter(pk=cast.pa.pk).update(
        last_contact_at=timezone.now() - dt.timedelta(days=41)
    )
    scores.recompute_all()
    playbook.generate()

    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/happiness/")
    expect(page.get_by_role("heading", name="Happiness")).to_be_visible()
    first_row = page.locator("#at-risk tbody tr").first
    expect(first_row).to_contain_text("Acme Dental")
    expect(first_row).to_contain_text("boss unhappy (Maria Shaw")
    expect(first_row).to_contain_text("1/5")
    expect(page.locator("#band-counts")).to_contain_text("Unhappy")
    expect(page.locator("#health-histogram")).to_be_visible()

    # Today's next actions: check in with the PA, then done (recorded as a touch).
    action = page.locator("#next-actions li", has_text="Check in with Tom Ito (PA)")
    expect(action).to_be_visible()
    action.locator("button[title^='Done']").click()
    expect(page.locator("#next-actions")).not_to_contain_text("Check in with Tom Ito")
    cast.pa.refresh_from_db()
    assert cast.pa.last_contact_at > timezone.now() - dt.timedelta(minutes=5)

    # Every figure clicks down to its reasons: the client's page shows health and why.
    first_row.get_by_role("link", name="Acme Dental").click()
    expect(page).to_have_url(re.compile(rf"/clients/{cast.acme.pk}/"))
    health = page.locator("#health")
    expect(health).to_contain_text("Unhappy")
    expect(health).to_contain_text("SLA met on 0 of")
    chart = health.locator("canvas")
    expect(chart).to_be_visible()
    assert page.evaluate("() => typeof Chart !== 'undefined' && !!Chart.getChart("
                         "document.querySelector('#health canvas'))")
    expect(page.locator("#signal-timeline")).to_contain_text("SLA breached")

    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/happiness/")
    page.screenshot(path=str(ARTIFACTS / "happiness-dashboard-phone.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
