from __future__ import annotations

import pytest

from goodwill.portal.tests.support import portal_client


@pytest.fixture
def portal(cast):
    """portal(person) -> a test client signed in as that person, with portal access."""
    return portal_client
