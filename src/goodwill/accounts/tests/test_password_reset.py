"""Password reset: the link goes out through the outbox and a real SMTP server, sets a new
password once, and the page answers the same whether or not the address has an account."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-and-unusual-passphrase"


def _reset_mails(smtp_server) -> list:
    return [m for m in smtp_server.inbox.messages if "Goodwill password" in m["Subject"]]


def _reset_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    links = re.findall(r"https?://\S+/password-reset/\S+/", text)
    assert len(links) == 1
    assert links[0] in html  # both parts carry the same link
    return urlsplit(links[0]).path


def test_reset_end_to_end_through_the_outbox(cast, client, smtp_server):
    login_page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login_page  # "Forgot password?"
    old_session = HttpClient()
    old_session.post(reverse("login"), {"username": "tess", "password": PASSWORD})

    response = client.post(reverse("password_reset"), {"email": "TESS@provider.test"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    queued = OutboundMessage.objects.get(kind="accounts.password_reset")
    assert queued.to == ["tess@provider.test"]
    assert _reset_mails(smtp_server) == []  # queued, not sent from the request

    outbox.deliver_due(timezone.now())
    [mail] = _reset_mails(smtp_server)
    assert mail["To"] == "tess@provider.test"
    assert "Reset your Goodwill password" in mail["Subject"]
    link = _reset_link(mail)

    form = client.get(link, follow=True)
    assert b"new_password1" in form.content
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("password_reset_complete")
    cast.tech.refresh_from_db()
    assert cast.tech.check_password(NEW)
    assert old_session.get(reverse("dashboard")).status_code == 302  # old sessions ended

    signed_in = HttpClient()
    response = signed_in.post(reverse("login"), {"username": "tess", "password": NEW})
    assert response["Location"] == reverse("dashboard")
    # The link worked once.
    assert b"does not work any more" in HttpClient().get(link, follow=True).content


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC))  # clear of a 5-min edge
def test_unknown_addresses_get_the_same_answer_and_no_mail(cast, client, smtp_server):
    known = client.post(reverse("password_reset"), {"email": "tess@provider.test"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@else.test"}, follow=True)
    client.post(reverse("password_reset"), {"email": "tess@provider.test"})  # no second mail
    assert known.redirect_chain == unknown.redirect_chain
    # Byte for byte the same page, but for the per-request CSRF token and CSP nonce.
    per_request = re.compile(rb'"X-CSRFToken": "[^"]+"|value="[^"]+"|nonce="[^"]+"')
    assert per_request.sub(b"", known.content) == per_request.sub(b"", unknown.content)
    assert OutboundMessage.objects.filter(kind="accounts.password_reset").count() == 1
    outbox.deliver_due(timezone.now())
    assert [m["To"] for m in _reset_mails(smtp_server)] == ["tess@provider.test"]


def test_portal_logins_and_inactive_staff_get_no_reset_mail(cast, client):
    from goodwill.accounts.models import User

    User.objects.create_user(username="maria", email="maria@acme.test", password="x" * 20)
    cast.bookkeeper.is_active = False
    cast.bookkeeper.save()
    client.post(reverse("password_reset"), {"email": "maria@acme.test"})
    client.post(reverse("password_reset"), {"email": cast.bookkeeper.email})
    assert not OutboundMessage.objects.filter(kind="accounts.password_reset").exists()


def test_the_link_expires(cast, client, settings, smtp_server):
    client.post(reverse("password_reset"), {"email": "tess@provider.test"})
    outbox.deliver_due(timezone.now())
    link = _reset_link(_reset_mails(smtp_server)[0])
    settings.PASSWORD_RESET_TIMEOUT = 60

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        page = HttpClient().get(link, follow=True)
    assert b"does not work any more" in page.content
