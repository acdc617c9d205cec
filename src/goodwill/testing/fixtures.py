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
