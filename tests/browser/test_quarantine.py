"""In a real browser: a technician finds a quarantined e-mail, reads why, sees its HTML with the
scripts gone and the remote images held back, retries it into a ticket; then assigns a triaged
sender to a client. The same pages on a 375 px phone. Screenshots in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus, Mailbox
from goodwill.mail.samples import make_eml
from tests.browser.support import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

HOSTILE_HTML = (
    "<p>The <b>server room</b> is too hot.</p>"
    "<script>document.title = 'pwned'</script>"
    '<img src="https://tracker.invalid/pixel.gif" alt="tracking pixel">'
    '<img src="x" onerror="document.title = \'pwned\'">'
)


def _boom(**kwargs):
    raise RuntimeError("database was locked")


def test_technician_retries_quarantined_mail_and_triages_a_sender(
    live_server, cast, page, monkeypatch, settings
):
    mailbox = Mailbox.objects.create(name="Support", address="support@goodwill.test", kind="manual")
    with monkeypatch.context() as patch:  # (monkeypatch.undo would drop the page's settings)
        patch.setattr(intake.desk, "open_ticket", _boom)
        stuck = intake.receive(
            make_eml(sender="maria@acme.test", sender_name="Maria Shaw",
                     subject="Server room heat", body="The server room is too hot.",
                     html=HOSTILE_HTML),
            mailbox=mailbox,
        )  # fmt: skip
    assert stuck.status == InboundStatus.QUARANTINED
    triaged = intake.receive(
        make_eml(sender="zoe@newco.example", sender_name="Zoe Quinn", subject="Quote please",
                 body="Can you quote for 5 laptops?"),
        mailbox=mailbox,
    )  # fmt: skip
    assert triaged.status == InboundStatus.TRIAGE
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, live_server.url, "tess")
    page.goto(f"{live_server.url}/mail/")
    page.get_by_role("link", name=re.compile("Quarantined")).click()
    expect(page.get_by_text("RuntimeError: database was locked")).to_be_visible()
    page.get_by_role("link", name="Server room heat").click()
    expect(page.get_by_role("heading", name="Server room heat")).to_be_visible()

    frame = page.frame_locator("iframe[title^='The e-mail as formatted']")
    expect(frame.get_by_text("server room")).to_be_visible()
    expect(frame.locator("script")).to_have_count(0)
    expect(frame.locator("img[src^='https://tracker.invalid']")).to_have_count(0)
    assert page.title() != "pwned" and not dialogs
    page.get_by_role("link", name="Load images").click()
    frame = page.frame_locator("iframe[title^='The e-mail as formatted']")
    expect(frame.locator("img[src^='https://tracker.invalid']")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "mail-quarantine-detail.png"), full_page=True)

    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text(re.compile(r"Processed: opened GW-\d+"))).to_be_visible()
    stuck.refresh_from_db()
    assert stuck.status == InboundStatus.TICKET

    page.goto(f"{live_server.url}/mail/triage/")
    page.get_by_label("Works at").select_option(label="Birch & Co")
    page.get_by_role("button", name=re.compile("Add and process")).click()
    expect(page.get_by_text(re.compile(r"Processed: opened GW-\d+"))).to_be_visible()
    triaged.refresh_from_db()
    assert triaged.status == InboundStatus.TICKET and triaged.client == cast.birch

    # The mail area on a phone: no sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/mail/", "/mail/quarantine/", f"/mail/inbound/{stuck.pk}/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
    page.screenshot(path=str(ARTIFACTS / "mail-detail-phone.png"), full_page=True)
    assert InboundMail.objects.filter(status=InboundStatus.QUARANTINED).count() == 0
