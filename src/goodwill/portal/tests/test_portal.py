"""The client portal: invitations, sign-in links, tickets, the contract page, the policy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Message, Ticket, TicketStatus
from goodwill.portal.models import PortalAccount, PortalPolicy
from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _link_in(message: OutboundMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/portal/sign-in/[^/\s]+/)", message.text_body)
    assert found, message.text_body
    return found.group(1)


def test_staff_invite_queues_an_email_with_a_link_that_signs_in_once(cast, as_manager, client):
    response = as_manager.post(reverse("portal:invite", args=[cast.acme_user.pk]))
    assert response.status_code == 302
    cast.acme_user.refresh_from_db()
    assert cast.acme_user.portal_access
    mail = OutboundMessage.objects.get(kind="portal.invitation")
    assert mail.to == [cast.acme_user.email]
    link = _link_in(mail)

    # Opening the link only shows a button (mail scanners follow links); it stays usable.
    assert client.get(link).status_code == 200
    assert client.get(reverse("portal:home")).status_code == 302
    assert client.post(link).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200

    again = client.post(link)
    assert again.status_code == 400
    assert b"already been used" in again.content


def test_a_technician_cannot_invite_without_people_edit_and_a_bookkeeper_cannot(cast, login):
    bookkeeper = login(cast.bookkeeper)
    assert bookkeeper.post(reverse("portal:invite", args=[cast.boss.pk])).status_code == 403
    assert not PortalAccount.objects.exists()


def test_sign_in_link_by_email_expires_after_15_minutes(cast, portal, client):
    portal(cast.boss)
    response = client.post(reverse("portal:login"), {"link-email": cast.boss.email.upper()})
    assert b"Check your e-mail" in response.content
    link = _link_in(OutboundMessage.objects.get(kind="portal.sign_in_link"))
    with time_machine.travel(dt.timedelta(minutes=16)):
        expired = client.post(link)
    assert expired.status_code == 400
    assert b"too old" in expired.content


def test_asking_for_a_link_says_the_same_for_strangers_and_sends_nothing(cast, client):
    response = client.post(reverse("portal:login"), {"link-email": "nobody@nowhere.test"})
    assert b"Check your e-mail" in response.content
    # Birch's boss exists but was never given portal access.
    client.post(reverse("portal:login"), {"link-email": cast.birch_boss.email})
    assert not OutboundMessage.objects.filter(kind__startswith="portal.").exists()


def test_a_forged_link_is_refused(client):
    response = client.post(reverse("portal:link", args=["eyJhIjoxLCJuIjowfQ:forged:sig"]))
    assert response.status_code == 400


def test_password_sign_in_and_switching_access_off(cast, portal, client):
    portal(cast.fd)
    response = client.post(
        reverse("portal:login"), {"pw-email": cast.fd.email, "pw-password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    cast.fd.portal_access = False
    cast.fd.save()
    assert client.get(reverse("portal:home")).status_code == 302
    wrong = client.post(reverse("portal:login"), {"pw-email": cast.fd.email, "pw-password": "x"})
    assert b"do not match" in wrong.content


def test_raise_a_ticket_with_a_file(cast, portal):
    http = portal(cast.acme_user)
    upload = SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png")
    response = http.post(
        reverse("portal:new_ticket"),
        {"subject": "Printer jams", "body": "Every page since Monday.", "urgency": 2,
         "files": [upload]},
    )
    ticket = Ticket.objects.get(subject="Printer jams")
    assert response.status_code == 302
    assert ticket.channel == Channel.PORTAL and ticket.requester == cast.acme_user
    assert ticket.attachments.get().filename == "screen.png"
    page = http.get(reverse("portal:ticket", args=[ticket.number]))
    assert b"Every page since Monday." in page.content
    download = http.get(reverse("portal:attachment", args=[ticket.attachments.get().pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_empty_form_says_what_is_missing(cast, portal):
    http = portal(cast.acme_user)
    response = http.post(reverse("portal:new_ticket"), {"subject": "", "body": ""})
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert not Ticket.objects.filter(requester=cast.acme_user).exists()


def test_the_ticket_shows_public_messages_never_internal_notes(cast, portal):
    http = portal(cast.boss)
    desk.reply(cast.ticket, "We are on it: the VPN box is rebooting.", by_user=cast.tech)
    desk.add_note(cast.ticket, "SECRET: the firmware is ancient", by_user=cast.tech)
    page = http.get(reverse("portal:ticket", args=[cast.ticket.number]))
    assert b"We are on it" in page.content
    assert b"SECRET" not in page.content


def test_a_reply_from_the_portal_reopens_a_ticket_that_waits_on_the_client(cast, portal):
    http = portal(cast.boss)
    desk.change_status(cast.ticket, TicketStatus.WAITING_CLIENT, by_user=cast.tech)
    http.post(reverse("portal:ticket", args=[cast.ticket.number]), {"body": "Works now, thanks"})
    cast.ticket.refresh_from_db()
    assert cast.ticket.status == TicketStatus.OPEN
    message = Message.objects.filter(ticket=cast.ticket).last()
    assert message.author_person == cast.boss and message.channel == Channel.PORTAL


def test_the_boss_and_pa_see_colleagues_tickets_an_ordinary_user_does_not(cast, portal):
    theirs = desk.open_ticket(requester=cast.acme_user, subject="Mouse broken")
    assert b"Mouse broken" in portal(cast.boss).get(reverse("portal:home")).content
    assert b"Mouse broken" in portal(cast.pa).get(reverse("portal:home")).content
    fd = portal(cast.fd)
    assert b"Mouse broken" not in fd.get(reverse("portal:home")).content
    assert fd.get(reverse("portal:ticket", args=[theirs.number])).status_code == 404

    PortalPolicy.objects.create(client=cast.acme, pa_sees_colleagues=False)
    assert portal(cast.pa).get(reverse("portal:ticket", args=[theirs.number])).status_code == 404


def test_contract_at_a_glance_for_the_boss_only(cast, portal):
    desk.log_time(cast.ticket, 90, by_user=cast.tech)
    page = portal(cast.boss).get(reverse("portal:contract"))
    assert page.status_code == 200
    assert b"1.5 h used of 20 h included" in page.content
    assert portal(cast.acme_user).get(reverse("portal:contract")).status_code == 404


def test_staff_get_a_clear_portal_page_and_portal_people_no_staff_page(cast, as_tech, portal):
    response = as_tech.get(reverse("portal:home"))
    assert response.status_code == 403
    assert b"This is the client portal" in response.content
    http = portal(cast.boss)
    assert http.get(reverse("desk:queue")).status_code == 403
    assert http.get(reverse("portal:access", args=[cast.boss.pk])).status_code == 403


def test_staff_access_page_and_policy(cast, as_manager, as_tech):
    page = as_manager.get(reverse("portal:access", args=[cast.boss.pk]))
    assert b"Invite to the portal" in page.content
    as_manager.post(
        reverse("portal:access", args=[cast.boss.pk]), {"boss_sees_colleagues": "on"}
    )
    policy = PortalPolicy.objects.get(client=cast.acme)
    assert policy.boss_sees_colleagues and not policy.pa_sees_colleagues
    refused = as_tech.post(reverse("portal:access", args=[cast.boss.pk]), {})
    assert refused.status_code == 403


def _issued_invoice(client, days_ago: int = 45):
    from decimal import Decimal

    from goodwill.billing.services import LineInput, create_draft, issue

    draft = create_draft(
        client=client, kind="one_off",
        lines=[LineInput("Laptop setup", Decimal("2"), Decimal("80.00"), Decimal("20"))],
    )
    return issue(draft, now=timezone.now() - dt.timedelta(days=days_ago), send=False)


def test_the_fd_sees_invoices_what_is_overdue_and_the_pdf(cast, portal):
    invoice = _issued_invoice(cast.acme)
    birch_invoice = _issued_invoice(cast.birch)
    fd = portal(cast.fd)
    page = fd.get(reverse("portal:invoices"))
    assert page.status_code == 200
    assert invoice.number.encode() in page.content and b"overdue" in page.content
    assert birch_invoice.number.encode() not in page.content
    pdf = fd.get(reverse("portal:invoice_pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert fd.get(reverse("portal:invoice_pdf", args=[birch_invoice.pk])).status_code == 404
    assert portal(cast.acme_user).get(reverse("portal:invoices")).status_code == 404


def test_an_unanswered_survey_is_offered_on_the_home_page(cast, portal):
    from goodwill.happiness.surveys import send_csat

    desk.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    survey = send_csat(cast.ticket) or cast.boss.surveys.get(ticket=cast.ticket)
    page = portal(cast.boss).get(reverse("portal:home"))
    assert b"How did we do with " + cast.ticket.reference.encode() in page.content
    survey.answered_at = timezone.now()
    survey.rating = 5
    survey.save()
    assert b"How did we do" not in portal(cast.boss).get(reverse("portal:home")).content
