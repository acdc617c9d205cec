"""Schemathesis against /api/v1/openapi.json: generated requests with an owner's token and with
a client person's token; no 5xx, and every response matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from goodwill.api.tests.support import bearer

CHECKS = [not_a_server_error, response_schema_conformance]


# Loading the document needs no database: the OpenAPI view reads only the routes.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


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

