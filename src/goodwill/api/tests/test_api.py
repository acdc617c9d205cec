"""The REST API: tokens, problem details, cursor pages, allow-listed filters, scoping, writes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from goodwill.api import auth
from goodwill.api.models import ApiToken, ExternalRef
from goodwill.api.tests.support import bearer
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Ticket

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def test_no_token_bad_token_and_revoked_token_get_401_problems(cast, client):
    _problem(client.get("/api/v1/tickets"), 401)
    _problem(client.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer gw_nonsense"), 401)
    headers = bearer(cast.tech)
    assert client.get("/api/v1/tickets", **headers).status_code == 200
    auth.revoke(ApiToken.objects.get())
    body = _problem(client.get("/api/v1/tickets", **headers), 401)
    assert "token" in body["detail"]


def test_tokens_are_stored_hashed(cast):
    token, secret = auth.create_token(name="sync", user=cast.owner)
    assert secret.startswith("gw_") and secret not in {token.digest, token.prefix}
    assert token.digest == auth.digest(secret)


def test_unknown_paths_and_bad_input_are_problems_too(cast, client):
    headers = bearer(cast.owner)
    _problem(client.get("/api/v1/nothing/here", **headers), 404)
    _problem(client.get("/api/v1/tickets/99999999", **headers), 404)
    body = _problem(client.get("/api/v1/tickets?limit=0", **headers), 422)
    assert body["errors"]
    _problem(client.get("/api/v1/tickets?cursor=bm9wZQ", **headers), 422)
    _problem(client.get("/api/v1/tickets?status=exploded", **headers), 422)


def test_cursor_pages_walk_every_ticket_once(cast, client):
    for n in range(4):
        desk.open_ticket(requester=cast.acme_user, subject=f"Ticket {n}")
    headers = bearer(cast.owner)
    seen, cursor = [], None
    while True:
        url = "/api/v1/tickets?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, **headers).json()
        seen += [t["number"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Ticket.objects.values_list("number", flat=True))
    assert len(seen) == len(set(seen)) == 5


def test_filters_are_the_named_ones_only(cast, client):
    desk.open_ticket(requester=cast.birch_user, subject="Birch printer")
    headers = bearer(cast.owner)
    body = client.get(f"/api/v1/tickets?client_id={cast.birch.pk}", **headers).json()
    assert [t["subject"] for t in body["items"]] == ["Birch printer"]
    # An ORM lookup smuggled in as a parameter is ignored, not expanded into the query.
    body = client.get("/api/v1/tickets?client__name__startswith=B", **headers).json()
    assert len(body["items"]) == 2
    body = client.get("/api/v1/tickets?q=printer", **headers).json()
    assert len(body["items"]) == 1


def test_a_person_token_sees_only_their_client(cast, client):
    desk.open_ticket(requester=cast.birch_user, subject="Birch printer")
    headers = bearer(cast.boss)
    tickets = client.get("/api/v1/tickets", **headers).json()["items"]
    assert [t["subject"] for t in tickets] == ["VPN down for the whole office"]
    clients = client.get("/api/v1/clients", **headers).json()["items"]
    assert [c["name"] for c in clients] == ["Acme Dental"]
    people = client.get("/api/v1/people", **headers).json()["items"]
    assert {p["client_id"] for p in people} == {cast.acme.pk}
    boss = next(p for p in people if p["id"] == cast.boss.pk)
    assert boss["roles"] == ["decision_maker"]


def test_a_person_never_reads_internal_notes(cast, client):
    desk.reply(cast.ticket, "Rebooting the VPN box", by_user=cast.tech)
    desk.add_note(cast.ticket, "SECRET firmware", by_user=cast.tech)
    url = f"/api/v1/tickets/{cast.ticket.number}/messages"
    bodies = [m["body"] for m in client.get(url, **bearer(cast.boss)).json()["items"]]
    assert "Rebooting the VPN box" in bodies and "SECRET firmware" not in bodies
    staff = [m["body"] for m in client.get(url, **bearer(cast.tech)).json()["items"]]
    assert "SECRET firmware" in staff


def test_a_person_raises_a_ticket_and_replies_as_themselves(cast, client):
    headers = bearer(cast.acme_user)
    response = client.post(
        "/api/v1/tickets", json.dumps({"subject": "Scanner", "body": "It does not scan"}),
        content_type="application/json", **headers,
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.requester == cast.acme_user and ticket.channel == Channel.API
    reply = client.post(
        f"/api/v1/tickets/{ticket.number}/messages", json.dumps({"body": "Still broken"}),
        content_type="application/json", **headers,
    )
    assert reply.status_code == 201
    assert reply.json()["author_person_id"] == cast.acme_user.pk
    note = client.post(
        f"/api/v1/tickets/{ticket.number}/messages",
        json.dumps({"body": "psst", "internal": True}),
        content_type="application/json", **headers,
    )
    _problem(note, 403)


def test_roles_without_the_capability_get_403_problems(cast, client):
    body = json.dumps({"subject": "x", "requester_id": cast.boss.pk})
    _problem(client.post("/api/v1/tickets", body, content_type="application/json",
                         **bearer(cast.bookkeeper)), 403)
    _problem(client.post("/api/v1/clients", json.dumps({"name": "New Co"}),
                         content_type="application/json", **bearer(cast.tech)), 403)
    assert client.post("/api/v1/clients", json.dumps({"name": "New Co"}),
                       content_type="application/json", **bearer(cast.manager)).status_code == 201


def test_only_an_owner_writes_history_and_external_ids_make_it_idempotent(cast, client):
    opened = timezone.now() - dt.timedelta(days=400)
    payload = {
        "subject": "Old ticket", "body": "From the old desk", "requester_id": cast.boss.pk,
        "opened_at": opened.isoformat(), "status": "closed",
        "status_at": (opened + dt.timedelta(days=1)).isoformat(), "external_id": "zd-1",
    }
    _problem(client.post("/api/v1/tickets", json.dumps(payload),
                         content_type="application/json", **bearer(cast.manager)), 403)
    headers = bearer(cast.owner)
    first = client.post("/api/v1/tickets", json.dumps(payload),
                        content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    ticket = Ticket.objects.get(number=first.json()["number"])
    assert ticket.opened_at == opened and ticket.status == "closed"
    again = client.post("/api/v1/tickets", json.dumps(payload),
                        content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["id"] == ticket.pk
    assert ExternalRef.objects.filter(kind="ticket").count() == 1

    message = client.post(
        f"/api/v1/tickets/{ticket.number}/messages",
        json.dumps({"body": "Thanks!", "author_person_id": cast.boss.pk,
                    "created_at": (opened + dt.timedelta(hours=3)).isoformat()}),
        content_type="application/json", **headers,
    )
    assert message.status_code == 201, message.content
    assert message.json()["created_at"].startswith(str((opened + dt.timedelta(hours=3)).date()))


def test_the_future_is_not_history(cast, client):
    payload = {"subject": "x", "requester_id": cast.boss.pk,
               "opened_at": (timezone.now() + dt.timedelta(days=3)).isoformat()}
    _problem(client.post("/api/v1/tickets", json.dumps(payload),
                         content_type="application/json", **bearer(cast.owner)), 422)


def test_people_with_roles_and_a_duplicate_email_is_a_problem(cast, client):
    headers = bearer(cast.owner)
    body = {"client_id": cast.birch.pk, "first_name": "Fay", "email": "fay@birch.test",
            "roles": ["billing"]}
    created = client.post("/api/v1/people", json.dumps(body),
                          content_type="application/json", **headers)
    assert created.status_code == 201 and created.json()["roles"] == ["billing"]
    duplicate = client.post("/api/v1/people", json.dumps(body),
                            content_type="application/json", **headers)
    _problem(duplicate, 422)


def test_invoices_for_the_fd_and_billing_staff_not_the_technician(cast, client):
    from decimal import Decimal

    from goodwill.billing.services import LineInput, create_draft, issue

    draft = create_draft(client=cast.acme, kind="one_off",
                         lines=[LineInput("Setup", Decimal("1"), Decimal("50"), Decimal("0"))])
    invoice = issue(draft, send=False)
    create_draft(client=cast.acme, kind="one_off",
                 lines=[LineInput("Draft", Decimal("1"), Decimal("5"), Decimal("0"))])
    fd = client.get("/api/v1/invoices", **bearer(cast.fd)).json()["items"]
    assert [i["number"] for i in fd] == [invoice.number]  # drafts are not the client's yet
    assert len(client.get("/api/v1/invoices", **bearer(cast.bookkeeper)).json()["items"]) == 2
    _problem(client.get("/api/v1/invoices", **bearer(cast.tech)), 403)
    assert client.get("/api/v1/invoices", **bearer(cast.acme_user)).json()["items"] == []


def test_status_after_the_messages_and_survey_answers_as_history(cast, client):
    headers = bearer(cast.owner)
    at = (timezone.now() - dt.timedelta(days=30)).isoformat()
    url = f"/api/v1/tickets/{cast.ticket.number}/status"
    done = client.post(url, json.dumps({"status": "closed", "at": at}),
                       content_type="application/json", **headers)
    assert done.status_code == 200 and done.json()["status"] == "closed"
    _problem(client.post(url, json.dumps({"status": "open"}), content_type="application/json",
                         **bearer(cast.boss)), 403)
    answer = {"person_id": cast.boss.pk, "kind": "csat", "rating": 2, "comment": "Slow",
              "ticket_number": cast.ticket.number, "answered_at": at, "external_id": "sv-1"}
    first = client.post("/api/v1/survey-answers", json.dumps(answer),
                        content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    assert first.json()["value"] < 0
    again = client.post("/api/v1/survey-answers", json.dumps(answer),
                        content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    _problem(client.post("/api/v1/survey-answers", json.dumps(answer),
                         content_type="application/json", **bearer(cast.manager)), 403)


def test_scores_signals_and_next_actions_are_for_staff_only(cast, client):
    from goodwill.happiness.signals import record_signal

    record_signal(kind="csat", value=-1, occurred_at=timezone.now(), person=cast.boss,
                  key="t:1", note="rated GW-1 1/5")
    url = f"/api/v1/clients/{cast.acme.pk}/scores"
    staff = client.get(url, **bearer(cast.manager))
    assert staff.status_code == 200, staff.content
    assert any(p["person_id"] == cast.boss.pk for p in staff.json()["people"])
    _problem(client.get(url, **bearer(cast.boss)), 403)
    signals = client.get("/api/v1/signals", **bearer(cast.manager)).json()["items"]
    assert signals[0]["note"] == "rated GW-1 1/5"
    _problem(client.get("/api/v1/signals", **bearer(cast.boss)), 403)
    assert client.get("/api/v1/next-actions", **bearer(cast.tech)).status_code == 200
    assert client.get("/api/v1/bookings", **bearer(cast.bookkeeper)).status_code == 200
