"""Signing a person in to the portal, for tests here and in tests/test_isolation.py."""

from __future__ import annotations

from django.test import Client as HttpClient

from goodwill.clients.models import Person
from goodwill.portal.services import account_for
from goodwill.testing.personas import PASSWORD


def portal_client(person: Person) -> HttpClient:
    """A test client signed in as `person`, who is given portal access (password: PASSWORD)."""
    person.portal_access = True
    person.save(update_fields=["portal_access"])
    account = account_for(person)
    account.user.set_password(PASSWORD)
    account.user.save()
    http = HttpClient()
    http.force_login(account.user, backend="django.contrib.auth.backends.ModelBackend")
    return http
