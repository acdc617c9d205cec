"""pytest fixtures shared by the whole suite (loaded from the root conftest.py)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from goodwill.testing.personas import Cast, make_cast


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests check behaviour, not hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


def _login(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


@pytest.fixture
def as_owner(cast: Cast) -> HttpClient:
    return _login(cast.owner)


@pytest.fixture
def as_manager(cast: Cast) -> HttpClient:
    return _login(cast.manager)


@pytest.fixture
def as_tech(cast: Cast) -> HttpClient:
    return _login(cast.tech)


@pytest.fixture
def as_bookkeeper(cast: Cast) -> HttpClient:
    return _login(cast.bookkeeper)


@pytest.fixture
def login():
    """Log any user in: `login(user)` returns a test client with a session."""
    return _login


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django's SMTP backend sends to.

    `smtp_server.inbox.messages` are the parsed messages it received;
    `smtp_server.inbox.refuse_with = "451 4.3.0 Try later"` makes it refuse."""
    from goodwill.testing.smtp import SMTPServer

    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot():
    """A private Dovecot IMAP server on loopback (skips when Debian's dovecot is missing)."""
    from goodwill.testing.dovecot import Dovecot, available

    why = available()
    if why:
        pytest.skip(why)
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.stop()
