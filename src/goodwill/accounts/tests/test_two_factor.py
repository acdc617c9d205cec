"""Two-factor sign-in for staff: setting it up, signing in with it, recovery codes, throttling,
the owners' requirement and an owner resetting a lost device."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.accounts import security
from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code the app shows now (or `offset_steps` time steps away)."""
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps
    )
    return f"{value:06d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code_for(device, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def shown_codes(response) -> list[str]:
    return re.findall(r'<li class="col">([a-z2-7]{4}-[a-z2-7]{4})</li>', response.content.decode())


def set_up(http: HttpClient, user) -> tuple[TOTPDevice, list[str]]:
    """Walk through the Security page's setup as the user would; returns the device and codes."""
    page = http.get(reverse("security_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(rb"data-secret>([A-Z2-7 ]+)<", page.content).group(1).decode()
    assert secret.replace(" ", "") in device.config_url  # the key to type by hand is the QR's
    response = http.post(reverse("security_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    codes = shown_codes(response)
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def next_step(device: TOTPDevice) -> None:
    # A code is good once: the one used to confirm cannot sign in again within the same step.
    device.refresh_from_db()
    device.last_t = -1
    device.save(update_fields=["last_t"])


def sign_in(client: HttpClient, username: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, **extra})


def test_set_up_then_sign_in_with_password_and_code(cast, login, client):
    device, codes = set_up(login(cast.tech), cast.tech)
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored as keyed hashes, not as the codes themselves.
    stored = set(StaticToken.objects.filter(device__user=cast.tech).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}

    response = sign_in(client, "tess", next="/tickets/")
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    # The password alone does not sign in.
    assert client.get(reverse("desk:queue")).status_code == 302
    assert "_auth_user_id" not in client.session

    next_step(device)
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    page = client.get(reverse("desk:queue"))
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()


def test_without_a_device_the_password_is_enough(cast, client):
    response = sign_in(client, "tess")
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_is_refused_and_the_code_step_expires(cast, login, client, monkeypatch):
    device, _ = set_up(login(cast.tech), cast.tech)
    sign_in(client, "tess")
    response = client.post(reverse("login_code"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302

    from goodwill.accounts import views_auth

    monkeypatch.setattr(views_auth, "PENDING_FOR", dt.timedelta(seconds=-1))
    device.throttle_reset()
    next_step(device)
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert response["Location"] == reverse("login")  # waited too long: start again


def test_a_recovery_code_works_once(cast, login, client):
    device, codes = set_up(login(cast.tech), cast.tech)
    sign_in(client, "tess")
    response = client.post(reverse("login_code"), {"code": codes[3].upper()})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert security.recovery_codes_left(cast.tech) == 9

    other = HttpClient()
    sign_in(other, "tess")
    response = other.post(reverse("login_code"), {"code": codes[3]})
    assert "not right" in response.content.decode()
    assert other.get(reverse("dashboard")).status_code == 302


def test_wrong_codes_slow_down_guessing(cast, login, client):
    device, _ = set_up(login(cast.tech), cast.tech)
    next_step(device)
    sign_in(client, "tess")
    for _ in range(3):
        client.post(reverse("login_code"), {"code": wrong_code(device)})
        device.refresh_from_db()
        device.throttling_failure_timestamp -= dt.timedelta(seconds=10)  # as if time passed
        device.save(update_fields=["throttling_failure_timestamp"])
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    client.post(reverse("login_code"), {"code": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    # Even the right code is refused while the device waits (8 s after four failures).
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    # Once the wait is over, the right code works.
    device.refresh_from_db()
    device.throttling_failure_timestamp -= dt.timedelta(seconds=10)
    device.save(update_fields=["throttling_failure_timestamp"])
    assert client.post(reverse("login_code"), {"code": code_for(device)}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_password_only_session_is_refused_staff_pages_until_the_code(cast, login):
    """A session signed in some other way (another login form, or opened before the device was
    added) reaches no staff page until the code step is done."""
    old_session = login(cast.owner)
    device, _ = set_up(login(cast.owner), cast.owner)
    for name in ("dashboard", "clients:list", "accounts:team", "security"):
        response = old_session.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login_code")), name
    next_step(device)
    response = old_session.post(
        reverse("login_code"), {"code": code_for(device), "next": reverse("accounts:team")}
    )
    assert response["Location"] == reverse("accounts:team")
    assert old_session.get(reverse("accounts:team")).status_code == 200


def test_the_admin_site_needs_the_code_too(cast, login, client):
    cast.owner.is_staff = cast.owner.is_superuser = True
    cast.owner.save()
    device, _ = set_up(login(cast.owner), cast.owner)
    # The admin's own sign-in form sends people to ours instead of signing them in.
    response = client.post(reverse("admin:login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    # A session without the code does not get in either.
    password_only = login(cast.owner)
    assert password_only.get(reverse("admin:index")).status_code == 302

    sign_in(client, "olivia", next=reverse("admin:index"))
    next_step(device)
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_owners_must_set_it_up_when_the_installation_says_so(cast, settings, as_owner, as_tech):
    settings.GOODWILL_REQUIRE_2FA_FOR_OWNERS = True
    response = as_owner.get(reverse("clients:list"))
    assert response.status_code == 302 and response["Location"] == reverse("security")
    assert "requires owners" in as_owner.get(reverse("security")).content.decode()
    assert as_tech.get(reverse("clients:list")).status_code == 200  # owners only

    set_up(as_owner, cast.owner)
    assert as_owner.get(reverse("clients:list")).status_code == 200

    settings.GOODWILL_REQUIRE_2FA_FOR_OWNERS = False
    TOTPDevice.objects.filter(user=cast.owner).delete()
    assert as_owner.get(reverse("clients:list")).status_code == 200


def test_a_wrong_setup_code_does_not_switch_it_on(cast, as_tech):
    as_tech.get(reverse("security_setup"))
    device = TOTPDevice.objects.get(user=cast.tech)
    response = as_tech.post(reverse("security_setup"), {"code": wrong_code(device)})
    assert "not right" in response.content.decode()
    assert not security.has_two_factor(cast.tech)
    assert as_tech.get(reverse("security_setup")).status_code == 200
    assert TOTPDevice.objects.filter(user=cast.tech).count() == 1  # the same QR code on reload


def test_new_recovery_codes_replace_the_old_ones(cast, as_tech):
    _, first = set_up(as_tech, cast.tech)
    response = as_tech.post(reverse("security_recovery_codes"))
    second = shown_codes(response)
    assert len(second) == 10 and not set(first) & set(second)
    assert security.check_code(cast.tech, first[0]) is None
    StaticDevice.objects.get(user=cast.tech).throttle_reset()
    assert security.check_code(cast.tech, second[0]) is not None
    page = as_tech.get(reverse("security")).content.decode()
    assert re.search(r"data-codes-left>9<", page)


def test_switching_off_needs_the_password_or_a_current_code(cast, as_tech):
    device, _ = set_up(as_tech, cast.tech)
    response = as_tech.post(reverse("security_switch_off"), {"proof": "not-my-password"})
    assert "neither your password" in response.content.decode()
    assert security.has_two_factor(cast.tech)
    next_step(device)
    as_tech.post(reverse("security_switch_off"), {"proof": code_for(device)})
    assert not security.has_two_factor(cast.tech)
    assert security.recovery_codes_left(cast.tech) == 0

    set_up(as_tech, cast.tech)
    as_tech.post(reverse("security_switch_off"), {"proof": PASSWORD})
    assert not security.has_two_factor(cast.tech)


def test_the_owner_sees_who_has_it_and_resets_a_lost_device(cast, as_owner, as_manager, login):
    tech_http = login(cast.tech)
    set_up(tech_http, cast.tech)
    team = as_owner.get(reverse("accounts:team")).content.decode()
    assert re.search(r'data-two-factor="tess">\s*<span class="badge text-bg-success">On', team)
    assert re.search(r'data-two-factor="adam">\s*<span class="badge text-bg-light">Off', team)

    url = reverse("accounts:staff_reset_2fa", args=[cast.tech.pk])
    assert as_manager.post(url).status_code == 403
    assert security.has_two_factor(cast.tech)
    assert as_owner.post(url).status_code == 302
    assert not security.has_two_factor(cast.tech)
    assert tech_http.get(reverse("dashboard")).status_code == 302  # their sessions ended
    client = HttpClient()
    assert sign_in(client, "tess")["Location"] == reverse("dashboard")  # password alone again


def test_password_failures_still_lock_the_login_with_two_factor(cast, login, client, settings):
    set_up(login(cast.tech), cast.tech)
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(client, "tess", password="nope")
    response = client.post(reverse("login"), {"username": "tess", "password": PASSWORD})
    assert response.status_code == 429
