"""Optional two-step sign-in: an authenticator app's code after the link or the password."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_turn_it_on_then_the_password_alone_is_not_enough(cast, portal, client):
    http = portal(cast.fd)
    page = http.get(reverse("portal:two_step"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user__portal_account__person=cast.fd)
    wrong = http.post(reverse("portal:two_step"), {"code": "000000" if _code(device) != "000000"
                                                   else "111111"})
    assert b"not right" in wrong.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # guessing slows down (django-otp's throttle)
    device.throttle_reset()
    assert http.post(reverse("portal:two_step"), {"code": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    response = client.post(
        reverse("portal:login"), {"pw-email": cast.fd.email, "pw-password": PASSWORD}
    )
    assert response.url == reverse("portal:verify")
    assert client.get(reverse("portal:home")).status_code == 302  # not signed in yet
    device.refresh_from_db()
    device.last_t = -1  # the code was used to turn it on; a new one is due in the next step
    device.save()
    assert client.post(reverse("portal:verify"), {"code": _code(device)}).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_code_page_without_a_pending_sign_in_sends_you_back(client):
    response = client.get(reverse("portal:verify"))
    assert response.status_code == 302 and response.url == reverse("portal:login")
