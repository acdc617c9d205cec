"""`goodwill import_history`: a JSON Lines history, idempotent by id, errors by line number."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from goodwill.clients.models import Client, Person
from goodwill.desk.models import Message, Ticket

pytestmark = pytest.mark.django_db

OPENED = timezone.now() - dt.timedelta(days=700)


def _history() -> list[dict]:
    at = OPENED.isoformat()
    later = (OPENED + dt.timedelta(hours=2)).isoformat()
    return [
        {"type": "client", "id": "c1", "name": "Cedar Law", "email_domains": "cedar.test",
         "created_at": at},
        {"type": "person", "id": "p1", "client": "c1", "first_name": "Cleo",
         "email": "cleo@cedar.test", "roles": ["decision_maker"], "created_at": at},
        {"type": "ticket", "id": "t1", "requester": "p1", "subject": "Email down",
         "body": "Since 9", "opened_at": at, "status": "closed", "status_at": later},
        {"type": "message", "id": "m1", "ticket": "t1", "from": "staff", "author": "tess",
         "body": "Fixed the MX record", "created_at": later},
        {"type": "message", "id": "m2", "ticket": "t1", "from": "person",
         "body": "Thank you!", "created_at": later},
        {"type": "survey_answer", "id": "s1", "person": "p1", "ticket": "t1", "kind": "csat",
         "rating": 5, "comment": "Quick", "answered_at": later},
    ]


def _write(tmp_path, records, extra_lines=()) -> str:
    path = tmp_path / "history.jsonl"
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_history_imports_with_its_timestamps_and_again_imports_nothing(cast, tmp_path):
    path = _write(tmp_path, _history())
    out = io.StringIO()
    call_command("import_history", path, "--no-progress", stdout=out)
    assert "ticket: 1 new" in out.getvalue()
    client = Client.objects.get(name="Cedar Law")
    assert client.created_at == OPENED
    person = Person.objects.get(email="cleo@cedar.test")
    assert person.role_set() == {"decision_maker"}
    ticket = Ticket.objects.get(subject="Email down")
    assert ticket.opened_at == OPENED and ticket.status == "closed"
    bodies = list(
        Message.objects.filter(ticket=ticket).values_list("body", "author_user__username")
    )
    assert ("Fixed the MX record", "tess") in bodies and ("Thank you!", None) in bodies

    again = io.StringIO()
    call_command("import_history", path, "--no-progress", stdout=again)
    assert "ticket: 0 new, 1 already there" in again.getvalue()
    assert Ticket.objects.filter(subject="Email down").count() == 1
    assert Message.objects.filter(ticket=ticket).count() == 3


def test_bad_lines_are_reported_by_number_and_the_rest_goes_in(cast, tmp_path):
    records = _history()[:2]
    path = _write(tmp_path, records, [
        "{not json",
        json.dumps({"type": "ticket", "id": "t9", "requester": "nobody", "subject": "x",
                    "opened_at": OPENED.isoformat()}),
        json.dumps({"type": "person", "id": "p2", "client": "c1", "first_name": "Dup",
                    "email": "cleo@cedar.test"}),
        json.dumps({"type": "spaceship", "id": "x"}),
    ])
    err = io.StringIO()
    with pytest.raises(CommandError, match="4 line"):
        call_command("import_history", path, "--no-progress", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "line 3: not JSON" in text
    assert "line 4: requester 'nobody'" in text
    assert "line 5:" in text and "e-mail" in text
    assert "line 6: type must be" in text
    assert Person.objects.filter(email="cleo@cedar.test").count() == 1
    assert not Person.objects.filter(first_name="Dup").exists()  # nothing half-imported


def test_goodwill_import_takes_a_jsonl_history_as_the_readme_says(cast, tmp_path):
    path = _write(tmp_path, _history())
    out = io.StringIO()
    call_command("import", path, "--no-progress", stdout=out)
    assert "ticket: 1 new" in out.getvalue()
    assert Ticket.objects.filter(subject="Email down").count() == 1
