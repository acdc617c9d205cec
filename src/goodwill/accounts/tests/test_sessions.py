"""Signing out other sessions, and changing the password, end the other sessions for real:
with the database, cache (Redis when REDIS_URL is set) and signed-cookie session engines."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.signed_cookies",
]


def signed_in(username: str) -> HttpClient:
    """A browser that signed in through the sign-in page (a real session in the engine)."""
    http = HttpClient()
    response = http.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert http.get(reverse("dashboard")).status_code == 200
    return http


@pytest.mark.parametrize("engine", ENGINES)
def test_sign_out_other_sessions(cast, settings, engine):
    settings.SESSION_ENGINE = engine
    laptop, phone, colleague = signed_in("tess"), signed_in("tess"), signed_in("adam")

    response = laptop.post(reverse("security_sign_out_others"))
    assert response.status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200  # this one stays
    assert phone.get(reverse("dashboard")).status_code == 302  # the other one has ended
    assert colleague.get(reverse("dashboard")).status_code == 200  # other people are untouched
    # Signing in again works as usual.
    assert signed_in("tess").get(reverse("security")).status_code == 200


@pytest.mark.parametrize("engine", ENGINES[:2])
def test_changing_the_password_signs_out_the_other_sessions(cast, settings, engine):
    settings.SESSION_ENGINE = engine
    laptop, phone = signed_in("tess"), signed_in("tess")
    new = "a-new-and-unusual-passphrase"
    response = laptop.post(
        reverse("security_password"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert phone.get(reverse("dashboard")).status_code == 302
    cast.tech.refresh_from_db()
    assert cast.tech.check_password(new)


def test_a_wrong_old_password_changes_nothing(cast, as_tech):
    response = as_tech.post(
        reverse("security_password"),
        {"old_password": "nope", "new_password1": "x-long-passphrase-1", "new_password2": "x"},
    )
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    cast.tech.refresh_from_db()
    assert cast.tech.check_password(PASSWORD)


def test_sessions_from_before_the_upgrade_still_work(cast, client):
    """Generation 0 hashes as Django does: deploying this signs nobody out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert cast.tech.session_generation == 0
    assert cast.tech.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(cast.tech)


def test_with_two_factor_this_session_stays_verified(cast, login):
    from goodwill.accounts.tests.test_two_factor import code_for, set_up

    laptop = login(cast.tech)
    device, _ = set_up(laptop, cast.tech)  # typing the code verified this session
    phone = HttpClient()
    phone.post(reverse("login"), {"username": "tess", "password": PASSWORD})
    phone.post(reverse("login_code"), {"code": code_for(device, offset_steps=1)})
    assert phone.get(reverse("dashboard")).status_code == 200

    laptop.post(reverse("security_sign_out_others"))
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert laptop.get(reverse("dashboard")).wsgi_request.user.is_verified()
    assert phone.get(reverse("dashboard")).status_code == 302
