import pytest
from django.urls import reverse

from goodwill.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_sign_in_and_land_on_the_dashboard(client, cast):
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_a_wrong_password_says_so(client, cast):
    response = client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_login(client, cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "olivia", "password": "nope"})
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_passwords_are_stored_with_argon2_in_production(settings):
    from goodwill import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_signing_out_is_a_post(client, cast, login):
    http = login(cast.owner)
    assert http.get(reverse("logout")).status_code == 405
    assert http.post(reverse("logout")).status_code == 302
    assert http.get(reverse("dashboard")).status_code == 302
