"""Schemathesis against /api/v1/openapi.json: generated requests with an owner's token and with
a client person's token; no 5xx, and every response matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from goodwill.api.tests.support import bearer

CHECKS = [not_a_server_error, response_schema_conformance]


# Loading the document needs no database: the OpenAPI view reads only the routes.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _one_connection():
    """Calls go straight to the WSGI app, which closes the database connection after each
    request; the test runs in a transaction on it (PostgreSQL), so keep it open, as Django's
    test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(cast):
    return {
        "owner": bearer(cast.owner)["HTTP_AUTHORIZATION"],
        "person": bearer(cast.boss)["HTTP_AUTHORIZATION"],
    }


# Bounded: six generated cases per operation (the coverage phase's hundreds take minutes; run
# `schemathesis run` against a server for the long version).
@schema.parametrize()
@settings(
    max_examples=6, deadline=None, derandomize=True, phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema(case, tokens):
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)

