"""The mail area for staff: quarantine, triage, each message as received, and the actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from goodwill.clients.models import Person
from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus
from goodwill.mail.samples import make_eml
from goodwill.mail.services import sanitise_html

pytestmark = pytest.mark.django_db


def _quarantined(mailbox, monkeypatch):
    monkeypatch.setattr(intake.desk, "open_ticket", _boom)
    inbound = intake.receive(
        make_eml(sender="maria@acme.test", subject="Broken one", body="Please help",
                 message_id="q1@acme.test"),
        mailbox=mailbox,
    )  # fmt: skip
    monkeypatch.undo()
    assert inbound.status == InboundStatus.QUARANTINED
    return inbound


def _boom(**kwargs):
    raise RuntimeError("database said no")


def test_index_counts_and_lists_recent_mail(cast, mailbox, as_tech, monkeypatch):
    _quarantined(mailbox, monkeypatch)
    intake.receive(make_eml(sender="x@unknown.example", subject="Who am I", body="hi"),
                   mailbox=mailbox)  # fmt: skip
    response = as_tech.get(reverse("mail:index"))
    assert response.status_code == 200
    assert response.context["quarantined"] == 1 and response.context["triage"] == 1
    assert response.context["today"] == 2
    assert b"Broken one" in response.content and b"Who am I" in response.content


def test_bookkeeper_cannot_see_the_mail_area(cast, as_bookkeeper):
    assert as_bookkeeper.get(reverse("mail:index")).status_code == 403


def test_quarantine_shows_the_reason_and_retry_fixes_it(cast, mailbox, as_tech, monkeypatch):
    inbound = _quarantined(mailbox, monkeypatch)
    page = as_tech.get(reverse("mail:quarantine"))
    assert b"RuntimeError: database said no" in page.content
    detail = as_tech.get(reverse("mail:inbound", args=[inbound.pk]))
    assert b"database said no" in detail.content and b"Please help" in detail.content
    assert as_tech.get(reverse("mail:inbound_retry", args=[inbound.pk])).status_code == 405
    response = as_tech.post(reverse("mail:inbound_retry", args=[inbound.pk]))
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.TICKET and inbound.attempts == 2


def test_discard_keeps_the_message_and_its_raw(cast, mailbox, as_tech, monkeypatch):
    inbound = _quarantined(mailbox, monkeypatch)
    as_tech.post(reverse("mail:inbound_discard", args=[inbound.pk]))
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.DISCARDED and "Discarded by Tess" in inbound.reason
    raw = as_tech.get(reverse("mail:inbound_raw", args=[inbound.pk]))
    assert raw["Content-Disposition"].startswith("attachment")
    assert raw["Content-Type"] == "message/rfc822"
    assert b"Please help" in b"".join(raw.streaming_content)
    # Discarded stays discarded: a retry is refused.
    as_tech.post(reverse("mail:inbound_retry", args=[inbound.pk]))
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.DISCARDED


def test_bookkeeper_and_readers_cannot_act(cast, mailbox, as_bookkeeper, monkeypatch):
    inbound = _quarantined(mailbox, monkeypatch)
    response = as_bookkeeper.post(reverse("mail:inbound_discard", args=[inbound.pk]))
    assert response.status_code == 403
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.QUARANTINED


def test_triage_assign_creates_the_person_and_processes_all_their_mail(cast, mailbox, as_manager):
    first = intake.receive(make_eml(sender="Zoe@Newco.example", sender_name="Zoe Quinn",
                                    subject="First", body="one"), mailbox=mailbox)  # fmt: skip
    second = intake.receive(make_eml(sender="zoe@newco.example", subject="Second", body="two"),
                            mailbox=mailbox)  # fmt: skip
    assert first.status == second.status == InboundStatus.TRIAGE
    page = as_manager.get(reverse("mail:triage"))
    assert b"zoe@newco.example" in page.content
    response = as_manager.post(
        reverse("mail:inbound_assign", args=[first.pk]), {"client": cast.birch.pk, "next": "triage"}
    )
    assert response.status_code == 302
    person = Person.objects.get(email="zoe@newco.example")
    assert person.client == cast.birch and person.needs_role_review
    assert person.first_name == "Zoe"
    for row in (first, second):
        row.refresh_from_db()
        assert row.status == InboundStatus.TICKET and row.ticket.client == cast.birch


def test_triage_assign_without_a_client_says_so(cast, mailbox, as_manager):
    inbound = intake.receive(make_eml(sender="a@newco.example", subject="x", body="y"),
                             mailbox=mailbox)  # fmt: skip
    response = as_manager.post(reverse("mail:inbound_assign", args=[inbound.pk]), follow=True)
    assert b"Choose the client" in response.content
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.TRIAGE


def test_html_mail_is_sanitised_and_remote_images_wait_for_a_click(cast, mailbox, as_tech):
    html = (
        '<p onclick="steal()">Hello <b>team</b></p><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif" alt="pixel">'
        '<a href="javascript:alert(2)">click</a><div style="background:url(https://t.example/x)">'
        "styled</div>"
    )
    inbound = intake.receive(
        make_eml(sender="maria@acme.test", subject="Formatted", body="Hello team", html=html),
        mailbox=mailbox,
    )
    detail = as_tech.get(reverse("mail:inbound", args=[inbound.pk]))
    assert b"Load images" in detail.content and b"<script>alert" not in detail.content
    frame = as_tech.get(reverse("mail:inbound_html", args=[inbound.pk]))
    body = frame.content.decode()
    assert "Hello <b>team</b>" in body
    assert "script" not in body and "onclick" not in body and "javascript:" not in body
    assert "tracker.example" not in body and "t.example" not in body
    assert "img-src 'none'" in frame["Content-Security-Policy"]
    assert "sandbox" in frame["Content-Security-Policy"]
    loaded = as_tech.get(reverse("mail:inbound_html", args=[inbound.pk]) + "?images=1")
    assert "https://tracker.example/pixel.gif" in loaded.content.decode()


def test_sanitiser_counts_blocked_images():
    clean, blocked = sanitise_html('<img src="http://a/b.png"><img src="cid:x">')
    assert blocked == 1 and "http://a" not in clean


def test_ticket_page_links_an_email_message_to_its_original(cast, mailbox, as_tech):
    inbound = intake.receive(
        make_eml(sender="maria@acme.test", subject="From mail", body="By e-mail\n\n> quoted"),
        mailbox=mailbox,
    )
    page = as_tech.get(inbound.ticket.get_absolute_url())
    link = reverse("mail:message_original", args=[inbound.ticket_message.pk])
    assert link.encode() in page.content
    assert as_tech.get(link)["Location"] == reverse("mail:inbound", args=[inbound.pk])


def test_quoted_text_is_behind_show_quoted(cast, mailbox, as_tech):
    first = intake.receive(make_eml(sender="maria@acme.test", subject="T", body="Original",
                                    message_id="o@acme.test"), mailbox=mailbox)  # fmt: skip
    reply = intake.receive(
        make_eml(sender="maria@acme.test", subject="Re: T", in_reply_to="o@acme.test",
                 body="New words\n\nOn Mon, 1 Jun 2026, Tess wrote:\n> Old words"),
        mailbox=mailbox,
    )  # fmt: skip
    assert reply.ticket == first.ticket
    page = as_tech.get(reverse("mail:inbound", args=[reply.pk]))
    assert page.context["reply_text"] == "New words"
    assert b"Show quoted text" in page.content and b"Old words" in page.content
    assert InboundMail.objects.count() == 2
