"""API tokens for the test personas, for tests here and in tests/test_isolation.py."""

from __future__ import annotations

from goodwill.accounts.models import User
from goodwill.api.auth import create_token
from goodwill.clients.models import Person
from goodwill.portal.services import account_for


def bearer(owner: User | Person) -> dict[str, str]:
    """Headers for the Django test client carrying a fresh token of `owner`."""
    if isinstance(owner, Person):
        owner.portal_access = True
        owner.save(update_fields=["portal_access"])
        _token, secret = create_token(name="test", portal_account=account_for(owner))
    else:
        _token, secret = create_token(name="test", user=owner)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
