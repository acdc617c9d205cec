"""The audit trail costs the desk nothing: working a ticket runs exactly the queries it ran
before django-auditlog was installed (tickets, messages and events are not registered)."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def unregistered():
    """Take every audited model out of the registry for a while, as before the audit trail."""
    saved = {model: auditlog._registry[model] for model in auditlog.get_models()}

    def take_out():
        for model in saved:
            auditlog.unregister(model)

    yield take_out
    for model, options in saved.items():
        if not auditlog.contains(model):
            auditlog.register(model, **options)


def _work_a_ticket(http, cast, n: int) -> int:
    ticket = cast.ticket
    with CaptureQueriesContext(connection) as queries:
        assert http.get(ticket.get_absolute_url()).status_code == 200
        reply = {"mode": "reply", "body": f"On it {n}."}
        assert http.post(reverse("desk:reply", args=[ticket.number]), reply).status_code == 302
        priority = {"priority": ("P1", "P2", "P3")[n]}
        update = http.post(reverse("desk:update", args=[ticket.number]), priority)
        assert update.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == priority["priority"]
    return len(queries)


def test_working_a_ticket_runs_the_same_queries_with_or_without_the_audit_trail(
    as_tech, cast, unregistered
):
    _work_a_ticket(as_tech, cast, 0)  # warm caches (content types, sessions)
    entries = LogEntry.objects.count()
    audited = _work_a_ticket(as_tech, cast, 1)
    assert LogEntry.objects.count() == entries
    unregistered()
    plain = _work_a_ticket(as_tech, cast, 2)
    assert audited == plain
